"""Chairing that holds up for a whole day: found chairing through the real window.

Locking in the middle of a review (Ctrl+L or the idle timer) and unlocking returns to the
same review, section and cursor, and the review carries on. Before: after a lock, opening
"Welcome, attendance" raised AttributeError every time (the table had been emptied, the
page thought its rows were still there); unlocking always went to the dashboard and the
caseload filter was gone. Attendance takes one key per row; decisions can be put right.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from tests.ui.test_chair_review_keyboard import PEOPLE, Keyboard, _pick_child, _review_day
from tests.ui.ui_helpers import PASSPHRASE, FakeClock, child_data_in

from iro_desktop.core.reviews import AttendanceStatus
from iro_desktop.ui.auto_lock import AutoLock
from iro_desktop.ui.views.review_view import NAV_ROLE

pytestmark = pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning")
K = Qt.Key


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def chairing(make_window, clock):  # type: ignore[no-untyped-def]
    """A window with a planned review of a demo child open; two people in the network."""
    window = make_window(auto_lock=AutoLock(idle_minutes=5, monotonic=clock.monotonic,
                                            wall=clock.time))
    day = _review_day(window.caseload_service.today())
    entry = _pick_child(window, day)
    service = window.review_service
    for name, role, org, _s, _h in PEOPLE[:2]:
        service.add_person(entry.council.id, entry.child.id, name, role, org)
    review_id = service.plan_review(entry.council.id, entry.child.id, day)
    window.activateWindow()
    window.open_child(entry)
    window.open_review(review_id)
    return window


def _unlock(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    assert window.stack.currentWidget() is window.unlock_view
    assert not child_data_in(window)
    window.activateWindow()
    qtbot.keyClicks(window.unlock_view.passphrase, PASSPHRASE)
    qtbot.keyClick(window.unlock_view.passphrase, K.Key_Return)
    qtbot.waitUntil(lambda: window.access.is_unlocked
                    and window.stack.currentWidget() is not window.unlock_view, timeout=15_000)


def _nav_kind(window) -> str:  # type: ignore[no-untyped-def]
    return window.review_view.nav.currentItem().data(NAV_ROLE)[0]


def test_lock_twice_mid_review_and_carry_on(qtbot, chairing, clock) -> None:  # type: ignore[no-untyped-def]
    window = chairing
    kb = Keyboard(qtbot, window)
    view, controller = window.review_view, window.review_controller
    review_id = controller.review_id
    qtbot.waitUntil(window.isActiveWindow)
    kb.press(K.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert _nav_kind(window) == "attendance"
    page = view.attendance
    page.notes.setFocus()
    kb.type("Everyone introduced themselves")
    kb.press(K.Key_Left, times=7)  # the cursor inside the text, not at its end
    cursor = page.notes.textCursor().position()

    # ---- 1. Ctrl+L, unlock: same review, same section, same cursor ---------------------------
    kb.press(K.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not window.access.is_unlocked
    _unlock(qtbot, window)
    assert window.stack.currentWidget() is view, "unlock did not return to the review"
    assert controller.review_id == review_id
    assert _nav_kind(window) == "attendance"
    assert view.pages.currentWidget() is page
    assert page.table.rowCount() == 2
    assert all(page.table.cellWidget(r, 3) is not None for r in range(2))
    assert "Something went wrong" not in view.message.text()
    assert QApplication.focusWidget() is page.notes
    assert page.notes.textCursor().position() == cursor
    assert page.notes.toPlainText() == "Everyone introduced themselves"

    # ... and the review carries on: a third person, Enter adds them.
    page.name.setFocus()
    kb.type("Jo Social")
    kb.press(K.Key_Return)
    assert [p.name for p in controller.network][-1] == "Jo Social", view.message.text()
    assert page.table.rowCount() == 3

    # ---- 2. The idle timer locks; unlock: back in the name field ------------------------------
    clock.advance(5 * 60 + 1)
    qtbot.waitUntil(lambda: not window.access.is_unlocked, timeout=6000)  # the timer's tick
    assert "inactivity" in window.unlock_view.heading.text()
    _unlock(qtbot, window)
    assert window.stack.currentWidget() is view
    assert _nav_kind(window) == "attendance" and page.table.rowCount() == 3
    assert QApplication.focusWidget() is page.name

    # ... carries on: attendance of the first person from the keyboard ...
    combo = page.table.cellWidget(0, 3)
    combo.setFocus()
    kb.type("a")
    qtbot.waitUntil(lambda: any(a.status is AttendanceStatus.ATTENDED for a in
                                window.review_service.record(controller.council_id,
                                                             review_id).attendance),
                    timeout=3000)
    # ... to the end: the child's code, held, finalised, with all that was typed kept.
    kb.press(K.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert _nav_kind(window) == "voice"
    kb.press(K.Key_C, Qt.KeyboardModifier.AltModifier)
    kb.type("pn1")
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    kb.press(K.Key_H, ctrl_shift)
    kb.press(K.Key_F, ctrl_shift)
    record = window.review_service.record(controller.council_id, review_id)
    assert record.finalised
    assert record.texts["agenda:welcome"] == "Everyone introduced themselves"
    assert [p.name for p in window.review_service.network(
        controller.council_id, record.child.id)][-1] == "Jo Social"


def test_unlock_keeps_the_caseload_filters(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.table_action.trigger()
    view = window.caseload_view
    view.council_combo.setCurrentIndex(2)
    council = view.council_combo.currentData()
    qtbot.keyClicks(view.search, "a")
    shown = view.proxy.rowCount()
    window.lock_action.trigger()
    assert view.search.text() == ""  # nothing of it left in the widgets while locked
    _unlock(qtbot, window)
    assert window.stack.currentWidget() is view
    assert view.search.text() == "a"
    assert view.council_combo.currentData() == council
    assert view.proxy.rowCount() == shown


def test_reopening_attendance_after_a_lock_shows_the_network(qtbot, chairing) -> None:  # type: ignore[no-untyped-def]
    """The AttributeError: the page kept its row ids while the lock emptied its table."""
    window = chairing
    view, controller = window.review_view, window.review_controller
    council_id, review_id = controller.council_id, controller.review_id
    entry = window.child_view.entry
    view.nav.setCurrentRow(1)  # attendance, loaded once before the lock
    window.lock_action.trigger()
    _unlock(qtbot, window)
    window.show_dashboard()  # then the IRO opens the review again from the child
    window.open_child(next(e for e in window.caseload_service.entries(council_id)
                           if e.child.id == entry.child.id))
    window.open_review(review_id)
    view.nav.setCurrentRow(1)
    assert view.pages.currentWidget() is view.attendance
    assert view.attendance.table.rowCount() == 2
    assert view.attendance.table.cellWidget(0, 3) is not None


def test_one_key_per_row_sets_attendance_and_moves_on(qtbot, chairing) -> None:  # type: ignore[no-untyped-def]
    window = chairing
    kb = Keyboard(qtbot, window)
    controller = window.review_controller
    qtbot.waitUntil(window.isActiveWindow)
    kb.press(K.Key_PageDown, Qt.KeyboardModifier.ControlModifier)  # attendance; table focused
    table = window.review_view.attendance.table
    assert QApplication.focusWidget() is table
    kb.type("ap")  # first row attended, second apologies: two keys
    saved = {a.person.name: a.status for a in window.review_service.record(
        controller.council_id, controller.review_id).attendance}
    assert saved == {PEOPLE[0][0]: AttendanceStatus.ATTENDED,
                     PEOPLE[1][0]: AttendanceStatus.APOLOGIES}
    assert QApplication.focusWidget() is table
    assert table.cellWidget(1, 3).currentData() == AttendanceStatus.APOLOGIES


# ---- decisions: put right until finalised, amended after -----------------------------------


def _to_decisions(qtbot, window):  # type: ignore[no-untyped-def]
    view = window.review_view
    row = next(r for r in range(view.nav.count())
               if view.nav.item(r).data(NAV_ROLE)[0] == "decisions")
    view.nav.setCurrentRow(row)
    qtbot.waitUntil(window.isActiveWindow)
    return view.decisions


def _saved(window):  # type: ignore[no-untyped-def]
    c = window.review_controller
    return window.review_service.record(c.council_id, c.review_id)


def test_by_date_is_not_carried_to_the_next_decision(qtbot, chairing) -> None:  # type: ignore[no-untyped-def]
    """'By date' stayed chosen while the date went back to the review's day: the next
    decision was saved due on the day of the review, with no warning."""
    from datetime import timedelta

    window = chairing
    page = _to_decisions(qtbot, window)
    day = _saved(window).review_date
    page.text.setText("Book a dental check-up")
    page.who.setEditText("Virtual school")
    page.by_date.setChecked(True)
    page.due.setDate(page.due.date().addDays(10))
    qtbot.keyClick(page.text, K.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(_saved(window).decisions) == 1, timeout=3000)
    assert page.within.isChecked() and not page.by_date.isChecked()
    assert page.due.py_date() == day + timedelta(weeks=4)

    # A date on the review's day is refused with a message; nothing is saved.
    page.text.setText("Visit school")
    page.who.setEditText("Virtual school")
    page.by_date.setChecked(True)
    page.due.set_py_date(day)
    qtbot.keyClick(page.text, K.Key_Return)
    assert "the day of the review" in window.review_view.message.text()
    assert len(_saved(window).decisions) == 1
    assert page.text.text() == "Visit school"  # what was typed is kept


def test_enter_on_a_decision_corrects_it_and_delete_removes_it(qtbot, chairing,  # type: ignore[no-untyped-def]
                                                               monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    window = chairing
    page = _to_decisions(qtbot, window)
    service, c = window.review_service, window.review_controller
    service.add_decision(c.council_id, c.review_id, "Book a dentist", responsible="Carer",
                         agenda_key="education")
    service.add_decision(c.council_id, c.review_id, "Typed by mistake", responsible="SW")
    c.reload()
    page.table.setFocus()
    page.table.selectRow(0)
    qtbot.keyClick(page.table, K.Key_Return)
    assert QApplication.focusWidget() is page.text and page.text.text() == "Book a dentist"
    page.item.setCurrentIndex(page.item.findData("health"))  # the right agenda item
    qtbot.keyClick(page.text, K.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _saved(window).decisions[0].agenda_key == "health", timeout=3000)
    assert [d.text for d in _saved(window).decisions] == ["Book a dentist", "Typed by mistake"]

    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    page.table.setFocus()
    page.table.selectRow(1)
    qtbot.keyClick(page.table, K.Key_Delete)
    assert [d.text for d in _saved(window).decisions] == ["Book a dentist"]


def test_enter_on_a_decision_of_a_finalised_record_amends_it(qtbot, chairing) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer

    from iro_desktop.core.reviews import ReviewStatus

    window = chairing
    service, c = window.review_service, window.review_controller
    service.add_decision(c.council_id, c.review_id, "Refer for tutoring",
                         responsible="Virtual school")
    service.update_review(c.council_id, c.review_id, participation_code="PN1")
    service.set_status(c.council_id, c.review_id, ReviewStatus.HELD)
    service.finalise(c.council_id, c.review_id)
    c.reload()
    page = _to_decisions(qtbot, window)

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        edits = {e.accessibleName(): e for e in dialog.findChildren(type(page.text))}
        edits["Decision"].setText("Refer for maths tutoring")
        edits["Reason for the amendment"].setText("The subject was left out")
        dialog.accept()

    QTimer.singleShot(200, fill)
    page.table.setFocus()
    page.table.selectRow(0)
    qtbot.keyClick(page.table, K.Key_Return)
    rec = _saved(window)
    assert rec.decisions[0].text == "Refer for maths tutoring"
    assert rec.amendments[0].reason == "The subject was left out"
    assert rec.amendments[0].old_value.startswith("Refer for tutoring")


# ---- dialogs between reviews: focus on the first field; names from the network -----------


@pytest.mark.parametrize("action", ["add_entry", "raise_concern"])
def test_between_reviews_dialogs_open_on_their_first_field_with_the_network(  # type: ignore[no-untyped-def]
        qtbot, chairing, action: str) -> None:
    """The dialogs opened with no field focused: typing was lost and Space pressed 'Raise
    concern'. 'With whom' and 'raised with' were typed again though the network knows them."""
    from PySide6.QtCore import QTimer

    window = chairing
    window.review_view.back_requested.emit()  # back to the child
    panel = (window.child_view.monitoring if action == "add_entry"
             else window.child_view.escalations)
    seen: dict[str, object] = {}

    def inspect() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, inspect)
            return
        try:
            seen["focus"] = dialog.focusWidget()
            seen["first"] = dialog.kind if action == "add_entry" else dialog.concern
            qtbot.keyClick(dialog.focusWidget() or dialog, K.Key_Space)  # not OK
            seen["still_open"] = dialog.isVisible()
            who = dialog.with_whom if action == "add_entry" else dialog.stage_fields.who
            model = who.completer().model() if who.completer() else None
            seen["names"] = [model.index(r, 0).data() for r in range(model.rowCount())] \
                if model else []
        finally:
            dialog.reject()

    QTimer.singleShot(0, inspect)
    getattr(panel, action)()
    assert seen["focus"] is seen["first"], seen
    assert seen["still_open"]
    assert seen["names"][-2:] == [f"{n} ({r})" for n, r, _o, _s, _h in PEOPLE[:2]]


