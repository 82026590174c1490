"""Small builders for the controls every page and dialog makes the same way."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QWidget


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


def line_edit(name: str, accessible: str, max_length: int) -> QLineEdit:
    """A one-line field with its object and accessible names and a length limit."""
    edit = QLineEdit()
    if name:
        edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setMaxLength(max_length)
    return edit


def editable_combo(name: str, accessible: str, items: list[str] | tuple[str, ...] = ()
                   ) -> QComboBox:
    """A combo box the IRO may type into, which completes from ``items`` but never adds
    what was typed to them (Enter is left to the form: add the person, the decision)."""
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName(accessible)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.addItems(list(items))
    return combo
