"""Acceptance test: an IRO chairs whole reviews of a demo child with the keyboard only.

The issue's words: "A pytest-qt test chairs a full review of a demo child with the keyboard
only: attendance, child's views with PN code, every agenda item, three decisions, finalise;
then a second review shows the three decisions for update, and marking one 'not done' twice
flags drift."

Every action is a key press sent to the widget that has the keyboard focus
(``QApplication.focusWidget()``), or to the active window when nothing has it, exactly where a
real key press would go: Tab, arrows, letters, F6, Ctrl+PgDown, Ctrl+D, Ctrl+N, Alt+mnemonics
and the workspace's shortcuts. The test only *reads* widgets to decide which key to press next
and to check what they show; what was saved is checked through the review service.

One thing is not a keyboard action, and is marked where it happens: the offscreen platform
does not give the main window back its activation when a modal dialog or a combo's list
closes (a window manager does), so the test re-activates the window then
(``Keyboard.reactivate``).

The smaller tests at the end pin what the walk found on the way: choosing from a combo in a
table lost the keyboard focus (also when the choice makes a decision drift),
Alt+Down switched sections instead of opening a combo's list, an Alt+letter had two owners on
one page, and choosing attendance, an item state or a decision update from a combo failed
(PySide6 hands StrEnum item data back as plain str).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QTableWidget, QWidget

from iro_desktop.core.models import Nation
from iro_desktop.core.reviews import (
    AttendanceStatus,
    DecisionStatus,
    ItemState,
    ReviewStatus,
)
from iro_desktop.ui.views.review_view import NAV_ROLE  # (kind, agenda key) of a navigator row

K = Qt.Key
NO = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier

# What the IRO types and chooses.
PEOPLE = (  # name, role, organisation, attendance, how it is chosen
    ("Sam Carer", "Carer", "Hillside Fostering", AttendanceStatus.ATTENDED, "a"),
    ("Dana Parent", "Parent", "", AttendanceStatus.APOLOGIES, "popup"),
    ("Jo Social", "Social worker", "Eastmere", AttendanceStatus.WRITTEN, "c"),
)
VIEWS = "I like my room and want to see my brother more - football on Saturdays"
WANTS = "To stay here"
HOW_GATHERED = "Met the IRO alone at school"
DECISIONS = (  # text, who (typed into the editable combo), within weeks, agenda item letter
    ("Book a dental check-up", "Sam Carer (Carer)", 2, "h"),
    ("Refer for maths tutoring", "Virtual school", 6, ""),
    ("Arrange fortnightly family time", "Jo Social (Social worker)", 8, ""),
)


def agenda_text(key: str) -> str:
    return f"Discussed {key.replace('_', ' ')}: all agreed, no concerns"


# ---- the keyboard ----------------------------------------------------------------------------


class Keyboard:
    """Key presses where the focus is, as a person at the keyboard makes them."""

    def __init__(self, qtbot, window) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.window = window

    @staticmethod
    def focused() -> QWidget | None:
        return QApplication.focusWidget()

    def target(self) -> QWidget:
        # With no focus widget the key goes to the active window, as on a real desktop.
        return (QApplication.focusWidget() or QApplication.activeModalWidget()
                or QApplication.activeWindow() or self.window)

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = NO, times: int = 1) -> None:
        for _ in range(times):
            self.qtbot.keyClick(self.target(), key, modifier)

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(self.target(), text)

    def alt(self, letter: str) -> None:
        self.press(getattr(K, f"Key_{letter.upper()}"), ALT)

    def alt_to(self, letter: str, check: Callable[[QWidget | None], bool], what: str) -> QWidget:
        """Alt+letter until the focus is where ``check`` wants it. One press, unless the letter
        is used twice in the window: Qt then moves the focus to each owner in turn."""
        for _ in range(3):
            self.alt(letter)
            if check(self.focused()):
                return self.focused()  # type: ignore[return-value]
        raise AssertionError(f"Alt+{letter.upper()} never reached {what}; the focus is on "
                             f"{describe(self.focused())}")

    def select_all_and_type(self, text: str) -> None:
        self.press(K.Key_A, CTRL)
        self.type(text)

    def wait_focus(self, check: Callable[[QWidget | None], bool], what: str,
                   timeout: int = 3000) -> QWidget | None:
        try:
            self.qtbot.waitUntil(lambda: check(self.focused()), timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - say where the focus is instead
            raise AssertionError(f"expected the focus on {what}, it is on "
                                 f"{describe(self.focused())}") from exc
        return self.focused()

    def in_next_modal(self, actions: Callable[[], None]) -> dict[str, bool]:
        """Run ``actions`` (key presses) once a modal dialog is up and has the focus.

        ``exec()`` blocks the test, so this is scheduled before the key that opens the dialog.
        If no dialog comes, nothing is pressed; a dialog that never takes the focus is
        rejected so the test cannot hang."""
        state = {"ran": False}

        def attempt(tries: int = 0) -> None:
            modal = QApplication.activeModalWidget()
            focus = QApplication.focusWidget()
            if modal is None or focus is None or not modal.isAncestorOf(focus):
                if tries < 300:
                    QTimer.singleShot(10, lambda: attempt(tries + 1))
                elif modal is not None:
                    modal.reject()
                return
            state["ran"] = True
            actions()

        QTimer.singleShot(0, attempt)
        return state

    def reactivate(self) -> None:
        """NOT a key press: the offscreen platform may leave no window active after a modal
        dialog or a combo's list closes (a window manager re-activates the main window). The
        window's own focus widget then takes the focus again, as on a desktop."""
        self.window.activateWindow()
        self.qtbot.waitUntil(lambda: QApplication.activeWindow() is self.window, timeout=3000)


def describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    return f"{type(widget).__name__}({widget.objectName() or widget.accessibleName()!r})"


# ---- the workspace, as seen by the test ---------------------------------------------------------


class Workspace:
    def __init__(self, kb: Keyboard, window) -> None:  # type: ignore[no-untyped-def]
        self.kb = kb
        self.w = window
        self.view = window.review_view

    @property
    def record(self):  # type: ignore[no-untyped-def]
        return self.w.review_controller.record

    def saved(self):  # type: ignore[no-untyped-def]
        c = self.w.review_controller
        return self.w.review_service.record(c.council_id, c.review_id)

    def nav_kind(self) -> tuple[str, str]:
        return tuple(self.view.nav.currentItem().data(NAV_ROLE))  # type: ignore[return-value]

    def next_section(self) -> None:
        self.kb.press(K.Key_PageDown, CTRL)

    def go_to(self, kind: str) -> None:
        for _ in range(self.view.nav.count()):
            if self.nav_kind()[0] == kind:
                return
            self.next_section()
        raise AssertionError(f"Ctrl+PgDown never reached the {kind} page")

    def page_first_field(self) -> QWidget:
        """F6 twice: to the navigator, then back to the page's first field (from wherever
        the focus is)."""
        self.kb.press(K.Key_F6)
        self.kb.wait_focus(lambda f: f is self.view.nav, "the navigator")
        self.kb.press(K.Key_F6)
        page = self.view.pages.currentWidget()
        return self.kb.wait_focus(lambda f: f is page.first_field, "the page's first field")

    def walk_to_cell_widget(self, table: QTableWidget, row: int, column: int) -> QWidget:
        """Arrow keys in a table until the widget in (row, column) has the focus.

        An arrow key moves the current cell; a cell that holds a widget gives it the focus.
        Arrow keys are only pressed while the table itself has the focus (on a combo they
        would change its value)."""
        self.page_first_field()
        assert self.kb.focused() is table
        for _ in range(4 * (table.rowCount() + table.columnCount())):
            focus = self.kb.focused()
            if focus is not None and focus is table.cellWidget(row, column):
                return focus
            assert focus is table, f"lost the way in {table.objectName()}: {describe(focus)}"
            if table.currentRow() < 0 or table.currentColumn() < 0:
                self.kb.press(K.Key_Home)  # no current cell yet: the first one
                if table.currentRow() < 0:
                    self.kb.press(K.Key_Down)
            elif table.currentRow() != row:
                self.kb.press(K.Key_Down if table.currentRow() < row else K.Key_Up)
            else:
                self.kb.press(K.Key_Right if table.currentColumn() < column else K.Key_Left)
        raise AssertionError(f"arrow keys never focused the widget in ({row}, {column})")

    def choose_in_popup(self, combo: QComboBox, label: str) -> None:
        """Alt+Down opens the list; Down to the entry; Enter chooses it (one save)."""
        self.kb.press(K.Key_Down, ALT)
        popup = combo.view()
        self.kb.qtbot.waitUntil(popup.isVisible, timeout=3000)
        for _ in range(combo.count()):
            if popup.currentIndex().data() == label:
                break
            self.kb.press(K.Key_Down)
        assert popup.currentIndex().data() == label
        self.kb.press(K.Key_Return)
        self.kb.qtbot.waitUntil(lambda: not popup.isVisible(), timeout=3000)
        # Offscreen, showing the list queues "the list's window has the focus", which may be
        # handled only after the list closed: then no window is active (on a desktop the
        # main window stays active). Let it be handled, and give the activation back.
        self.kb.qtbot.wait(50)
        self.kb.reactivate()
        assert self.kb.focused() is combo, describe(self.kb.focused())

    def mark_done_and_next(self) -> None:
        self.kb.press(K.Key_D, CTRL)

    def choose_pn1(self) -> None:
        self.kb.alt("c")  # Participation &code
        combo = self.kb.wait_focus(lambda f: f is self.view.voice.code, "the participation code")
        self.kb.type("pn1")  # type-ahead in the closed combo
        assert isinstance(combo, QComboBox)
        self.kb.qtbot.waitUntil(lambda: self.saved().participation_code == "PN1", timeout=3000)


