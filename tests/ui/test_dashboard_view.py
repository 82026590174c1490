"""The dashboard as the IRO meets it after unlocking: what is overdue or due, records not
finalised with their deadlines, late and drifting decisions, escalation responses overdue and
the outbox; Enter on a row opens the child (or the review), Escape comes back, Ctrl+0 / Ctrl+1
switch between dashboard and caseload, and locking leaves no child in it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)
from tests.ui.between_seed import seed_between
from tests.ui.ui_helpers import child_data_in

from iro_desktop.core.review_clock import DueStatus
from iro_desktop.services.dashboard import DashboardService

pytestmark = pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning")
CTRL = Qt.KeyboardModifier.ControlModifier


def column(table, col: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [table.item(r, col).text() for r in range(table.rowCount())]


@pytest.fixture
def seeded_window(qtbot, demo_vault_with_reviews, settings):  # type: ignore[no-untyped-def]
    """A window over the demo with reviews, monitoring and escalations seeded, unlocked."""
    from iro_desktop.app import build_services
    from iro_desktop.ui.main_window import MainWindow

    seeded = seed_between(demo_vault_with_reviews)
    window = MainWindow(build_services(demo_vault_with_reviews, settings), settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_unlocked()
    yield window, seeded
    window.lock()


def test_unlocking_shows_the_dashboard_with_the_overdue_reviews(window, demo_vault) -> None:  # type: ignore[no-untyped-def]
    view = window.dashboard_view
    assert window.stack.currentWidget() is view
    entries = window.caseload_service.entries()
    overdue = [e for e in entries if e.status is DueStatus.OVERDUE]
    soon = [e for e in entries if e.status is DueStatus.DUE_SOON]
    assert overdue, "the demo caseload should have overdue reviews"
    assert sorted(column(view.overdue.table, 2)) == sorted(e.child.record.child_ref
                                                           for e in overdue)
    assert sorted(column(view.due_soon.table, 2)) == sorted(e.child.record.child_ref
                                                            for e in soon)
    assert all(re.fullmatch(r"\d+ days?", t) for t in column(view.overdue.table, 4))
    assert view.overdue.heading.text() == f"&Reviews overdue ({len(overdue)})"
    summary = view.summary.text()
    assert summary.startswith(f"{len(overdue)} review")
    assert f"{len(soon)} due within 28 days" in summary
    # Sections with nothing in them say so instead of showing an empty table.
    assert view.escalations.none.isVisible() and not view.escalations.table.isVisible()
    assert view.outbox.text() == "Nothing waiting to be sent."
    assert not view.outbox_button.isEnabled()
    # The keyboard starts on the first list, its first row selected: Enter opens it.
    assert view.overdue.table.hasFocus() or window.focusWidget() is view.overdue.table
    assert view.overdue.table.currentRow() == 0
    assert window.statusBar().currentMessage().startswith("Unlocked")


def test_enter_on_a_row_opens_the_child_and_escape_comes_back(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    view = window.dashboard_view
    table = view.due_soon.table
    table.setFocus()
    table.selectRow(1)
    ref = table.item(1, 2).text()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.entry.child.record.child_ref == ref
    assert window.child_view.back_button.text() == "\u2190 &Back to the dashboard"
    qtbot.keyClick(window.child_view.reviews, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is view
    # From the caseload, the child view goes back to the caseload.
    window.table_action.trigger()
    window.caseload_view.table.selectRow(0)
    qtbot.keyClick(window.caseload_view.table, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.back_button.text() == "\u2190 &Back to the caseload"
    qtbot.keyClick(window.child_view.reviews, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.caseload_view


def test_ctrl_0_and_ctrl_1_switch_between_dashboard_and_caseload(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_1, CTRL)
    assert window.stack.currentWidget() is window.caseload_view
    qtbot.waitUntil(window.caseload_view.table.hasFocus)
    assert window.caseload_view.proxy.rowCount() == 72  # read when first shown
    qtbot.keyClick(window.caseload_view.table, Qt.Key.Key_0, CTRL)
    assert window.stack.currentWidget() is window.dashboard_view
    # Ctrl+F from the dashboard goes to the caseload filter, as it always did.
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F, CTRL)
    assert window.stack.currentWidget() is window.caseload_view
    qtbot.waitUntil(window.caseload_view.search.hasFocus)


def test_f5_reads_the_dashboard_again_and_keeps_the_place(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.core.monitoring import ChangeType, EntryKind

    view = window.dashboard_view
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    table = view.due_soon.table
    table.setFocus()
    table.selectRow(2)
    before = table.rowCount()
    # A review brought forward elsewhere: F5 shows it among those due soon.
    today = window.caseload_service.today()
    entry = next(e for e in window.caseload_service.entries()
                 if e.status is DueStatus.ON_TRACK and e.child.record.last_review_date
                 and e.child.record.last_review_date < today)
    window.services.monitoring.add_entry(
        entry.council.id, entry.child.id, EntryKind.SIGNIFICANT_CHANGE, today,
        with_whom="Social worker", change_type=ChangeType.MISSING_EPISODE,
        bring_forward_to=today + timedelta(days=5))
    qtbot.keyClick(table, Qt.Key.Key_F5)
    assert table.rowCount() == before + 1
    assert entry.child.record.child_ref in column(table, 2)
    assert table.hasFocus() and table.currentRow() == 2


def test_records_deadlines_decisions_drift_escalations_and_outbox(  # type: ignore[no-untyped-def]
        qtbot, seeded_window, demo_vault_with_reviews) -> None:
    window, seeded = seeded_window
    view = window.dashboard_view
    board = DashboardService(demo_vault_with_reviews, today=lambda: seeded.today).dashboard()

    records = view.records.table
    assert records.rowCount() == len(board.records) >= 2
    for row, record in enumerate(board.records):
        assert records.item(row, 1).text() == record.child.child_name
        assert records.item(row, 5).text().startswith(f"{record.decisions_due:%d/%m/%Y}")
        assert records.item(row, 5).text().endswith(" - passed") == record.decisions_late
        assert records.item(row, 6).text().startswith(f"{record.record_due:%d/%m/%Y}")

    drift_name = f"{seeded.drifting.child.record.first_name} {seeded.drifting.child.record.last_name}"
    assert column(view.drifting.table, 1) == [drift_name]
    decisions = view.decisions.table
    drift_rows = [r for r in range(decisions.rowCount())
                  if decisions.item(r, 1).text() == drift_name]
    assert [decisions.item(r, 5).text() for r in drift_rows] == ["Past its date, drifting"]

    overdue = seeded.overdue_escalation.child.record
    assert column(view.escalations.table, 1) == [f"{overdue.first_name} {overdue.last_name}"]
    assert column(view.escalations.table, 2) == ["Informal resolution"]
    assert column(view.escalations.table, 6)[0].endswith("days")

    assert view.outbox.text().startswith(f"NBK: {seeded.outbox_ready} items ready to send")
    assert view.outbox_button.isEnabled()
    assert f"{seeded.outbox_ready} outbox items waiting" in view.summary.text()

    # A record not finalised opens at its review.
    records.setFocus()
    records.selectRow(0)
    qtbot.keyClick(records, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.review_view
    assert window.review_controller.review_id == board.records[0].review_id
    # Ctrl+0 goes back to the dashboard from the review too.
    window.dashboard_action.trigger()
    assert window.stack.currentWidget() is view


def test_escalation_row_opens_the_childs_escalations_tab(qtbot, seeded_window) -> None:  # type: ignore[no-untyped-def]
    window, seeded = seeded_window
    table = window.dashboard_view.escalations.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    child = window.child_view
    assert child.entry.child.id == seeded.overdue_escalation.child.id
    assert child.tabs.currentWidget() is child.escalations
    assert child.escalations.table.rowCount() == 1
    assert child.escalations.table.item(0, 3).text() == "Open - response overdue"


def test_locking_leaves_no_child_on_the_dashboard(seeded_window) -> None:  # type: ignore[no-untyped-def]
    window, _seeded = seeded_window
    view = window.dashboard_view
    assert child_data_in(view), "the walk should find child data while unlocked"
    window.lock_action.trigger()
    assert window.stack.currentWidget() is window.unlock_view
    assert all(t.rowCount() == 0 for t in view.tables())
    assert view.summary.text() == "" and view.outbox.text() == ""
    leaks = child_data_in(window)
    assert not leaks, "child data still held after locking:\n" + "\n".join(leaks)


def test_dashboard_keys_are_named_and_unique(window) -> None:  # type: ignore[no-untyped-def]
    view = window.dashboard_view
    unnamed = [f"{type(w).__name__}({w.objectName()})" for w in view.findChildren(QWidget)
               if isinstance(w, (QLineEdit, QPushButton, QComboBox, QCheckBox, QTableView,
                                 QAbstractSpinBox)) and not w.accessibleName().strip()]
    assert not unnamed, unnamed
    texts = [a.text() for a in window.menuBar().actions()]
    texts += [w.text() for w in view.findChildren(QWidget)
              if isinstance(w, (QLabel, QAbstractButton)) and w.isVisibleTo(window)]
    letters = [m.group(1).upper() for t in texts if (m := re.search(r"&([^&\s])", t))]
    assert sorted({k for k in letters if letters.count(k) > 1}) == [], texts
    # Each heading's Alt+letter leads to its table.
    for section in (view.overdue, view.due_soon, view.records, view.decisions, view.drifting,
                    view.escalations):
        assert section.heading.buddy() is section.table


def test_a_new_vault_says_how_to_import_the_caseload(qtbot, vault, settings) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.app import build_services
    from iro_desktop.ui.main_window import MainWindow

    window = MainWindow(build_services(vault, settings), settings)
    qtbot.addWidget(window)
    window.show()
    window.show_unlocked()
    view = window.dashboard_view
    assert window.stack.currentWidget() is view
    assert "Import caseload... (Ctrl+I)" in view.summary.text()
    assert all(t.rowCount() == 0 for t in view.tables())
    window.lock()
