"""Dates typed as people write them land on the right day."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDateTimeEdit

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


def _type_into(qtbot, edit: DateEdit, typed: str) -> None:  # type: ignore[no-untyped-def]
    edit.show()
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.DaySection)  # as Tab into the field does
    for ch in typed:
        qtbot.keyClicks(edit, ch)


@pytest.mark.parametrize(("start", "typed", "meant"), [
    (date(2026, 2, 3), "31/01/2027", date(2027, 1, 31)),  # a 31st while February shows
    (date(2026, 2, 3), "31012027", date(2027, 1, 31)),
    (date(2026, 12, 3), "29/02/2028", date(2028, 2, 29)),  # leap day before the leap year
    (date(2026, 4, 30), "31/12/2026", date(2026, 12, 31)),
])
def test_a_day_the_shown_month_lacks_is_kept(qtbot, start: date, typed: str,  # type: ignore[no-untyped-def]
                                             meant: date) -> None:
    edit = DateEdit("Review date")
    qtbot.addWidget(edit)
    edit.set_py_date(start)
    _type_into(qtbot, edit, typed)
    assert edit.py_date() == meant


def test_a_dialog_date_field_keeps_a_later_date_as_typed(qtbot) -> None:  # type: ignore[no-untyped-def]
    """With a maximum of today (3 December), 10/12/2026 became 01/12/2026 with no word; now
    the field keeps it and the service says why a future date is refused."""
    from iro_desktop.ui.dialogs.form_dialog import date_field

    edit = date_field("Date", "monitoring_date_edit", date(2026, 12, 3), latest=date(2026, 12, 3))
    qtbot.addWidget(edit)
    _type_into(qtbot, edit, "10/12/2026")
    assert edit.py_date() == date(2026, 12, 10)


def test_tab_from_an_untouched_date_leaves_the_field(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The plan dialog: Tab from the suggested date went to its month, so the venue typed
    next fell into the date and was lost."""
    from iro_desktop.ui.views.child_view import PlanReviewDialog

    dialog = PlanReviewDialog(date(2027, 3, 1))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.when.setFocus()
    qtbot.keyClick(dialog.when, Qt.Key.Key_Tab)
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClicks(focus, "School")
    assert dialog.venue.text() == "School"
    assert dialog.date == date(2027, 3, 1)