# ---- the flow, step by step ---------------------------------------------------------------------


def _review_day(today: date) -> date:
    """Today, or the 28th when today is later in the month: typed day first into a date field
    whose month may be shorter, a 29th-31st would be cut short by Qt while typing."""
    return today if today.day <= 28 else today.replace(day=28)


def _pick_child(window, day: date):  # type: ignore[no-untyped-def]
    """An English child of 5-15 (not PN0, school age) in care well before ``day``, with no
    review in the app yet (the UI fixture's demo has three sample reviews)."""
    for entry in window.caseload_service.entries():
        rec = entry.child.record
        if (entry.council.nation is Nation.ENGLAND and 5 <= entry.age <= 15
                and rec.date_became_looked_after <= day - timedelta(days=60)
                and not window.review_service.reviews(entry.council.id, entry.child.id)):
            return entry
    raise AssertionError("the demo has no suitable child")


def _open_child_from_caseload(kb: Keyboard, window, child_ref: str) -> None:  # type: ignore[no-untyped-def]
    """From the dashboard (shown at unlock): Ctrl+F goes to the caseload filter; type the
    reference, Ctrl+1 back to the table, Enter opens the child."""
    kb.qtbot.waitUntil(lambda: window.stack.currentWidget() is window.dashboard_view)
    kb.press(K.Key_F, CTRL)
    kb.wait_focus(lambda f: f is window.caseload_view.search, "the caseload filter")
    kb.type(child_ref)
    assert window.caseload_view.proxy.rowCount() == 1
    kb.press(K.Key_1, CTRL)
    kb.wait_focus(lambda f: f is window.caseload_view.table, "the caseload table")
    kb.press(K.Key_Return)
    assert window.stack.currentWidget() is window.child_view
    assert window.child_view.entry.child.record.child_ref == child_ref


