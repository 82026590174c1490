"""Monitoring and escalation in the child view, driven through the real dialogs: an
escalation moves through informal resolution and the formal stages to a Cafcass referral,
its overdue responses showing on the dashboard; the monitoring log takes contacts and a
significant change that brings the next review forward (and back); bad input keeps the
dialog open with the problem named; locking wipes an open dialog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QWidget,
)
from tests.ui.ui_helpers import child_data_in

from iro_desktop.core.models import Nation

pytestmark = pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning")
ALT = Qt.KeyboardModifier.AltModifier
Step = Callable[[QWidget], None]


def drive(qtbot, steps: list[Step], seen: list[QWidget] | None = None) -> None:  # type: ignore[no-untyped-def]
    """When the next modal dialog is up: run each step on it, then press its OK button
    (the dialog stays open after a refused step, so the next step sees the problem)."""
    pending = list(steps)

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, act)
            return
        if seen is not None:
            seen.append(dialog)
        step = pending.pop(0)
        step(dialog)
        if not getattr(step, "no_ok", False):  # the step closed the dialog itself
            dialog.ok_button.click()
        if pending:
            QTimer.singleShot(0, act)

    QTimer.singleShot(0, act)


def alt(qtbot, widget: QWidget, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """Alt+letter on ``widget``; a button's mnemonic clicks it a moment later (Qt animates
    the click), so wait for that, and for any dialog it opens, to be done. (Offscreen, the
    window does not get its activation back when a dialog closes, as it would on a desktop:
    it is activated again first, or no shortcut reaches it.)"""
    widget.window().activateWindow()
    qtbot.waitUntil(widget.window().isActiveWindow)
    qtbot.keyClick(widget, key, ALT)
    qtbot.wait(300)


def type_into(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def choose(combo: QComboBox, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def _child(window, today: date):  # type: ignore[no-untyped-def]
    """An English child in care for a while, last reviewed over a week ago, next review a
    month or more away."""
    for entry in window.caseload_service.entries():
        rec = entry.child.record
        if (entry.council.nation is Nation.ENGLAND and entry.due.due > today + timedelta(30)
                and rec.last_review_date is not None
                and rec.last_review_date < today - timedelta(10)):
            return entry
    raise AssertionError("the demo has no suitable child")


@pytest.fixture
def child_window(qtbot, window):  # type: ignore[no-untyped-def]
    window.activateWindow()
    today = window.caseload_service.today()
    entry = _child(window, today)
    window.open_child(entry)
    assert window.stack.currentWidget() is window.child_view
    return window, entry, today


def stage_rows(panel) -> list[list[str]]:  # type: ignore[no-untyped-def]
    t = panel.stages
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def dashboard_escalations(window) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    window.dashboard_action.trigger()
    table = window.dashboard_view.escalations.table
    return [(table.item(r, 1).text(), table.item(r, 2).text()) for r in range(table.rowCount())]


# ---- escalation ------------------------------------------------------------------------


def test_an_escalation_moves_through_each_stage_and_overdue_shows_on_the_dashboard(  # type: ignore[no-untyped-def]
        qtbot, child_window) -> None:
    window, entry, today = child_window
    view = window.child_view
    panel = view.escalations
    name = f"{entry.child.record.first_name} {entry.child.record.last_name}"
    alt(qtbot, view.reviews, Qt.Key.Key_E)
    assert view.tabs.currentWidget() is panel
    assert panel.table.rowCount() == 0
    assert not panel.stage_button.isEnabled() and not panel.close_button.isEnabled()

    # 1. Raise the concern, informally, a month ago; the first try forgets the concern.
    errors: list[str] = []

    def empty(dialog) -> None:  # type: ignore[no-untyped-def]
        type_into(qtbot, dialog.wanted, "A permanence plan by the next review")
        type_into(qtbot, dialog.stage_fields.who, "Social worker")
        dialog.stage_fields.raised.set_py_date(today - timedelta(days=30))

    def complete(dialog) -> None:  # type: ignore[no-untyped-def]
        errors.append(dialog.error.text())
        assert dialog.isVisible(), "a refused concern closed the dialog"
        assert dialog.wanted.toPlainText() == "A permanence plan by the next review"
        type_into(qtbot, dialog.concern, "No permanence plan after two reviews")
        assert dialog.stage_fields.chosen.value == "informal"

    drive(qtbot, [empty, complete])
    alt(qtbot, panel.table, Qt.Key.Key_N)
    assert errors == ["Describe the concern about the child's plan."]
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 1).text() == "No permanence plan after two reviews"
    assert panel.table.item(0, 2).text() == "Informal resolution"
    assert panel.table.item(0, 3).text() == "Open - response overdue"
    [row] = stage_rows(panel)
    assert row[:3] == ["Informal resolution", "Social worker",
                       f"{today - timedelta(days=30):%d/%m/%Y}"]
    assert row[4] == "Waiting" and row[6].startswith("Overdue by ")
    assert view.tabs.tabText(2) == "&Escalations (1 open)"
    assert "Concern raised" in panel.message.text()

    # The dashboard lists the overdue response; Enter there brings us back to this tab.
    assert dashboard_escalations(window) == [(name, "Informal resolution")]
    table = window.dashboard_view.escalations.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is view and view.tabs.currentWidget() is panel

    # 2. The response comes in: nothing overdue any more.
    drive(qtbot, [lambda d: type_into(qtbot, d.response, "Plan to be agreed at panel")])
    alt(qtbot, panel.table, Qt.Key.Key_D)
    assert panel.table.item(0, 3).text() == "Open"
    assert stage_rows(panel)[0][4:6] == ["Plan to be agreed at panel", f"{today:%d/%m/%Y}"]
    assert not panel.response_button.isEnabled()
    assert dashboard_escalations(window) == []
    window.open_target(_target(entry))

    # 3. Formal stage 1 with the team manager, raised 20 days ago: its response is late.
    #    (Formal stages may skip a level: all three are offered.)
    def formal_1(dialog) -> None:  # type: ignore[no-untyped-def]
        assert [dialog.stage_fields.stage.itemData(i)
                for i in range(dialog.stage_fields.stage.count())] == \
            ["formal_1", "formal_2", "formal_3", "cafcass"]
        choose(dialog.stage_fields.stage, "formal_1")
        type_into(qtbot, dialog.stage_fields.who, "Team manager")
        dialog.stage_fields.raised.set_py_date(today - timedelta(days=20))

    drive(qtbot, [formal_1])
    alt(qtbot, panel.table, Qt.Key.Key_S)
    assert panel.table.item(0, 2).text() == "Formal stage 1"
    assert panel.table.item(0, 3).text() == "Open - response overdue"
    assert "20 working days" in panel.details.text()
    assert dashboard_escalations(window) == [(name, "Formal stage 1")]
    window.open_target(_target(entry))
    drive(qtbot, [lambda d: type_into(qtbot, d.response, "No resources this month")])
    panel.response_button.click()
    assert dashboard_escalations(window) == []
    window.open_target(_target(entry))

    # 4. Formal stage 2 with the service manager, answered at once.
    def formal_2(dialog) -> None:  # type: ignore[no-untyped-def]
        assert dialog.stage_fields.stage.itemData(0) == "formal_2"
        choose(dialog.stage_fields.stage, "formal_2")
        type_into(qtbot, dialog.stage_fields.who, "Service manager")
        dialog.stage_fields.raised.set_py_date(today - timedelta(days=3))

    drive(qtbot, [formal_2])
    panel.stage_button.click()
    assert panel.table.item(0, 2).text() == "Formal stage 2"
    drive(qtbot, [lambda d: type_into(qtbot, d.response, "Escalated to the head of service")])
    panel.response_button.click()

    # 5. Formal stage 3, today, with a response date set by hand.
    def formal_3(dialog) -> None:  # type: ignore[no-untyped-def]
        assert [dialog.stage_fields.stage.itemData(i)
                for i in range(dialog.stage_fields.stage.count())] == ["formal_3", "cafcass"]
        choose(dialog.stage_fields.stage, "formal_3")
        type_into(qtbot, dialog.stage_fields.who, "Head of service")
        dialog.stage_fields.own_due.setChecked(True)
        dialog.stage_fields.due.set_py_date(today + timedelta(days=5))

    drive(qtbot, [formal_3])
    panel.stage_button.click()
    assert panel.table.item(0, 2).text() == "Formal stage 3"
    assert stage_rows(panel)[-1][:4] == ["Formal stage 3", "Head of service",
                                         f"{today:%d/%m/%Y}",
                                         f"{today + timedelta(days=5):%d/%m/%Y}"]
    assert panel.table.item(0, 3).text() == "Open"

    # 6. Referred to Cafcass alongside, then closed with that outcome.
    def cafcass(dialog) -> None:  # type: ignore[no-untyped-def]
        assert [dialog.stage_fields.stage.itemData(i)
                for i in range(dialog.stage_fields.stage.count())] == ["cafcass"]
        type_into(qtbot, dialog.stage_fields.who, "Cafcass duty officer")

    drive(qtbot, [cafcass])
    panel.stage_button.click()
    assert panel.table.item(0, 2).text() == "Formal stage 3 (and Cafcass)"

    def close(dialog) -> None:  # type: ignore[no-untyped-def]
        choose(dialog.outcome, "referred_to_cafcass")
        type_into(qtbot, dialog.note, "Cafcass to advise")

    drive(qtbot, [close])
    alt(qtbot, panel.table, Qt.Key.Key_O)
    assert panel.table.item(0, 3).text() == f"Referred to Cafcass {today:%d/%m/%Y}"
    assert [r[0] for r in stage_rows(panel)] == ["Informal resolution", "Formal stage 1",
                                                "Formal stage 2", "Formal stage 3",
                                                "Referral to Cafcass"]
    assert "Outcome: Cafcass to advise" in panel.details.text()
    for button in (panel.stage_button, panel.response_button, panel.close_button):
        assert not button.isEnabled(), button.text()
    assert view.tabs.tabText(2) == "&Escalations"
    assert dashboard_escalations(window) == []


def _target(entry):  # type: ignore[no-untyped-def]
    from iro_desktop.ui.views.dashboard_view import Target

    return Target(entry.council.id, entry.child.id, tab="escalations")


def test_locking_with_an_escalation_dialog_open_wipes_it(qtbot, child_window) -> None:  # type: ignore[no-untyped-def]
    window, entry, _today = child_window
    view = window.child_view
    view.show_tab("escalations")
    seen: list[QWidget] = []

    def type_then_lock(dialog) -> None:  # type: ignore[no-untyped-def]
        type_into(qtbot, dialog.concern, f"{entry.child.record.last_name} missed school")
        assert child_data_in(dialog)
        window.lock()

    type_then_lock.no_ok = True  # type: ignore[attr-defined]
    drive(qtbot, [type_then_lock], seen)
    view.escalations.new_button.click()
    assert seen and not window.access.is_unlocked
    assert window.stack.currentWidget() is window.unlock_view
    leaks = child_data_in(window)
    assert not leaks, "child data still held after locking:\n" + "\n".join(leaks)


# ---- monitoring ------------------------------------------------------------------------


def test_monitoring_log_and_bringing_the_next_review_forward(qtbot, child_window,  # type: ignore[no-untyped-def]
                                                             monkeypatch) -> None:
    window, entry, today = child_window
    view = window.child_view
    panel = view.monitoring
    statutory = entry.due.due
    alt(qtbot, view.reviews, Qt.Key.Key_M)
    assert view.tabs.currentWidget() is panel
    assert not panel.forward_button.isEnabled()

    def contact(dialog) -> None:  # type: ignore[no-untyped-def]
        choose(dialog.kind, "contact")
        assert not dialog.change.isEnabled() and not dialog.forward.isEnabled()
        dialog.when.set_py_date(today - timedelta(days=2))
        type_into(qtbot, dialog.with_whom, "Social worker")
        type_into(qtbot, dialog.checked, "Care plan actions on track")
        type_into(qtbot, dialog.next_step, "Midway review next month")

    drive(qtbot, [contact])
    alt(qtbot, panel.table, Qt.Key.Key_G)
    assert panel.table.rowCount() == 1
    assert [panel.table.item(0, c).text() for c in range(5)] == [
        f"{today - timedelta(days=2):%d/%m/%Y}", "Contact", "Social worker",
        "Care plan actions on track", "Midway review next month"]
    assert view.tabs.tabText(1) == "&Monitoring between reviews (1)"

    # A placement move, with the review brought forward: first to a date no earlier than the
    # one already due (refused, dialog kept), then to next week.
    moved = today - timedelta(days=1)
    forward = today + timedelta(days=7)
    errors: list[str] = []

    def change_too_late(dialog) -> None:  # type: ignore[no-untyped-def]
        choose(dialog.kind, "significant_change")
        choose(dialog.change, "placement_move")
        dialog.when.set_py_date(moved)
        type_into(qtbot, dialog.with_whom, "Carer")
        dialog.forward.setChecked(True)
        dialog.forward_to.set_py_date(statutory + timedelta(days=3))

    def change_next_week(dialog) -> None:  # type: ignore[no-untyped-def]
        errors.append(dialog.error.text())
        dialog.forward_to.set_py_date(forward)

    drive(qtbot, [change_too_late, change_next_week])
    panel.add_button.click()
    assert errors and "is not earlier than the date the review is already due" in errors[0]
    assert panel.table.item(0, 1).text() == "Significant change: Placement move"
    assert panel.table.item(0, 5).text() == f"{forward:%d/%m/%Y}"
    # The child's due date moved: header, caseload and dashboard.
    assert f"Next review due by {forward:%d/%m/%Y}" in view.facts.text()
    assert "Brought forward after placement move" in view.facts.text()
    due = {(e.council.id, e.child.id): e.due.due for e in window.caseload_service.entries()}
    assert due[entry.council.id, entry.child.id] == forward
    assert view.tabs.currentWidget() is panel  # the refresh kept the tab
    assert panel.forward_button.text() == "Stop bringing the &next review forward"

    window.dashboard_action.trigger()
    soon = window.dashboard_view.due_soon.table
    assert entry.child.record.child_ref in [soon.item(r, 2).text() for r in range(soon.rowCount())]
    window.open_target(_target(entry))
    view.show_tab("monitoring")

    # Stop bringing it forward: the review clock's date applies again.
    panel.table.selectRow(0)
    panel.forward_button.click()
    assert panel.table.item(0, 5).text() == ""
    assert f"Next review due by {statutory:%d/%m/%Y}" in view.facts.text()
    # ... and bring it forward again with its own button.
    drive(qtbot, [lambda d: d.to.set_py_date(forward)])
    panel.table.selectRow(0)
    alt(qtbot, panel.table, Qt.Key.Key_N)
    assert f"Next review due by {forward:%d/%m/%Y}" in view.facts.text()

    # Correct the contact's text, then delete it.
    contact_row = next(r for r in range(panel.table.rowCount())
                       if panel.table.item(r, 1).text() == "Contact")
    panel.table.selectRow(contact_row)

    def correct(dialog) -> None:  # type: ignore[no-untyped-def]
        assert not dialog.kind.isEnabled() and not dialog.forward.isVisible()
        dialog.next_step.clear()
        type_into(qtbot, dialog.next_step, "Visit at school")

    drive(qtbot, [correct])
    alt(qtbot, panel.table, Qt.Key.Key_D)
    assert any(panel.table.item(r, 4).text() == "Visit at school"
               for r in range(panel.table.rowCount()))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    contact_row = next(r for r in range(panel.table.rowCount())
                       if panel.table.item(r, 1).text() == "Contact")
    panel.table.selectRow(contact_row)
    panel.delete_button.click()
    assert [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())] == \
        ["Significant change: Placement move"]
    assert f"Next review due by {forward:%d/%m/%Y}" in view.facts.text()


def test_a_future_date_is_refused_in_the_dialog(qtbot, child_window) -> None:  # type: ignore[no-untyped-def]
    window, _entry, today = child_window
    panel = window.child_view.monitoring
    window.child_view.show_tab("monitoring")
    errors: list[str] = []

    def nothing_written(dialog) -> None:  # type: ignore[no-untyped-def]
        dialog.when.set_py_date(today)

    def then_cancel(dialog) -> None:  # type: ignore[no-untyped-def]
        errors.append(dialog.error.text())
        dialog.reject()

    then_cancel.no_ok = True  # type: ignore[attr-defined]
    drive(qtbot, [nothing_written, then_cancel])
    panel.add_button.click()
    assert errors == ["Write at least one of: with whom, what was checked, the next step."]
    assert panel.table.rowCount() == 0


def test_every_control_of_the_child_tabs_and_dialogs_has_a_name(qtbot, child_window) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui.dialogs.escalation_dialogs import (
        CloseEscalationDialog,
        RaiseConcernDialog,
        ResponseDialog,
    )
    from iro_desktop.ui.dialogs.monitoring_dialogs import MonitoringEntryDialog

    window, _entry, today = child_window
    interactive = (QLineEdit, QPushButton, QComboBox, QCheckBox, QTableView, QAbstractSpinBox)
    roots: list[QWidget] = [window.child_view, RaiseConcernDialog(today),
                            ResponseDialog([], today), CloseEscalationDialog(today),
                            MonitoringEntryDialog(today, today)]
    unnamed = []
    for root in roots:
        for w in root.findChildren(QWidget):
            owner = w.parentWidget()
            if isinstance(w, QLineEdit) and isinstance(owner, (QAbstractSpinBox, QComboBox)):
                continue
            if isinstance(w, interactive) and not w.accessibleName().strip():
                unnamed.append(f"{type(root).__name__}: {type(w).__name__}({w.objectName()})")
    for root in roots[1:]:
        root.deleteLater()
    assert not unnamed, unnamed


def test_alt_letters_are_unique_on_each_tab_of_the_child_view(child_window) -> None:  # type: ignore[no-untyped-def]
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    window, _entry, _today = child_window
    view = window.child_view
    clashes = {}
    for tab in ("reviews", "monitoring", "escalations"):
        view.show_tab(tab)
        texts = [a.text() for a in window.menuBar().actions()]
        texts += [view.tabs.tabText(i) for i in range(view.tabs.count())]
        texts += [w.text() for w in view.findChildren(QWidget)
                  if isinstance(w, (QLabel, QAbstractButton)) and w.isVisibleTo(window)]
        letters = [m.group(1).upper() for t in texts if (m := re.search(r"&([^&\s])", t))]
        dupes = sorted({k for k in letters if letters.count(k) > 1})
        if dupes:
            clashes[tab] = (dupes, texts)
    assert not clashes