def test_council_settings_tab_letters_put_the_focus_on_the_tab_fields(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+, then Alt+V: the delivery folder has the focus (it stayed on the chair's name
    at the top, and Tab reached the folder only through the tab bar, where it was lost)."""
    from PySide6.QtCore import QTimer

    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    seen: list[str] = []

    def go(tries: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        if dialog is None or focus is None or not dialog.isAncestorOf(focus):
            if tries < 200:
                QTimer.singleShot(20, lambda: go(tries + 1))
            elif dialog is not None:
                dialog.reject()
            return
        try:
            for key in (K.Key_V, K.Key_U, K.Key_O):
                qtbot.keyClick(QApplication.focusWidget(), key, Qt.KeyboardModifier.AltModifier)
                seen.append(QApplication.focusWidget().objectName())
        finally:
            dialog.reject()

    QTimer.singleShot(0, go)
    qtbot.keyClick(window, K.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert seen == ["setting_delivery_folder", "setting_marking", "council_code_edit"]


def test_copies_page_says_sent_once_the_outbox_sent_them(qtbot, demo_vault_with_reviews,  # type: ignore[no-untyped-def]
                                                         settings, tmp_path) -> None:
    """It still said "Ready to send" after the outbox window (Ctrl+Shift+B) had sent them."""
    from PySide6.QtCore import QTimer
    from tests.ui.test_review_copies import _go, _open_in_progress


    window, entry, review_id = _open_in_progress(qtbot, demo_vault_with_reviews, settings)
    view = window.review_view
    window.services.outbox().queue(entry.council.id, review_id, ["full"])
    window.services.profiles.set(entry.council.id, "delivery_folder", str(tmp_path))
    _go(view, "Copies and who gets them")
    table = view.copies.copies

    def states() -> list[str]:
        return [table.item(r, 2).text() for r in range(table.rowCount())]

    assert "Ready to send" in states()

    def send() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "outbox_dialog":
            QTimer.singleShot(20, send)
            return
        dialog.send()
        dialog.accept()

    QTimer.singleShot(0, send)
    window._on_outbox()  # what Ctrl+Shift+B does
    assert any(p.suffix == ".docx" for p in tmp_path.iterdir())
    assert not any(s.startswith("Ready to send") for s in states()), states()
    assert any(s.startswith("Sent ") for s in states())
    window.lock()


def test_enter_in_the_caseload_find_field_opens_the_only_match(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    entry = window.caseload_service.entries()[0]
    qtbot.keyClick(window, K.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = window.caseload_view.search
    assert QApplication.focusWidget() is search
    qtbot.keyClicks(search, entry.child.record.child_ref)
    assert window.caseload_view.proxy.rowCount() == 1
    qtbot.keyClick(search, K.Key_Return)
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.entry.child.id == entry.child.id


def test_unlock_returns_to_the_child_and_its_tab(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    entry = window.caseload_service.entries()[0]
    window.open_child(entry)
    window.child_view.show_tab("monitoring")
    window.lock_action.trigger()
    _unlock(qtbot, window)
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.entry.child.id == entry.child.id
    assert window.child_view.tabs.currentWidget() is window.child_view.monitoring


def test_lock_saves_a_field_being_typed_and_leaves_nothing_in_the_widgets(  # type: ignore[no-untyped-def]
        qtbot, chairing) -> None:
    """A venue typed but not yet left was lost at the lock, and one-line fields (a decision
    being typed, the network's names in "who") kept their text in the locked window."""
    from tests.ui.ui_helpers import widget_texts

    window = chairing
    kb = Keyboard(qtbot, window)
    view, controller = window.review_view, window.review_controller
    qtbot.waitUntil(window.isActiveWindow)
    decisions = _to_decisions(qtbot, window)
    decisions.text.setText("Book the dentist for the Tuesday slot")
    assert decisions.who.findText(f"{PEOPLE[0][0]} ({PEOPLE[0][1]})") > 0
    view.nav.setCurrentRow(0)  # preparation
    view.preparation.venue.setFocus()
    kb.press(K.Key_End)
    kb.type("Hillside Family Centre")
    kb.press(K.Key_L, Qt.KeyboardModifier.ControlModifier)
    texts = " ".join(t for _w, t in widget_texts(window))
    for secret in ("Hillside Family Centre", "Book the dentist", PEOPLE[0][0], PEOPLE[1][0]):
        assert secret not in texts, secret
    _unlock(qtbot, window)
    saved = window.review_service.record(controller.council_id, controller.review_id)
    assert saved.venue.endswith("Hillside Family Centre")
    assert QApplication.focusWidget() is view.preparation.venue


def test_relationship_to_the_child_is_typed_when_adding_and_put_right_in_the_table(  # type: ignore[no-untyped-def]
        qtbot, chairing, monkeypatch) -> None:
    window = chairing
    kb = Keyboard(qtbot, window)
    view, controller = window.review_view, window.review_controller
    qtbot.waitUntil(window.isActiveWindow)
    kb.press(K.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    page = view.attendance
    page.name.setFocus()
    kb.type("Ann Jones")
    kb.press(K.Key_Tab)
    kb.type("Carer")
    kb.press(K.Key_Tab, times=2)  # past the organisation to the relationship
    assert QApplication.focusWidget() is page.relationship
    kb.type("grandmother, kinship carer")
    kb.press(K.Key_Return)
    added = controller.network[-1]
    assert (added.name, added.relationship) == ("Ann Jones", "grandmother, kinship carer")
    row = page.table.rowCount() - 1
    assert page.table.item(row, 6).text() == "grandmother, kinship carer"
    assert page.relationship.text() == ""

    def relationship_editor():  # type: ignore[no-untyped-def]
        """F2 on the new person's relationship cell: its editor, all selected."""
        page.table.setFocus()
        page.table.setCurrentCell(row, 6)
        kb.press(K.Key_F2)
        editor = QApplication.focusWidget()
        editor.selectAll()
        return editor

    # F2 on the relationship cell edits it in place; Enter saves it.
    relationship_editor()
    kb.type("grandmother (special guardian)")
    kb.press(K.Key_Return)  # the table commits on its next turn of the event loop

    def saved() -> list[str]:
        return [p.relationship for p in window.review_service.network(
            controller.council_id, controller.record.child.id) if p.name == "Ann Jones"]

    qtbot.waitUntil(lambda: saved() == ["grandmother (special guardian)"], timeout=3000)
    assert page.table.item(row, 6).text() == "grandmother (special guardian)"
    # The in-place editor keeps what the service keeps: 100 characters.
    editor = relationship_editor()
    kb.type("k" * 120)
    assert editor.text() == "k" * 100
    kb.press(K.Key_Escape)
    assert saved() == ["grandmother (special guardian)"]
    # A relationship the service refuses is not left showing as if it were saved.
    errors: list[str] = []
    controller.error.connect(errors.append)
    real_update = window.review_service.update_person

    def refuse(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        from iro_desktop.security.errors import VaultError
        raise VaultError("The council database is busy with another task.")

    with monkeypatch.context() as patch:
        patch.setattr(window.review_service, "update_person", refuse)
        relationship_editor()
        kb.type("aunt")
        kb.press(K.Key_Return)
        qtbot.waitUntil(lambda: bool(errors), timeout=3000)
        qtbot.waitUntil(lambda: page.table.item(row, 6).text()
                        == "grandmother (special guardian)", timeout=3000)
    assert window.review_service.update_person == real_update
    assert saved() == ["grandmother (special guardian)"]
    assert page.table.item(row, 6).flags() & Qt.ItemFlag.ItemIsEditable
    # Other columns stay read-only, and a letter still sets the row's attendance.
    page.table.setCurrentCell(0, 0)
    kb.press(K.Key_F2)
    assert QApplication.focusWidget() is page.table
    kb.type("a")
    qtbot.waitUntil(lambda: any(a.status is AttendanceStatus.ATTENDED for a in
                                window.review_service.record(controller.council_id,
                                                             controller.review_id).attendance),
                    timeout=3000)

    # Finalised: the same rows stay, and the relationship can no longer be edited there.
    from iro_desktop.core.reviews import ReviewStatus

    service = window.review_service
    service.update_review(controller.council_id, controller.review_id,
                          participation_code="PN1")
    service.set_status(controller.council_id, controller.review_id, ReviewStatus.HELD)
    service.finalise(controller.council_id, controller.review_id)
    controller.reload()
    assert page.table.rowCount() == row + 1
    assert not page.table.item(row, 6).flags() & Qt.ItemFlag.ItemIsEditable
    page.table.setFocus()
    page.table.setCurrentCell(row, 6)
    kb.press(K.Key_F2)
    assert QApplication.focusWidget() is page.table