def _plan_review_by_keyboard(kb: Keyboard, ws: Workspace, day: date, venue: str) -> int:
    """Ctrl+N in the child view; in the dialog type the date (digits only: each full section
    moves on to the next), Tab to the venue, Enter plans it. The review opens."""
    assert kb.focused() is not None and ws.w.child_view.isAncestorOf(kb.focused())
    before = ws.w.review_controller.review_id

    def fill() -> None:
        kb.type(day.strftime("%d%m%Y"))
        dialog = QApplication.activeModalWidget()
        assert dialog.date == day, f"typed {day:%d%m%Y}, the date field shows {dialog.date}"
        kb.press(K.Key_Tab)
        assert kb.focused() is dialog.venue
        kb.type(venue)
        kb.press(K.Key_Return)

    state = kb.in_next_modal(fill)
    kb.press(K.Key_N, CTRL)
    assert state["ran"], "Ctrl+N did not open the plan-review dialog (or it never took focus)"
    kb.reactivate()
    kb.qtbot.waitUntil(lambda: ws.w.stack.currentWidget() is ws.view, timeout=3000)
    assert ws.w.review_controller.review_id != before
    kb.wait_focus(lambda f: f is ws.view.nav, "the review navigator")
    return ws.w.review_controller.review_id


def _attendance(kb: Keyboard, ws: Workspace) -> None:
    """Add the network with the form under the table, then set each one's attendance."""
    ws.next_section()
    assert ws.nav_kind() == ("attendance", "welcome")
    page = ws.view.attendance
    for name, role, org, _status, _how in PEOPLE:
        kb.alt("o")  # R&ole (an editable combo)
        kb.wait_focus(lambda f: f is page.role or f is page.role.lineEdit(), "the role")
        kb.select_all_and_type(role)
        kb.press(K.Key_Tab)
        kb.wait_focus(lambda f: f is page.org, "the organisation")
        kb.select_all_and_type(org)
        kb.alt("n")  # &Name; Enter there adds the person
        kb.wait_focus(lambda f: f is page.name, "the name")
        kb.type(name)
        kb.press(K.Key_Return)
        assert [p.name for p in ws.w.review_controller.network][-1] == name, \
            ws.view.message.text()
        assert kb.focused() is page.name  # ready for the next person
    # The child and the social worker were already there (from the caseload), invited.
    for name, _role, _org, status, how in PEOPLE:
        row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text()
                   == name)
        combo = ws.walk_to_cell_widget(page.table, row, 3)
        assert isinstance(combo, QComboBox) and name in combo.accessibleName()
        if how == "popup":
            ws.choose_in_popup(combo, status.label)
        else:
            kb.type(how)  # type-ahead: the first entry starting with that letter
        kb.qtbot.waitUntil(lambda n=name, s=status: any(
            a.person.name == n and a.status is s for a in ws.saved().attendance), timeout=3000)
    kb.alt("w")  # Notes on &welcome and attendance
    kb.wait_focus(lambda f: f is page.notes, "the welcome notes")
    kb.type(agenda_text("welcome"))


def _voice(kb: Keyboard, ws: Workspace) -> None:
    edits = ws.view.voice.edits
    kb.wait_focus(lambda f: f is edits["voice.views"], "the child's views")
    kb.type(VIEWS)
    kb.press(K.Key_Tab)  # Tab leaves a text field (it does not type a tab)
    kb.wait_focus(lambda f: f is edits["voice.wants"], "what the child wants")
    kb.type(WANTS)
    kb.press(K.Key_Tab)
    kb.wait_focus(lambda f: f is edits["voice.how_gathered"], "how the views were gathered")
    kb.type(HOW_GATHERED)
    ws.choose_pn1()


def _decisions(kb: Keyboard, ws: Workspace) -> None:
    page = ws.view.decisions
    kb.alt("s")  # IRO &summary
    kb.wait_focus(lambda f: f is page.notes, "the IRO summary")
    kb.type(agenda_text("summary"))
    for count, (text, who, weeks, item) in enumerate(DECISIONS, start=1):
        kb.alt("n")  # Decisio&n
        kb.wait_focus(lambda f: f is page.text, "the decision text")
        kb.type(text)
        kb.alt("w")  # &Who (an editable combo: a person of the network, or any text)
        kb.wait_focus(lambda f: f is page.who or f is page.who.lineEdit(), "who")
        kb.select_all_and_type(who)
        # Tab on to the number of weeks ("within" is already chosen).
        for _ in range(6):
            kb.press(K.Key_Tab)
            if kb.focused() in (page.weeks, page.weeks.lineEdit()):
                break
            assert kb.focused() in (page.by_date, page.within, page.due, page.due.lineEdit()), \
                describe(kb.focused())
        assert page.within.isChecked()
        kb.select_all_and_type(str(weeks))
        if item:
            # A&genda item: type-ahead "h" is Health. (alt_to: should Alt+G have two owners
            # again, as it had, it takes two presses; test_alt_letters_are_unique_... fails.)
            kb.alt_to("g", lambda f: f is page.item, "the decision's agenda item")
            kb.type(item)
        if count == 2:  # Enter in the decision text adds it ...
            kb.alt("n")
            kb.wait_focus(lambda f: f is page.text, "the decision text")
            kb.press(K.Key_Return)
        else:  # ... and Ctrl+Enter anywhere on the page
            kb.press(K.Key_Return, CTRL)
        kb.qtbot.waitUntil(lambda c=count: len(ws.saved().decisions) == c, timeout=3000)
        assert page.text.text() == ""


