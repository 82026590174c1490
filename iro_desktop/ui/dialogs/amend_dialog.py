"""Amend a finalised record: choose the text, change it (and what is withheld from whom,
Ctrl+Shift+W on a line), give a reason. The earlier text and marks are kept in the
record's history."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core.redaction import MarkedText
from iro_desktop.ui.widgets.autosave_text import MarkedTextEdit


class AmendDialog(QDialog):
    def __init__(self, fields: list[tuple[str, str]], texts: dict[str, str],
                 parent: QWidget | None = None, *,
                 line_marks: Mapping[str, Mapping[int, frozenset[str]]] | None = None,
                 people: Mapping[str, str] | None = None,
                 withhold: Callable[[MarkedTextEdit], None] | None = None) -> None:
        super().__init__(parent)
        self._line_marks = line_marks or {}
        self.setObjectName("amend_dialog")
        self.setWindowTitle("Amend the finalised record")
        self._texts = texts
        self.field = QComboBox()
        self.field.setObjectName("amend_field_combo")
        self.field.setAccessibleName("Part of the record to amend")
        for key, title in fields:
            self.field.addItem(title, key)
        self.text = MarkedTextEdit("Amended text")
        self.text.setObjectName("amend_text")
        self.text.set_people(people or {})
        if withhold is not None:
            shortcut = QShortcut(QKeySequence("Ctrl+Shift+W"), self.text)
            shortcut.setContext(shortcut.context().WidgetShortcut)
            shortcut.activated.connect(lambda: withhold(self.text))
        self.reason = QLineEdit()
        self.reason.setObjectName("amend_reason")
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setMaxLength(4000)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.field.currentIndexChanged.connect(self._on_field_changed)
        form = QFormLayout()
        labels = (("&Part:", self.field), ("&Text:", self.text), ("&Reason:", self.reason))
        for text, widget in labels:
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Amend")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The earlier text is kept, with the time and your reason. "
                                "Ctrl+Shift+W on a line withholds it from a recipient "
                                "(highlighted, named in the margin)."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._on_field_changed()
        self.resize(self.fontMetrics().averageCharWidth() * 90, self.fontMetrics().height() * 24)

    def _on_field_changed(self) -> None:
        key = self.field.currentData() or ""
        self.text.set_text_and_marks(self._texts.get(key, ""), self._line_marks.get(key))

    def select(self, key: str, line: int = 0) -> None:
        """Open on field ``key`` with the cursor on ``line``."""
        index = self.field.findData(key)
        if index >= 0:
            self.field.setCurrentIndex(index)
            block = self.text.document().findBlockByNumber(line)
            if block.isValid():
                cursor = self.text.textCursor()
                cursor.setPosition(block.position())
                self.text.setTextCursor(cursor)
            self.text.setFocus()

    def marked_text(self) -> MarkedText:
        return self.text.marked_text()

    @property
    def key(self) -> str:
        return str(self.field.currentData() or "")

    def show_error(self, message: str) -> None:
        self.message.setText(message)
