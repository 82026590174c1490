"""Change the passphrase: the data keys are rewrapped, the databases are not touched."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.widgets.passphrase_fields import NewPassphraseFields


class ChangePassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("change_passphrase_dialog")
        self.setWindowTitle("Change passphrase")
        self.current = QLineEdit()
        self.current.setObjectName("current_passphrase_edit")
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.current.setAccessibleName("Current passphrase")
        current_label = QLabel("C&urrent passphrase:")
        current_label.setBuddy(self.current)
        form = QFormLayout()
        form.addRow(current_label, self.current)
        self.fields = NewPassphraseFields(self)
        self.message = QLabel("")
        self.message.setObjectName("change_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Change")
        ok.setAccessibleName("Change the passphrase")
        ok.setEnabled(False)
        self.fields.changed.connect(ok.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.fields)
        layout.addWidget(QLabel("Your recovery key keeps working."))
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    @property
    def current_passphrase(self) -> str:
        return self.current.text()

    @property
    def new_passphrase(self) -> str:
        return self.fields.passphrase

    def show_error(self, message: str) -> None:
        self.message.setText(message)
