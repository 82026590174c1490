"""Small builders for the controls every page and dialog makes the same way."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget


def buddy(text: str, widget: QWidget) -> QLabel:
    """A label whose Alt mnemonic moves the focus to ``widget`` (and names it)."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label


def message_label(text: str = "", name: str = "") -> QLabel:
    """A wrapped plain-text label; with ``name``, also its object and accessible name."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
        label.setAccessibleName(name.replace("_", " ").capitalize())
    return label


def button(text: str, name: str, accessible: str, slot: Callable[[], object]) -> QPushButton:
    """A push button with its object and accessible names, connected to ``slot``."""
    widget = QPushButton(text)
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    widget.clicked.connect(slot)
    return widget
