"""A date field that accepts dates typed the way people write them: 24/11/2026.

Qt's QDateEdit moves to the month by itself after two day digits, and then the "/" the
IRO types moves on again, to the year: "24/11/2026" became 24/01/2027. This field ignores
a separator typed straight after Qt moved on by itself. Digits alone (24112026) and the
arrow keys work as before.

Qt also checks each section against the others while they are typed: a 31st typed while the
field still shows February, or the 29th of February before a leap year is typed, was cut
short. So the field keeps what was typed since the day section was entered, and once that
reads as a whole date (d/m/yyyy, dd/mm/yyyy or ddmmyyyy) it sets exactly that date.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QDateEdit, QDateTimeEdit, QWidget

_SEPARATORS = frozenset("/-.")
_WHOLE_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$|^(\d{2})(\d{2})(\d{4})$")


def parse_typed(text: str) -> date | None:
    """The date ``text`` names if it is a whole UK date as typed, else None."""
    match = _WHOLE_DATE.match(text)
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups() if g is not None)
    try:
        return date(year, month, day)
    except ValueError:
        return None


class DateEdit(QDateEdit):
    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("dd/MM/yyyy")
        self.setAccessibleName(accessible_name)
        self._moved_by_itself = False
        self._typed = ""  # typed since the day section was entered, or "" when not recording

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self._typed = ""
        super().focusInEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        text = event.text()
        typed = bool(text) and (text.isdigit() or text in _SEPARATORS)
        if not typed:
            self._typed = ""
        elif text.isdigit() and not self._typed and \
                self.currentSection() == QDateTimeEdit.Section.DaySection:
            self._typed = text  # a date is being typed from its first digit
        elif self._typed:
            self._typed += text
        if text in _SEPARATORS and text and self._moved_by_itself:
            self._moved_by_itself = False
            event.accept()
        else:
            section = self.currentSectionIndex()
            super().keyPressEvent(event)
            self._moved_by_itself = bool(text) and text.isdigit() and \
                self.currentSectionIndex() != section
        whole = parse_typed(self._typed)
        if whole is not None:
            self._typed = ""
            if whole != self.py_date():
                self.set_py_date(whole)  # what was typed, not what Qt made of it

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 - Qt's names
        """Tab leaves the field. Qt's QDateEdit moves Tab to its month and year sections
        first, so a venue typed after Tab from an untouched date fell into the year and was
        lost; the sections stay reachable with Left/Right and "/"."""
        return QAbstractSpinBox.focusNextPrevChild(self, next)

    def set_py_date(self, value: date) -> None:
        self.setDate(QDate(value.year, value.month, value.day))

    def py_date(self) -> date:
        d = self.date()
        return date(d.year(), d.month(), d.day())
