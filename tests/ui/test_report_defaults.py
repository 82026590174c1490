"""The annual report dialog opens on a period with figures in it, and names every figure in
full."""

from __future__ import annotations

from datetime import date

import pytest

from iro_desktop.ui.dialogs.report_dialog import reporting_year


@pytest.mark.parametrize(("today", "period"), [
    # December: the year from 1 April to date (the last full year showed all zeros).
    (date(2026, 12, 3), (date(2026, 4, 1), date(2026, 12, 3))),
    (date(2027, 3, 31), (date(2026, 4, 1), date(2027, 3, 31))),
    # April to June, when the report is written: the year that ended on 31 March.
    (date(2027, 4, 1), (date(2026, 4, 1), date(2027, 3, 31))),
    (date(2027, 6, 30), (date(2026, 4, 1), date(2027, 3, 31))),
    (date(2027, 7, 1), (date(2027, 4, 1), date(2027, 7, 1))),
])
def test_the_period_the_dialog_opens_on(today: date, period: tuple[date, date]) -> None:
    assert reporting_year(today) == period


def test_figure_names_are_not_cut_short(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui.dialogs.report_dialog import ReportDialog

    window = make_window()
    profiles = window.services.profiles
    dialog = ReportDialog(window.services.report,
                          lambda cid: profiles.values(cid)["marking"], window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.load()
    qtbot.wait(50)
    for section in dialog.sections:
        table = section.table
        fm = table.fontMetrics()
        for row in range(table.rowCount()):
            text = table.item(row, 0).text()
            needed = fm.horizontalAdvance(text)
            assert table.columnWidth(0) >= needed, text
            assert table.viewport().width() >= table.columnWidth(0) + table.columnWidth(1) - 2, \
                text
