"""Helpers of the UI tests: the sample children, fake clocks for auto-lock, and a walk over
every widget to find text (child data, secrets) that should not be there."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from tests.conftest import PASSPHRASE

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CSV = REPO / "iro_desktop" / "resources" / "demo" / "caseload.csv"
__all__ = ["PASSPHRASE", "FakeClock", "child_data_in", "widget_texts"]


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