def _every_agenda_item(kb: Keyboard, ws: Workspace) -> list[str]:
    """From the attendance page to the last one: the text of each item typed, Ctrl+D marks it
    done and goes on. Returns the agenda keys in the order they were done."""
    done: list[str] = []
    for _ in range(ws.view.nav.count()):
        kind, key = ws.nav_kind()
        if kind == "next":
            return done
        if kind == "voice":
            _voice(kb, ws)
        elif kind == "earlier":
            kb.alt("d")  # &Discussion of previous decisions
            kb.wait_focus(lambda f: f is ws.view.earlier.notes, "the previous decisions notes")
            kb.type(agenda_text(key))
        elif kind == "agenda":
            kb.wait_focus(lambda f: f is ws.view.agenda_page.edit, f"the text of {key}")
            kb.type(agenda_text(key))
        elif kind == "decisions":
            _decisions(kb, ws)
        else:
            assert kind == "attendance", f"unexpected page {kind}"  # typed by _attendance
        done.append(key)
        ws.mark_done_and_next()
        kb.qtbot.waitUntil(lambda k=key: next(i for i in ws.saved().agenda if i.key == k).state
                           is ItemState.DONE, timeout=3000)
    raise AssertionError("Ctrl+D never reached the next-review page")


def _mark_earlier_decision_not_done(kb: Keyboard, ws: Workspace, decision_id: int) -> int:
    """Arrow keys to the "Update at this review" combo of the decision, type-ahead "n" (Not
    done). Returns its row."""
    row = next(i for i, d in enumerate(ws.record.earlier_decisions) if d.id == decision_id)
    combo = ws.walk_to_cell_widget(ws.view.earlier.table, row, 4)
    assert isinstance(combo, QComboBox)
    kb.type("n")
    kb.qtbot.waitUntil(lambda: next(d for d in ws.saved().earlier_decisions
                                    if d.id == decision_id).update_status
                       is DecisionStatus.NOT_DONE, timeout=3000)
    return row


def _code_held_and_finalise(kb: Keyboard, ws: Workspace) -> None:
    """A later review kept short: PN code, held, finalised."""
    kb.press(K.Key_F6)  # to the navigator
    kb.wait_focus(lambda f: f is ws.view.nav, "the navigator")
    while ws.nav_kind()[0] != "voice":
        kb.press(K.Key_PageUp, CTRL)
    ws.choose_pn1()
    kb.press(K.Key_H, CTRL | SHIFT)
    kb.qtbot.waitUntil(lambda: ws.saved().status is ReviewStatus.HELD, timeout=3000)
    kb.press(K.Key_F, CTRL | SHIFT)
    kb.qtbot.waitUntil(lambda: ws.saved().finalised, timeout=3000)


def _back_to_child(kb: Keyboard, window) -> None:  # type: ignore[no-untyped-def]
    kb.press(K.Key_Escape)
    kb.qtbot.waitUntil(lambda: window.stack.currentWidget() is window.child_view, timeout=3000)
    kb.wait_focus(lambda f: f is window.child_view.reviews, "the child's reviews")


# ---- the acceptance test ------------------------------------------------------------------------


