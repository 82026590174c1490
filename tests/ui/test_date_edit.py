"""Dates typed as people write them land on the right day."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateTimeEdit

from iro_desktop.ui.widgets.date_edit import DateEdit


@pytest.mark.parametrize("typed", ["24/11/2026", "24112026", "24-11-2026", "24.11.2026"])
def test_typed_date_is_the_date_meant(qtbot, typed: str) -> None:  # type: ignore[no-untyped-def]
    edit = DateEdit("Review date")
    qtbot.addWidget(edit)
    edit.setDate(QDate(2000, 1, 1))
    edit.show()
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.DaySection)  # as Tab into the field does
    for ch in typed:
        qtbot.keyClicks(edit, ch)
    assert edit.py_date() == date(2026, 11, 24)


def test_separator_typed_on_purpose_still_moves_on(qtbot) -> None:  # type: ignore[no-untyped-def]
    """'4/11/2026': one day digit, then '/' to move on, as Qt always allowed."""
    edit = DateEdit("Review date")
    qtbot.addWidget(edit)
    edit.setDate(QDate(2000, 1, 1))
    edit.show()
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.DaySection)
    for ch in "4/11/2026":
        qtbot.keyClicks(edit, ch)
    assert edit.py_date() == date(2026, 11, 4)
