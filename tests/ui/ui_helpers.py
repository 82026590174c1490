"""Helpers of the UI tests: the sample children, fake clocks for auto-lock, a walk over
every widget to find text (child data, secrets) that should not be there, and what a
screenshot shows (the text on screen, a picture that is not blank)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from tests.conftest import PASSPHRASE

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CSV = REPO / "iro_desktop" / "resources" / "demo" / "caseload.csv"
__all__ = ["PASSPHRASE", "FakeClock", "child_data_in", "missing_texts", "picture_problems",
           "shown_texts", "widget_texts"]


def _sample_rows() -> list[dict[str, str]]:
    with SAMPLE_CSV.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


SAMPLE_ROWS = _sample_rows()
SAMPLE_SURNAMES = sorted({r["last_name"] for r in SAMPLE_ROWS})
SAMPLE_REFS = sorted({r["child_ref"] for r in SAMPLE_ROWS})
# Whole words, case-sensitive: "Hill" is child data, "hills" in a sentence would not be.
_CHILD_DATA = re.compile(r"(?<![\w-])(" + "|".join(
    re.escape(s) for s in sorted({*SAMPLE_SURNAMES, *SAMPLE_REFS}, key=len, reverse=True))
    + r")(?![\w-])")


class FakeClock:
    """Monotonic and wall clocks the test moves by hand."""

    def __init__(self) -> None:
        self.mono = 10_000.0
        self.wall = 1_790_000_000.0

    def monotonic(self) -> float:
        return self.mono

    def time(self) -> float:
        return self.wall

    def advance(self, seconds: float, *, wall_only: bool = False) -> None:
        if not wall_only:
            self.mono += seconds
        self.wall += seconds


def _model_texts(model: QAbstractItemModel, parent: QModelIndex = QModelIndex(),  # noqa: B008
                 depth: int = 0) -> Iterator[str]:
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
             Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.EditRole)
    for row in range(model.rowCount(parent)):
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            for role in roles:
                value = model.data(index, role)
                if value is not None:
                    yield str(value)
            if depth < 3 and column == 0 and model.rowCount(index) > 0:
                yield from _model_texts(model, index, depth + 1)


def widget_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for every piece of text any widget under ``root`` holds, shown or not."""
    found: list[tuple[str, str]] = []
    seen_models: set[int] = set()
    for widget in [root, *root.findChildren(QWidget)]:
        where = f"{type(widget).__name__}({widget.objectName() or '-'})"
        texts = [widget.toolTip(), widget.accessibleName(), widget.accessibleDescription(),
                 widget.windowTitle(), widget.statusTip(), widget.whatsThis()]
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts += [widget.text(), widget.placeholderText()]
        if isinstance(widget, (QTextEdit, QPlainTextEdit)):
            texts.append(widget.toPlainText())
        if isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
            texts.append(widget.currentText())
        if isinstance(widget, QMainWindow) and widget.statusBar() is not None:
            texts.append(widget.statusBar().currentMessage())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            models = [widget.model()]
            source = getattr(widget.model(), "sourceModel", lambda: None)()
            if source is not None:
                models.append(source)
            for model in models:
                if id(model) not in seen_models:
                    seen_models.add(id(model))
                    texts += list(_model_texts(model))
        found += [(where, t) for t in texts if t]
    return found


def child_data_in(root: QWidget) -> list[str]:
    """Every widget text under ``root`` that names a sample child or reference."""
    return [f"{where}: {text[:120]!r}" for where, text in widget_texts(root)
            if _CHILD_DATA.search(text)]


def _on_screen(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def shown_texts(root: QWidget) -> list[str]:
    """The text a person sees under ``root``: widgets that are shown and not clipped away,
    and of tables and lists only the cells inside the visible part of their viewport."""
    found: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not _on_screen(widget):
            continue
        if isinstance(widget, QLabel):
            found.append(widget.text())
        elif isinstance(widget, QLineEdit):
            found.append(widget.text() or widget.placeholderText())
        elif isinstance(widget, (QTextEdit, QPlainTextEdit)):
            found.append(widget.toPlainText())
        elif isinstance(widget, QAbstractButton):
            found.append(widget.text())
        elif isinstance(widget, QComboBox):
            found.append(widget.currentText())
        elif isinstance(widget, QTabBar):
            found += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QGroupBox):
            found.append(widget.title())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model, area = widget.model(), widget.viewport().rect()
            top = QModelIndex()
            columns = 1 if isinstance(widget, QListView) else model.columnCount(top)
            for row in range(model.rowCount(top)):
                for column in range(columns):
                    index = model.index(row, column, top)
                    if widget.visualRect(index).intersects(area):
                        value = model.data(index, Qt.ItemDataRole.DisplayRole)
                        if value is not None:
                            found.append(str(value))
        if isinstance(widget, QHeaderView) and widget.model() is not None:
            found += [str(widget.model().headerData(i, widget.orientation()))
                      for i in range(widget.count()) if not widget.isSectionHidden(i)]
    return [t for t in found if t]


def missing_texts(root: QWidget, *expected: str) -> list[str]:
    """Those of ``expected`` that no shown text under ``root`` contains."""
    shown = shown_texts(root)
    return [e for e in expected if not any(e in t for t in shown)]


def picture_problems(image: QImage) -> list[str]:
    """Why a screenshot would look empty to a reader: nothing drawn, one flat colour, or
    hardly any ink (text and lines) anywhere."""
    if image.isNull() or image.width() < 100 or image.height() < 100:
        return [f"no picture ({image.width()}x{image.height()})"]
    step = 4
    colours: dict[int, int] = {}
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            rgb = image.pixel(x, y) & 0xFFFFFF
            colours[rgb] = colours.get(rgb, 0) + 1
    samples = sum(colours.values())
    background = max(colours.values())
    problems = []
    if len(colours) < 16:
        problems.append(f"only {len(colours)} colours")
    if background / samples > 0.995:
        problems.append(f"{background / samples:.0%} of the picture is one colour")
    return problems