def test_chair_a_review_and_follow_its_decisions_by_keyboard_only(  # type: ignore[no-untyped-def]
        qtbot, make_window) -> None:
    window = make_window()
    kb = Keyboard(qtbot, window)
    ws = Workspace(kb, window)
    service = window.review_service
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    day = _review_day(window.caseload_service.today())
    entry = _pick_child(window, day)
    cid = entry.council.id

    # ---- review 1, chaired in full --------------------------------------------------------------
    _open_child_from_caseload(kb, window, entry.child.record.child_ref)
    first_review = _plan_review_by_keyboard(kb, ws, day, "Carer's home")
    assert ws.saved().planned_date == day
    _attendance(kb, ws)
    done_keys = _every_agenda_item(kb, ws)
    assert ws.nav_kind() == ("next", "next_review")
    next_page = ws.view.next_review
    kb.wait_focus(lambda f: f is next_page.next_date, "the next review date")
    kb.press(K.Key_H, CTRL | SHIFT)  # held (on the planned date, not in the future)
    qtbot.waitUntil(lambda: ws.saved().status is ReviewStatus.HELD, timeout=3000)
    proposed = next_page.next_date.date()  # now the latest lawful date of the next review
    kb.alt("s")  # &Set next review (a button: its click comes a moment later)
    qtbot.waitUntil(lambda: ws.saved().next_review_date is not None, timeout=3000)
    kb.alt("t")  # Distribution and other no&tes: the text of the next-review item
    kb.wait_focus(lambda f: f is next_page.notes, "the distribution notes")
    kb.type(agenda_text("next_review"))
    ws.mark_done_and_next()
    done_keys.append("next_review")
    qtbot.waitUntil(lambda: ws.saved().agenda[-1].state is ItemState.DONE, timeout=3000)
    kb.press(K.Key_F, CTRL | SHIFT)
    qtbot.waitUntil(lambda: ws.saved().finalised, timeout=3000)

    # ---- ... and all of it saved -----------------------------------------------------------------
    rec = service.record(cid, first_review)
    assert rec.status is ReviewStatus.FINALISED
    child_rec = entry.child.record
    prefilled = {(f"{child_rec.preferred_name or child_rec.first_name} {child_rec.last_name}",
                  "Child", ""), (child_rec.social_worker, "Social worker", "")}
    assert {(a.person.name, a.status) for a in rec.attendance} == {
        (name, status) for name, _r, _o, status, _h in PEOPLE} | {
        (name, AttendanceStatus.INVITED) for name, _r, _o in prefilled}
    assert {(p.name, p.role, p.organisation) for p in service.network(cid, entry.child.id)} == {
        (name, role, org) for name, role, org, _s, _h in PEOPLE} | prefilled
    assert (rec.texts["voice.views"], rec.texts["voice.wants"],
            rec.texts["voice.how_gathered"]) == (VIEWS, WANTS, HOW_GATHERED)
    assert rec.participation_code == "PN1"
    assert [i.key for i in rec.agenda] == done_keys, "an agenda item was skipped"
    for item in rec.agenda:
        assert item.state is ItemState.DONE, item.key
        # The "wishes" item has no discussion field of its own: its page is the child's views.
        text_key, expected = (("voice.views", VIEWS) if item.key == "wishes"
                              else (item.text_key, agenda_text(item.key)))
        assert rec.texts.get(text_key) == expected, item.key
    assert [(d.text, d.responsible, d.due_date) for d in rec.decisions] == [
        (text, who, day + timedelta(weeks=weeks)) for text, who, weeks, _i in DECISIONS]
    assert [d.agenda_key for d in rec.decisions] == ["health", "", ""]
    assert [d.person_id is not None for d in rec.decisions] == [True, False, True]
    assert rec.held_date == day
    assert rec.next_review_date == date(proposed.year(), proposed.month(), proposed.day())

    # ---- review 2: the three decisions come up for update; one was not done -------------------
    _back_to_child(kb, window)
    second_review = _plan_review_by_keyboard(kb, ws, day, "School")
    ws.go_to("earlier")
    table = ws.view.earlier.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
        text for text, _w, _n, _i in DECISIONS]
    assert [d.text for d in ws.saved().earlier_decisions] == [t for t, _w, _n, _i in DECISIONS]
    dropped = rec.decisions[0]
    _mark_earlier_decision_not_done(kb, ws, dropped.id)
    assert not any(d.drifting for d in ws.saved().earlier_decisions)  # once is not drift
    _code_held_and_finalise(kb, ws)
    assert service.record(cid, second_review).finalised

    # ---- review 3: not done again, so it is drifting -------------------------------------------
    _back_to_child(kb, window)
    third_review = _plan_review_by_keyboard(kb, ws, day, "School")
    ws.go_to("earlier")
    assert len(ws.saved().earlier_decisions) == 3
    row = _mark_earlier_decision_not_done(kb, ws, dropped.id)
    qtbot.waitUntil(lambda: "DRIFT" in ws.view.earlier.table.item(row, 0).text(), timeout=3000)
    drifting = {d.id: d.drifting for d in service.record(cid, third_review).earlier_decisions}
    assert drifting == {d.id: d.id == dropped.id for d in rec.decisions}

    # ---- the child view flags it ----------------------------------------------------------------
    _back_to_child(kb, window)
    open_table = window.child_view.decisions
    flags = {open_table.item(r, 0).text(): open_table.item(r, 3).text()
             for r in range(open_table.rowCount())}
    assert set(flags) == {text for text, _w, _n, _i in DECISIONS}
    assert "Drift" in flags[dropped.text], flags
    assert all("Drift" not in flag for text, flag in flags.items() if text != dropped.text)


