"""Amend a finalised record: choose the text, change it, give a reason. The earlier text
is kept in the record's history."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class AmendDialog(QDialog):
    def __init__(self, fields: list[tuple[str, str]], texts: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("amend_dialog")
        self.setWindowTitle("Amend the finalised record")
        self._texts = texts
        self.field = QComboBox()
        self.field.setObjectName("amend_field_combo")
        self.field.setAccessibleName("Part of the record to amend")
        for key, title in fields:
            self.field.addItem(title, key)
        self.text = QPlainTextEdit()
        self.text.setObjectName("amend_text")
        self.text.setAccessibleName("Amended text")
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
        layout.addWidget(QLabel("The earlier text is kept, with the time and your reason."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._on_field_changed()
        self.resize(self.fontMetrics().averageCharWidth() * 90, self.fontMetrics().height() * 24)

    def _on_field_changed(self) -> None:
        self.text.setPlainText(self._texts.get(self.field.currentData() or "", ""))

    @property
    def key(self) -> str:
        return str(self.field.currentData() or "")

    def show_error(self, message: str) -> None:
        self.message.setText(message)
