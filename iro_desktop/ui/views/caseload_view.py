"""The caseload: every child across councils, soonest review due first.

The council filter shows all councils at once or one. Each row starts with the council's
code on its colour, and that cell keeps its colour when the row is selected (Qt would
paint it in the selection colour, which can look like another council's).
"""

from __future__ import annotations

import heapq

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core.models import Council
from iro_desktop.core.review_clock import DueStatus

if TYPE_CHECKING:  # the service module pulls in the database layer: not needed to draw
    from iro_desktop.services.caseload import CaseloadEntry
from iro_desktop.ui.models.caseload_table_model import (
    HEADERS,
    CaseloadFilterProxy,
    CaseloadTableModel,
    Column,
    StatusFilter,
)


class CouncilChipDelegate(QStyledItemDelegate):
    """The council cell: the code in bold white on the council's colour, selected or not.
    Reads only what the model cached (text and brush): nothing is looked up per paint."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        brush = index.data(Qt.ItemDataRole.BackgroundRole)
        if brush is None:
            super().paint(painter, option, index)
            return
        rect = option.rect
        painter.save()
        painter.fillRect(rect, brush)
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("white"))
        margin = option.fontMetrics.averageCharWidth() // 2 + 2
        painter.drawText(rect.adjusted(margin, 0, -margin, 0),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        painter.restore()
        if option.state & QStyle.StateFlag.State_HasFocus:
            focus = QStyleOptionFocusRect()
            focus.rect = rect.adjusted(1, 1, -1, -1)
            focus.state = option.state
            focus.backgroundColor = brush.color()
            widget = option.widget
            style = widget.style() if widget is not None else None
            if style is not None:
                style.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus, painter,
                                    widget)


def council_icon(colour: str, size: int) -> QIcon:
    """A small square of the council's colour, shown beside its code in lists."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class CaseloadView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseload_view")
        self.model = CaseloadTableModel(self)
        self.proxy = CaseloadFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.council_combo = QComboBox()
        self.council_combo.setObjectName("council_filter")
        self.council_combo.setAccessibleName("Show children of council")
        self.council_combo.currentIndexChanged.connect(self._on_council_changed)
        council_label = QLabel("C&ouncil:")
        council_label.setBuddy(self.council_combo)

        self.status_combo = QComboBox()
        self.status_combo.setObjectName("status_filter")
        self.status_combo.setAccessibleName("Show children by review status")
        for option in StatusFilter:
            self.status_combo.addItem(option.value, option)
        self.status_combo.currentIndexChanged.connect(self._on_status_changed)
        status_label = QLabel("S&tatus:")
        status_label.setBuddy(self.status_combo)

        self.search = QLineEdit()
        self.search.setObjectName("caseload_search")
        self.search.setAccessibleName("Filter by name, reference or social worker")
        self.search.setPlaceholderText("Name, reference or social worker")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(200)
        self.search.textChanged.connect(self._on_search_changed)
        search_label = QLabel("Fin&d:")
        search_label.setBuddy(self.search)

        filters = QHBoxLayout()
        filters.addWidget(council_label)
        filters.addWidget(self.council_combo)
        filters.addSpacing(12)
        filters.addWidget(status_label)
        filters.addWidget(self.status_combo)
        filters.addSpacing(12)
        filters.addWidget(search_label)
        filters.addWidget(self.search, 1)

        self.summary = QLabel("")
        self.summary.setObjectName("caseload_summary")
        self.summary.setAccessibleName("Caseload summary")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.summary.setFont(font)

        self.table = QTableView()
        self.table.setObjectName("caseload_table")
        self.table.setAccessibleName("Caseload")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)
        self.table.setItemDelegateForColumn(Column.COUNCIL, CouncilChipDelegate(self.table))
        header = self.table.horizontalHeader()
        # Columns are sized to their contents once per load (see _fit_columns): names are
        # never cut, and the table scrolls sideways on a narrow screen. The IRO can resize.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        self.table.sortByColumn(Column.NEXT_DUE, Qt.SortOrder.AscendingOrder)

        self.empty_hint = QLabel("No children yet. Use File \u25b8 Import caseload... (Ctrl+I) "
                                 "to import the CSV your council sends.")
        self._empty_text = self.empty_hint.text()
        self.empty_hint.setObjectName("empty_hint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)

        # A council whose database could not be read is named, never shown as empty.
        self.damaged_label = QLabel("")
        self.damaged_label.setObjectName("caseload_damaged")
        self.damaged_label.setAccessibleName("Councils not shown because they are damaged")
        self.damaged_label.setWordWrap(True)
        self.damaged_label.setStyleSheet("color: #b00020;")
        self.damaged_label.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.damaged_label)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_hint, 1)  # the empty state takes the space, not the gaps
        self._councils: list[Council] = []
        self.soon_days = 28

    # ---- data ----------------------------------------------------------------------

    def set_damaged(self, labels: list[str]) -> None:
        """Name the councils whose children are missing from the list (damaged)."""
        self.damaged_label.setText(
            f"Not shown, the database is damaged: {', '.join(labels)}. Councils \u25b8 "
            "Restore a damaged council brings it back from its newest snapshot."
            if labels else "")
        self.damaged_label.setVisible(bool(labels))
        self.empty_hint.setText("No children can be shown: see the damaged councils above."
                                if labels else self._empty_text)

    def set_data(self, councils: list[Council], entries: list[CaseloadEntry], today: date) -> None:
        selected = self.council_combo.currentData()
        self._councils = councils
        self.council_combo.blockSignals(True)
        self.council_combo.clear()
        self.council_combo.addItem(f"All councils ({len(councils)})", None)
        size = self.council_combo.fontMetrics().height() * 3 // 4
        for council in councils:
            self.council_combo.addItem(council_icon(council.colour, size),
                                       f"{council.code} - {council.name}", council.id)
        index = self.council_combo.findData(selected) if selected else 0
        self.council_combo.setCurrentIndex(max(index, 0))
        self.council_combo.blockSignals(False)
        self.proxy.set_council(self.council_combo.currentData())
        self.model.set_entries(entries, today)
        self._fit_columns()
        self.table.sortByColumn(self.table.horizontalHeader().sortIndicatorSection(),
                                self.table.horizontalHeader().sortIndicatorOrder())
        self._update_summary()
        has_children = bool(entries)
        self.table.setVisible(has_children)
        self.empty_hint.setVisible(not has_children)

    def _fit_columns(self) -> None:
        """Width of the widest text in each column, measured with the table's font: far
        cheaper than Qt's ResizeToContents, which asks the model for every cell's size."""
        fm = self.table.fontMetrics()
        bold = QFont(self.table.font())
        bold.setBold(True)
        header_fm = QFontMetrics(bold)
        header = self.table.horizontalHeader()
        padding = fm.averageCharWidth() * 3
        for column in Column:
            metrics = header_fm if column == Column.COUNCIL else fm  # codes are drawn bold
            # the longest texts by characters are the widest but for a few narrow letters:
            # measuring the eight longest costs a fraction of measuring all (450 children)
            longest = heapq.nlargest(8, self.model.column_texts(column), key=len)
            widest = max((metrics.horizontalAdvance(t) for t in longest), default=0)
            title = header_fm.horizontalAdvance(HEADERS[column]) + padding  # sort arrow room
            header.resizeSection(column, max(widest + padding, title))

    def clear(self) -> None:
        """Drop every child from the widgets (vault locked)."""
        self.model.clear()
        self.council_combo.blockSignals(True)
        self.council_combo.clear()
        self.council_combo.blockSignals(False)
        self.search.clear()
        self.summary.clear()
        self._councils = []

    def _update_summary(self) -> None:
        shown = [self.model.entry(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                 for r in range(self.proxy.rowCount())]
        overdue = sum(1 for e in shown if e.status is DueStatus.OVERDUE)
        soon = sum(1 for e in shown if e.status is DueStatus.DUE_SOON)
        self.summary.setText(f"{len(shown)} children shown \u2022 {overdue} review"
                             f"{'s' if overdue != 1 else ''} overdue \u2022 {soon} due within "
                             f"{self.soon_days} days")

    def focus_table(self) -> None:
        self.table.setFocus()
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    # ---- handlers ------------------------------------------------------------------

    def _on_council_changed(self) -> None:
        self.proxy.set_council(self.council_combo.currentData())
        self._update_summary()

    def _on_status_changed(self) -> None:
        self.proxy.set_status(self.status_combo.currentData())
        self._update_summary()

    def _on_search_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_summary()
