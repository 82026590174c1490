"""Unlock with the recovery key; a new passphrase must be chosen at the same time."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.widgets.passphrase_fields import NewPassphraseFields


class RecoveryDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery_dialog")
        self.setWindowTitle("Unlock with the recovery key")
        explain = QLabel("Type the recovery key exactly as printed (dashes and spaces do not "
                         "matter), then choose a new passphrase. The old passphrase will stop "
                         "working.")
        explain.setWordWrap(True)
        key_label = QLabel("Recovery &key:")
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("recovery_key_edit")
        self.key_edit.setAccessibleName("Recovery key")
        self.key_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.key_edit.setPlaceholderText("ABCD-EFGH-...")
        self.key_edit.setMaxLength(200)
        key_label.setBuddy(self.key_edit)
        self.fields = NewPassphraseFields(self)
        self.message = QLabel("")
        self.message.setObjectName("recovery_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Unlock")
        ok.setAccessibleName("Unlock with the recovery key")
        ok.setEnabled(False)
        self.fields.changed.connect(lambda good: ok.setEnabled(good and bool(self.key_text)))
        self.key_edit.textChanged.connect(
            lambda: ok.setEnabled(self.fields.is_acceptable() and bool(self.key_text)))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (explain, key_label, self.key_edit, self.fields, self.message, self.buttons):
            layout.addWidget(widget)

    @property
    def key_text(self) -> str:
        return self.key_edit.text().strip()

    @property
    def new_passphrase(self) -> str:
        return self.fields.passphrase

    def show_error(self, message: str) -> None:
        self.message.setText(message)
