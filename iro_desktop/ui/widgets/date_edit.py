"""A date field that accepts dates typed the way people write them: 24/11/2026.

Qt's QDateEdit moves to the month by itself after two day digits, and then the "/" the
IRO types moves on again, to the year: "24/11/2026" became 24/01/2027. This field ignores
a separator typed straight after Qt moved on by itself. Digits alone (24112026) and the
arrow keys work as before.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QWidget

_SEPARATORS = frozenset("/-.")


class DateEdit(QDateEdit):
    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("dd/MM/yyyy")
        self.setAccessibleName(accessible_name)
        self._moved_by_itself = False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        text = event.text()
        if text in _SEPARATORS and text:
            if self._moved_by_itself:
                self._moved_by_itself = False
                event.accept()
                return
        section = self.currentSectionIndex()
        super().keyPressEvent(event)
        self._moved_by_itself = bool(text) and text.isdigit() and \
            self.currentSectionIndex() != section

    def set_py_date(self, value: date) -> None:
        self.setDate(QDate(value.year, value.month, value.day))

    def py_date(self) -> date:
        d = self.date()
        return date(d.year(), d.month(), d.day())