# ---- what the keyboard walk found on the way (fixed since; kept as regressions) ---------------


@pytest.fixture
def review_with_network(make_window):  # type: ignore[no-untyped-def]
    """A window showing a planned review of a demo child with two people in the network
    (arranged through the services: these tests are about what the keys do once there)."""
    window = make_window()
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


def test_choosing_attendance_keeps_the_focus_on_that_row(qtbot, review_with_network) -> None:  # type: ignore[no-untyped-def]
    """The walk found every record change rebuilding the table's cell widgets, deleting the
    combo that had the focus: the focus went nowhere and Tab restarted at the window's top."""
    window = review_with_network
    kb = Keyboard(qtbot, window)
    ws = Workspace(kb, window)
    qtbot.waitUntil(window.isActiveWindow)
    ws.next_section()
    table = ws.view.attendance.table
    combo = ws.walk_to_cell_widget(table, 0, 3)
    kb.type("a")  # Attended
    qtbot.waitUntil(lambda: len(ws.saved().attendance) == 1, timeout=3000)
    assert ws.saved().attendance[0].status is AttendanceStatus.ATTENDED
    qtbot.wait(50)  # anything replaced would be deleted by now (deleteLater)
    assert kb.focused() is combo is table.cellWidget(0, 3), describe(kb.focused())
    kb.press(K.Key_Tab)  # on along the row, not back to the top of the window
    assert kb.focused() is table.cellWidget(0, 4), describe(kb.focused())


@pytest.mark.parametrize("reviews_before", [
    pytest.param(1, id="first-not-done"),
    pytest.param(2, id="drifting"),
])
def test_updating_an_earlier_decision_keeps_the_focus_on_that_row(  # type: ignore[no-untyped-def]
        qtbot, review_with_network, reviews_before: int) -> None:
    """Also when the update makes the decision drift (its row's text changes)."""
    window = review_with_network
    kb = Keyboard(qtbot, window)
    ws = Workspace(kb, window)
    service, c = window.review_service, window.review_controller
    cid, first = c.council_id, c.review_id
    # Arranged through the service: the open review held and finalised with one decision
    # (and, for "drifting", a second review where it was not done), then the next review
    # planned and opened.
    child_id, day = ws.record.child.id, ws.record.planned_date
    decision = service.add_decision(cid, first, "Book a dental check-up", responsible="Carer")
    review = first
    for number in range(reviews_before):
        if number:
            review = service.plan_review(cid, child_id, day)
            service.update_decision(cid, review, decision.id, DecisionStatus.NOT_DONE)
        service.update_review(cid, review, participation_code="PN1")
        service.set_status(cid, review, ReviewStatus.HELD)
        service.finalise(cid, review)
    window.open_review(service.plan_review(cid, child_id, day))
    qtbot.waitUntil(window.isActiveWindow)
    ws.go_to("earlier")
    table = ws.view.earlier.table
    combo = ws.walk_to_cell_widget(table, 0, 4)
    kb.type("n")  # Not done
    qtbot.waitUntil(lambda: ws.saved().earlier_decisions[0].update_status
                    is DecisionStatus.NOT_DONE, timeout=3000)
    assert ws.saved().earlier_decisions[0].drifting is (reviews_before == 2)
    qtbot.wait(50)  # anything replaced would be deleted by now (deleteLater)
    assert kb.focused() is combo, describe(kb.focused())


