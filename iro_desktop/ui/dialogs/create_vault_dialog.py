"""First run: choose a passphrase, then see (and print) the recovery key once."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.widgets.chair_fields import ChairFields
from iro_desktop.ui.widgets.chair_fields import problems as chair_problems
from iro_desktop.ui.widgets.passphrase_fields import NewPassphraseFields


class CreateVaultDialog(QDialog):
    """Page 1 emits ``create_requested(passphrase, remember)``; the caller creates the
    vault (in the background) and calls :meth:`show_recovery_key` or :meth:`show_error`."""

    create_requested = Signal(str, bool)

    def __init__(self, vault_label: str, *, keyring_available: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("create_vault_dialog")
        self.setWindowTitle("Create your iro-desktop vault")
        self.setModal(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._passphrase_page(vault_label, keyring_available))
        self.pages.addWidget(self._recovery_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.recovery_key = ""

    # ---- page 1 --------------------------------------------------------------------

    def _passphrase_page(self, vault_label: str, keyring_available: bool) -> QWidget:
        page = QWidget()
        intro = QLabel(
            "<p>Everything you record is kept in an encrypted vault on this computer. "
            "Choose a passphrase you can remember: a few unrelated words work well.</p>"
            f"<p>Vault folder: {_escape(vault_label)}</p>")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.fields = NewPassphraseFields(page, label="&Passphrase:")
        self.remember = QCheckBox("&Remember on this computer (unlock without typing it at start)")
        self.remember.setObjectName("remember_check")
        self.remember.setAccessibleName("Remember the vault on this computer's keyring")
        self.remember.setVisible(keyring_available)
        chair_intro = QLabel("Your name, role and work contact details as chair of the "
                             "reviews: they sign every record and tell each child how to "
                             "reach you. You can change them later in Council settings.")
        chair_intro.setWordWrap(True)
        chair_form = QFormLayout()
        self.chair_fields = ChairFields(chair_form)
        self.error = QLabel("")
        self.error.setObjectName("create_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.create_button = QPushButton("&Create vault")
        self.create_button.setObjectName("create_button")
        self.create_button.setAccessibleName("Create the vault")
        self.create_button.setDefault(True)
        self.create_button.setEnabled(False)
        self.fields.changed.connect(self.create_button.setEnabled)
        self.create_button.clicked.connect(self._on_create_clicked)
        cancel = QPushButton("Cancel")
        cancel.setAccessibleName("Cancel and quit")
        cancel.clicked.connect(self.reject)
        buttons = QDialogButtonBox()
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)

        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.fields)
        layout.addWidget(self.remember)
        layout.addWidget(chair_intro)
        layout.addLayout(chair_form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        return page

    def _on_create_clicked(self) -> None:
        if not self.fields.is_acceptable():
            return
        found = chair_problems(self.chair_fields.values())
        if found:
            self.show_error(" ".join(found))
            return
        self.create_button.setEnabled(False)
        self.error.setText("Creating the vault and measuring this computer's speed...")
        self.error.setStyleSheet("")
        self.create_requested.emit(self.fields.passphrase, self.remember.isChecked())

    def show_error(self, message: str) -> None:
        self.error.setStyleSheet("color: #b00020;")
        self.error.setText(message)
        self.create_button.setEnabled(self.fields.is_acceptable())

    # ---- page 2 --------------------------------------------------------------------

    def _recovery_page(self) -> QWidget:
        page = QWidget()
        heading = QLabel("Your recovery key")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        explain = QLabel(
            "This key opens the vault if the passphrase is forgotten. It is shown <b>only "
            "now</b>. Print it or write it down, and give it to your IRO manager to keep "
            "safe, away from this computer. Anyone holding it can open the vault.")
        explain.setWordWrap(True)
        self.key_label = QLabel("")
        self.key_label.setObjectName("recovery_key_label")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.font().pointSizeF() * 1.3)
        self.key_label.setFont(mono)
        self.key_label.setWordWrap(True)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                               | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.key_label.setAccessibleName("Recovery key")
        self.key_label.setStyleSheet("padding: 12px; border: 1px solid palette(mid);")
        print_button = QPushButton("&Print...")
        print_button.setObjectName("print_recovery_button")
        print_button.setAccessibleName("Print the recovery key")
        print_button.clicked.connect(self._on_print_clicked)
        self.confirm = QCheckBox("I have &printed or written down the recovery key")
        self.confirm.setObjectName("recovery_confirm_check")
        self.confirm.setAccessibleName("I have kept the recovery key")
        self.finish_button = QPushButton("&Open the vault")
        self.finish_button.setObjectName("finish_button")
        self.finish_button.setAccessibleName("Finish and open the vault")
        self.finish_button.setEnabled(False)
        self.confirm.toggled.connect(self.finish_button.setEnabled)
        self.finish_button.clicked.connect(self.accept)
        buttons = QDialogButtonBox()
        buttons.addButton(print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.finish_button, QDialogButtonBox.ButtonRole.AcceptRole)

        layout = QVBoxLayout(page)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addWidget(self.key_label)
        layout.addWidget(self.confirm)
        layout.addStretch(1)
        layout.addWidget(buttons)
        return page

    def show_recovery_key(self, key: str) -> None:
        self.recovery_key = key
        groups = key.split("-")
        lines = ["  ".join(groups[i:i + 5]) for i in range(0, len(groups), 5)]
        self.key_label.setText("\n".join(lines))
        self.fields.clear()
        self.pages.setCurrentIndex(1)
        self.confirm.setFocus()

    def reject(self) -> None:
        # Once the vault exists the key must be acknowledged: Escape does not skip it.
        if self.pages.currentIndex() == 1 and not self.confirm.isChecked():
            return
        super().reject()

    def _on_print_clicked(self) -> None:
        print_recovery_key(self, self.recovery_key)


def recovery_sheet_html(key: str) -> str:
    return (
        "<h2>iro-desktop recovery key</h2>"
        "<p>This key opens an iro-desktop vault whose passphrase has been forgotten. "
        "Keep it locked away, separate from the laptop.</p>"
        f"<p style='font-family: monospace; font-size: 16pt'>{_escape(key)}</p>"
        "<p>Vault owner: ______________________ &nbsp; Date: ____________</p>")


def print_recovery_key(parent: QWidget, key: str) -> None:
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print the recovery key")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return
    doc = QTextDocument()
    doc.setHtml(recovery_sheet_html(key))
    doc.print_(printer)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
