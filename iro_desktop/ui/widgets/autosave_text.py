"""A plain-text field whose every edit is autosaved. Undo/redo work within the field;
paragraphs are lines separated by blank lines, bullets are lines starting "- " or "* "."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from iro_desktop.core.reviews import MAX_TEXT
from iro_desktop.services.autosave import Target


class AutoSaveTextEdit(QPlainTextEdit):
    too_long = Signal(int)

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setTabChangesFocus(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setPlaceholderText("Type here. Start a line with \"- \" for a bullet. "
                                "Saved as you type.")
        self._target: Target | None = None
        self._bridge = None
        self.textChanged.connect(self._on_text_changed)

    def bind(self, bridge, target: Target | None, text: str, *, read_only: bool = False) -> None:  # type: ignore[no-untyped-def]
        """Show ``text`` for ``target`` without saving it back; later edits are saved."""
        self._bridge, self._target = None, None
        self.setPlainText(text)
        self.document().clearUndoRedoStacks()
        self.setReadOnly(read_only)
        self._bridge, self._target = bridge, target

    def unbind(self) -> None:
        self._bridge, self._target = None, None
        self.clear()

    def _on_text_changed(self) -> None:
        if self._bridge is None or self._target is None:
            return
        text = self.toPlainText()
        if len(text) > MAX_TEXT:
            self.too_long.emit(len(text))
            return
        self._bridge.put(self._target, text)