def test_choosing_an_item_state_from_its_combo_saves_it(qtbot, review_with_network) -> None:  # type: ignore[no-untyped-def]
    """The walk found the state, attendance and decision-update combos failing with
    AttributeError (PySide6 hands StrEnum item data back as str). Ctrl+D does not use the
    state combo, so the acceptance test does not cover this one."""
    window = review_with_network
    kb = Keyboard(qtbot, window)
    ws = Workspace(kb, window)
    qtbot.waitUntil(window.isActiveWindow)
    ws.go_to("agenda")
    key = ws.nav_kind()[1]
    kb.alt("s")  # &State
    combo = kb.wait_focus(lambda f: f is ws.view.agenda_page.state, "the item's state")
    kb.type("n")  # Not applicable (the first entry after "Not started" with an n)
    qtbot.waitUntil(lambda: next(i for i in ws.saved().agenda if i.key == key).state
                    is ItemState.NOT_APPLICABLE, timeout=3000)
    assert "Something went wrong" not in ws.view.message.text()
    assert kb.focused() is combo


def test_alt_down_on_a_combo_opens_its_list(qtbot, review_with_network) -> None:  # type: ignore[no-untyped-def]
    """The walk found Alt+Down (and Alt+Up) bound to next / previous section in the whole
    workspace, taking the standard key that opens a combo's list or a date's calendar."""
    window = review_with_network
    kb = Keyboard(qtbot, window)
    ws = Workspace(kb, window)
    qtbot.waitUntil(window.isActiveWindow)
    ws.go_to("voice")
    kb.alt("c")  # Participation &code
    combo = kb.wait_focus(lambda f: f is ws.view.voice.code, "the participation code")
    kb.press(K.Key_Down, ALT)
    assert ws.nav_kind()[0] == "voice", "Alt+Down moved to the next section"
    qtbot.waitUntil(combo.view().isVisible, timeout=3000)
    kb.press(K.Key_Escape)  # closes the list, and only the list
    qtbot.waitUntil(lambda: not combo.view().isVisible(), timeout=3000)
    assert window.stack.currentWidget() is ws.view


def _visible_mnemonics(window) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QAbstractButton, QLabel

    texts = [a.text() for a in window.menuBar().actions()]
    texts += [w.text() for w in window.review_view.findChildren(QWidget)
              if isinstance(w, (QLabel, QAbstractButton)) and w.isVisibleTo(window)]
    found: dict[str, list[str]] = {}
    for text in texts:
        plain = text.replace("&&", "")
        at = plain.find("&")
        if 0 <= at < len(plain) - 1:
            found.setdefault(plain[at + 1].upper(), []).append(text)
    return found


def test_alt_letters_are_unique_on_every_review_page(qtbot, review_with_network) -> None:  # type: ignore[no-untyped-def]
    """With two owners of an Alt+letter Qt only moves the focus between them, a press each
    (the walk met the header's "Sta&ge:" against the decisions page's "A&genda item:")."""
    window = review_with_network
    nav = window.review_view.nav
    clashes = {}
    for row in range(nav.count()):
        nav.setCurrentRow(row)  # arrangement: show each page in turn
        kind = nav.item(row).data(NAV_ROLE)[0]
        for letter, owners in _visible_mnemonics(window).items():
            if len(owners) > 1:
                clashes[(kind, letter)] = owners
    assert not clashes
