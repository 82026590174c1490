"""The locked face of the window: the passphrase field and nothing about any child.

It is the first thing drawn at start-up, so it avoids the ``Qt`` namespace (whose first
use costs some 40 ms in PySide6): labels are centred by layouts, not alignment flags.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def _centred(widget: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget)
    row.addStretch(1)
    return row


class UnlockView(QWidget):
    unlock_requested = Signal(str)
    recovery_requested = Signal()

    def __init__(self, vault_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unlock_view")

        title = QLabel("iro-desktop")
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.8)
        title_font.setBold(True)
        title.setFont(title_font)

        self.heading = QLabel("The vault is locked")
        heading_font = QFont(self.font())
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.25)
        self.heading.setFont(heading_font)

        where = QLabel(vault_label)  # one line: a wrapped path reads badly

        prompt = QLabel("&Passphrase:")
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase_edit")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        self.passphrase.setAccessibleDescription("Type the vault passphrase and press Enter")
        self.passphrase.setMinimumWidth(self.fontMetrics().averageCharWidth() * 36)
        self.passphrase.returnPressed.connect(self._on_unlock_clicked)
        prompt.setBuddy(self.passphrase)
        self._reveal = QCheckBox("&Show")
        self._reveal.setObjectName("reveal_check")
        self._reveal.setAccessibleName("Show the passphrase as typed")
        self._reveal.toggled.connect(self._on_reveal_toggled)

        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.setAccessibleName("Unlock the vault")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._on_unlock_clicked)

        self.recovery_button = QPushButton("Forgotten it? Use the &recovery key...")
        self.recovery_button.setObjectName("recovery_button")
        self.recovery_button.setAccessibleName("Unlock with the recovery key")
        self.recovery_button.setFlat(True)
        self.recovery_button.clicked.connect(self.recovery_requested)

        self.message = QLabel("")
        self.message.setObjectName("unlock_message")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Unlock message")

        row = QHBoxLayout()
        row.addWidget(prompt)
        row.addWidget(self.passphrase, 1)
        row.addWidget(self._reveal)
        row.addWidget(self.unlock_button)

        card = QFrame()
        card.setObjectName("unlock_card")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card_layout = QVBoxLayout(card)
        card_layout.setSpacing(12)
        for widget in (title, self.heading, where):
            card_layout.addLayout(_centred(widget))
        card_layout.addSpacing(8)
        card_layout.addLayout(row)
        card_layout.addWidget(self.message)
        card_layout.addLayout(_centred(self.recovery_button))

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(card)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)

    # ---- state ---------------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        self.passphrase.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy)
        self.recovery_button.setEnabled(not busy)
        if busy:
            self.show_message("Unlocking...", error=False)

    def show_message(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "")

    def reset(self, heading: str = "The vault is locked") -> None:
        self.heading.setText(heading)
        self.passphrase.clear()
        self._reveal.setChecked(False)
        self.show_message("", error=False)
        self.set_busy(False)
        self.passphrase.setFocus()

    # ---- handlers ------------------------------------------------------------------

    def _on_unlock_clicked(self) -> None:
        text = self.passphrase.text()
        if not text:
            self.show_message("Type your passphrase first.", error=True)
            return
        self.unlock_requested.emit(text)

    def _on_reveal_toggled(self, shown: bool) -> None:
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Normal if shown
                                    else QLineEdit.EchoMode.Password)
