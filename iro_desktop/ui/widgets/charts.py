"""Small painted charts (QPainter): PySide6-Essentials has no QtCharts.

``BarChart`` draws one horizontal bar per (label, value), or with ``columns=True`` one
column per value (a series over time, such as the caseload size at each month end). Every
bar carries its number as text, so nothing is told by colour alone, and the chart's
accessible description reads the same figures; the report dialog also puts a plain table
beside each chart for screen readers. Sizes come from the font metrics, colours from the
palette (a dark and a light bar colour, each with at least 4.5:1 contrast to the page).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

# On a light page: 7.5:1 against white. On a dark page: 6.4:1 against #202020.
LIGHT_PAGE_BAR = QColor("#1f5f99")
DARK_PAGE_BAR = QColor("#8cc0f0")


class BarChart(QWidget):
    """A bar (or column) chart of whole numbers, with its figures written on it."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None, *,
                 columns: bool = False) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.columns = columns
        self.items: list[tuple[str, int]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the table beside it takes the focus

    # ---- data ----------------------------------------------------------------------

    def set_items(self, items: list[tuple[str, int]]) -> None:
        self.items = [(label, int(value)) for label, value in items]
        self.setAccessibleDescription("; ".join(f"{label}: {value}"
                                                for label, value in self.items))
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_items([])

    # ---- geometry ------------------------------------------------------------------

    def _row_height(self) -> int:
        return int(self.fontMetrics().height() * 1.5)

    def sizeHint(self) -> QSize:  # noqa: N802
        fm = self.fontMetrics()
        if self.columns:
            return QSize(fm.averageCharWidth() * 70, fm.height() * 14)
        rows = max(len(self.items), 1)
        return QSize(fm.averageCharWidth() * 70, rows * self._row_height() + fm.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = self.sizeHint()
        return QSize(self.fontMetrics().averageCharWidth() * 40, hint.height())

    def bar_colour(self) -> QColor:
        base = self.palette().color(QPalette.ColorRole.Base)
        return DARK_PAGE_BAR if base.lightnessF() < 0.5 else LIGHT_PAGE_BAR

    # ---- painting ------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            palette = self.palette()
            painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            if not self.items:
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No figures")
            elif self.columns:
                self._paint_columns(painter)
            else:
                self._paint_bars(painter)
        finally:
            painter.end()

    def _paint_bars(self, painter: QPainter) -> None:
        fm = self.fontMetrics()
        pad = fm.averageCharWidth()
        label_width = min(max(fm.horizontalAdvance(label) for label, _v in self.items),
                          self.width() // 2)
        top_value = max(max(v for _l, v in self.items), 1)
        value_width = fm.horizontalAdvance(str(top_value)) + 2 * pad
        left = pad + label_width + pad
        room = max(self.width() - left - value_width - pad, 1)
        row_height = self._row_height()
        bar_height = fm.height() * 0.9
        text = self.palette().color(QPalette.ColorRole.Text)
        for row, (label, value) in enumerate(self.items):
            y = fm.height() / 2 + row * row_height
            label_rect = QRectF(pad, y, label_width, row_height)
            painter.setPen(text)
            if fm.horizontalAdvance(label) > label_width:  # only on a very narrow chart
                label = fm.elidedText(label, Qt.TextElideMode.ElideRight, label_width)
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignVCenter
                             | Qt.AlignmentFlag.AlignRight, label)
            width = room * value / top_value
            bar = QRectF(left, y + (row_height - bar_height) / 2, width, bar_height)
            if value:
                painter.fillRect(bar, self.bar_colour())
            painter.drawText(QRectF(left + width + pad, y, value_width, row_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             str(value))
        # the axis the bars grow from
        painter.drawLine(int(left), int(fm.height() / 2),
                         int(left), int(fm.height() / 2 + len(self.items) * row_height))

    def _paint_columns(self, painter: QPainter) -> None:
        fm = self.fontMetrics()
        pad = fm.averageCharWidth()
        count = len(self.items)
        top_value = max(max(v for _l, v in self.items), 1)
        label_band = fm.height() * 1.5
        value_band = fm.height() * 1.3
        plot_top = value_band
        plot_bottom = self.height() - label_band
        plot_height = max(plot_bottom - plot_top, 1)
        slot = (self.width() - 2 * pad) / count
        widest_label = max(fm.horizontalAdvance(label) for label, _v in self.items) + pad
        widest_value = fm.horizontalAdvance(str(top_value)) + pad
        # Write every n-th label / value when the slots are too narrow for all of them.
        label_step = max(1, int(widest_label // slot) + (1 if widest_label % slot else 0))
        value_step = max(1, int(widest_value // slot) + (1 if widest_value % slot else 0))
        text = self.palette().color(QPalette.ColorRole.Text)
        painter.setPen(text)
        for i, (label, value) in enumerate(self.items):
            x = pad + i * slot
            height = plot_height * value / top_value
            column = QRectF(x + slot * 0.15, plot_bottom - height, slot * 0.7, height)
            if value:
                painter.fillRect(column, self.bar_colour())
            if i % value_step == 0:
                painter.drawText(QRectF(x - slot, plot_bottom - height - value_band,
                                        slot * 3, value_band),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                                 str(value))
            if i % label_step == 0:
                painter.drawText(QRectF(x - slot, plot_bottom, slot * 3, label_band),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                                 label)
        painter.drawLine(int(pad), int(plot_bottom), int(self.width() - pad), int(plot_bottom))
