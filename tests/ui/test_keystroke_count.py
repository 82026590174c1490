"""How many keys a typical review costs, not counting what the IRO writes.

A scripted keyboard drive chairs one review of a demo child through the window, from the
dashboard to copies in the outbox: find the child (Ctrl+K), plan the review, preparation,
attendance of the network (pre-filled from the caseload and the previous review) plus one
new person, the child's views with the PN code, the two decisions of the previous review
updated, every agenda item written and marked done, an IRO summary and four decisions,
held, next review set, distribution notes, finalised, copies in the outbox.

Counted: every key press or chord that is not the text of the record (Tab, Enter, arrows,
Alt+letters, Ctrl+shortcuts, F6), and every letter that chooses rather than writes (a
type-ahead letter in a list, one key per attendance row, "pn1" for the code). Not counted:
the text typed into fields (names, notes, decisions, dates). ``Keyboard.reactivate`` (the
offscreen platform's lost activation, see test_chair_review_keyboard.py) is not a key and
is not counted. The figure is printed and documented in docs/performance.md.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from iro_desktop.core.reviews import AttendanceStatus, DecisionStatus, ItemState, ReviewStatus
from tests.ui.test_chair_review_keyboard import (
    Keyboard,
    Workspace,
    _pick_child,
    _review_day,
    agenda_text,
    describe,
)

K = Qt.Key
NO = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
BUDGET = 120

DECISIONS = (  # text, who (a few letters, completed from the network), weeks, agenda letter
    ("Book a dental check-up and the eye test", "Sam", "2", "h"),
    ("Refer to the virtual school for maths tutoring", "Virtual school", "6", "e"),
    ("Arrange fortnightly family time with Dana on Saturdays", "Dana", "8", ""),
    ("Update the life story book with the carer", "Sam", "12", ""),
)


class CountingKeyboard(Keyboard):
    """Counts the keys that are not content; ``type`` is content, ``choose`` is not."""

    def __init__(self, qtbot, window) -> None:  # type: ignore[no-untyped-def]
        super().__init__(qtbot, window)
        self.count = 0
        self.by_step: dict[str, int] = {}
        self.step = ""

    def begin(self, step: str) -> None:
        self.step = step

    def _add(self, n: int) -> None:
        self.count += n
        self.by_step[self.step] = self.by_step.get(self.step, 0) + n

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = NO, times: int = 1) -> None:
        self._add(times)
        super().press(key, modifier, times)

    def choose(self, letters: str) -> None:
        """Letters that choose (type-ahead, one key per row): counted, one each. A person
        pauses before choosing: type-ahead would join these letters to the last ones."""
        self.qtbot.wait(QApplication.keyboardInputInterval() + 50)
        self._add(len(letters))
        self.qtbot.keyClicks(self.target(), letters)

    def select_all_and_type(self, text: str) -> None:
        self.press(K.Key_A, CTRL)
        self.type(text)


def _arrange_previous_review(window, entry, day):  # type: ignore[no-untyped-def]
    """The review before, held in the app: carer and parent in the network, two decisions,
    the next review's venue set. (Arranged through the services: not counted.)"""
    service = window.review_service
    cid, child_id = entry.council.id, entry.child.id
    carer = service.add_person(cid, child_id, "Sam Carer", "Carer", "Hillside Fostering")
    service.add_person(cid, child_id, "Dana Parent", "Parent")
    previous = service.plan_review(cid, child_id, day - timedelta(days=120))
    service.invite_network(cid, previous)
    service.add_decision(cid, previous, "Register with a dentist", person_id=carer.id,
                         due_date=day - timedelta(days=60))
    service.add_decision(cid, previous, "Apply for a passport", responsible="Social worker",
                         due_date=day - timedelta(days=30))
    service.update_review(cid, previous, participation_code="PN1")
    service.set_status(cid, previous, ReviewStatus.HELD)
    service.set_next_review(cid, previous, day, "Carer's home")
    service.finalise(cid, previous)


def test_a_typical_review_takes_at_most_120_non_content_keys(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    kb = CountingKeyboard(qtbot, window)
    ws = Workspace(kb, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    day = _review_day(window.caseload_service.today())
    entry = _pick_child(window, day)
    cid = entry.council.id
    _arrange_previous_review(window, entry, day)
    window.show_dashboard()
    view = window.review_view

    # ---- find the child: Ctrl+K, the reference, Enter opens the only match ------------------
    kb.begin("find the child")
    state = kb.in_next_modal(lambda: (kb.type(entry.child.record.child_ref),
                                      kb.press(K.Key_Return)))
    kb.press(K.Key_K, CTRL)
    assert state["ran"]
    kb.reactivate()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.child_view, timeout=3000)
    assert window.child_view.entry.child.id == entry.child.id

    # ---- plan it: Ctrl+N, the date, Tab, the venue is already there, Enter --------------------
    kb.begin("plan")

    def plan() -> None:
        dialog = QApplication.activeModalWidget()
        kb.type(day.strftime("%d%m%Y"))
        kb.press(K.Key_Tab)
        assert kb.focused() is dialog.venue and dialog.venue.text() == "Carer's home"
        kb.press(K.Key_Return)

    state = kb.in_next_modal(plan)
    kb.press(K.Key_N, CTRL)
    assert state["ran"]
    kb.reactivate()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is view, timeout=3000)
    kb.wait_focus(lambda f: f is view.nav, "the navigator")
    record = ws.saved()
    assert record.planned_date == day and record.venue == "Carer's home"

    # ---- preparation: F6 to the page, Tab to "spoke to the child alone" ----------------------
    kb.begin("preparation")
    kb.press(K.Key_F6)
    prep = view.preparation
    kb.wait_focus(lambda f: f is prep.planned, "the planned date")
    # venue, the front-sheet fields (brought forward, placement start, team manager, the
    # social worker's visits), others invited, spoke alone: every Tab is counted
    for _ in range(12):
        if QApplication.focusWidget() is prep.edits["prep.spoke_alone"]:
            break
        kb.press(K.Key_Tab)
    kb.wait_focus(lambda f: f is prep.edits["prep.spoke_alone"], "spoke to the child alone")
    kb.type("Saw them alone at school on Monday; they want the review at home")

    # ---- attendance: the network is there; one key a row; one new person ---------------------
    kb.begin("attendance")
    ws.next_section()
    page = view.attendance
    kb.wait_focus(lambda f: f is page.table, "the attendance table")
    names = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert {"Sam Carer", "Dana Parent", entry.child.record.social_worker} <= set(names)
    keys = {"Sam Carer": "a", "Dana Parent": "p"}
    kb.choose("".join(keys.get(n, "a") for n in names))  # child and social worker attended
    kb.alt("n")  # &Name
    kb.wait_focus(lambda f: f is page.name, "the new person's name")
    kb.type("Mr Patel")
    kb.press(K.Key_Tab)
    kb.type("Teacher")
    kb.press(K.Key_Tab)
    kb.type("Hillside Primary")
    kb.press(K.Key_Return)  # Enter adds
    qtbot.waitUntil(lambda: page.table.rowCount() == len(names) + 1, timeout=3000)
    ws.page_first_field()  # F6 F6: back to the table
    kb.press(K.Key_Down)  # to the new row
    kb.choose("w")  # contributed in writing
    kb.alt("w")  # Notes on &welcome and attendance
    kb.wait_focus(lambda f: f is page.notes, "the welcome notes")
    kb.type(agenda_text("welcome"))
    ws.mark_done_and_next()
    saved = {a.person.name: a.status for a in ws.saved().attendance}
    assert saved["Sam Carer"] is AttendanceStatus.ATTENDED
    assert saved["Dana Parent"] is AttendanceStatus.APOLOGIES
    assert saved["Mr Patel"] is AttendanceStatus.WRITTEN

    # ---- every agenda item to the decisions ----------------------------------------------
    for _ in range(view.nav.count()):
        kind, key = ws.nav_kind()
        if kind == "decisions":
            break
        kb.begin(kind)
        if kind == "voice":
            kb.wait_focus(lambda f: f is view.voice.edits["voice.views"], "the child's views")
            kb.type("I like living with Sam and want to see Dana more often")
            kb.press(K.Key_Tab)
            kb.type("To stay here and to do swimming")
            kb.press(K.Key_Tab)
            kb.type("Talked with the IRO at school before the review")
            kb.alt("c")  # Participation &code
            kb.wait_focus(lambda f: f is view.voice.code, "the participation code")
            kb.choose("pn1")
        elif kind == "earlier":
            kb.wait_focus(lambda f: f is view.earlier.table, "the previous decisions")
            kb.choose("dn")  # dentist done, passport not done
            kb.alt("d")  # &Discussion of previous decisions
            kb.wait_focus(lambda f: f is view.earlier.notes, "the previous decisions' notes")
            kb.type(agenda_text(key))
        elif kind == "agenda":
            kb.wait_focus(lambda f: f is view.agenda_page.edit, f"the text of {key}")
            kb.type(agenda_text(key))
        else:
            raise AssertionError(f"unexpected page {kind}")
        ws.mark_done_and_next()
        qtbot.waitUntil(lambda k=key: next(i for i in ws.saved().agenda if i.key == k).state
                        is ItemState.DONE, timeout=3000)
    assert ws.saved().participation_code == "PN1"
    updates = {d.text: d.update_status for d in ws.saved().earlier_decisions}
    assert updates == {"Register with a dentist": DecisionStatus.DONE,
                       "Apply for a passport": DecisionStatus.NOT_DONE}

    # ---- the IRO summary and four decisions ----------------------------------------------
    kb.begin("decisions")
    decisions = view.decisions
    kb.wait_focus(lambda f: f is decisions.text, "the decision text")
    kb.alt("s")  # IRO &summary
    kb.wait_focus(lambda f: f is decisions.notes, "the IRO summary")
    kb.type(agenda_text("summary"))
    kb.alt("n")  # Decisio&n
    for count, (text, who, weeks, item) in enumerate(DECISIONS, start=1):
        kb.wait_focus(lambda f: f is decisions.text, "the decision text")
        kb.type(text)
        kb.press(K.Key_Tab)
        kb.wait_focus(lambda f: f in (decisions.who, decisions.who.lineEdit()), "who")
        kb.type(who)  # completed from the network
        kb.press(K.Key_Tab)
        kb.wait_focus(lambda f: f in (decisions.weeks, decisions.weeks.lineEdit()), "weeks")
        kb.select_all_and_type(weeks)
        if item:
            kb.press(K.Key_Tab, times=2)  # the date (not used), the agenda item
            kb.wait_focus(lambda f: f is decisions.item, "the agenda item")
            kb.choose(item)
        kb.press(K.Key_Return, CTRL)
        qtbot.waitUntil(lambda c=count: len(ws.saved().decisions) == c, timeout=3000)
    made = ws.saved().decisions
    assert [d.text for d in made] == [t for t, _w, _n, _i in DECISIONS]
    assert [d.responsible for d in made] == ["Sam Carer (Carer)", "Virtual school",
                                            "Dana Parent (Parent)", "Sam Carer (Carer)"]
    assert [d.due_date for d in made] == [day + timedelta(weeks=int(w))
                                         for _t, _w, w, _i in DECISIONS]
    assert [d.agenda_key for d in made] == ["health", "education", "", ""]
    ws.mark_done_and_next()

    # ---- held, next review, distribution, finalised ---------------------------------------
    kb.begin("next review and finalise")
    assert ws.nav_kind()[0] == "next", describe(kb.focused())
    next_page = view.next_review
    kb.press(K.Key_H, CTRL | SHIFT)
    qtbot.waitUntil(lambda: ws.saved().status is ReviewStatus.HELD, timeout=3000)
    kb.alt("s")  # &Set next review (the latest lawful date is proposed)
    qtbot.waitUntil(lambda: ws.saved().next_review_date is not None, timeout=3000)
    kb.alt("t")  # Distribution and other no&tes
    kb.wait_focus(lambda f: f is next_page.notes, "the distribution notes")
    kb.type(agenda_text("next_review"))
    ws.mark_done_and_next()
    kb.press(K.Key_F, CTRL | SHIFT)
    qtbot.waitUntil(lambda: ws.saved().finalised, timeout=3000)
    assert all(i.state is ItemState.DONE for i in ws.saved().agenda)

    # ---- copies in the outbox: Ctrl+Shift+O, Enter -----------------------------------------
    kb.begin("copies to the outbox")
    kb.reactivate()
    state = kb.in_next_modal(lambda: kb.press(K.Key_Return))
    kb.press(K.Key_O, CTRL | SHIFT)
    assert state["ran"]
    kb.reactivate()

    queued = {i.variant for i in window.services.outbox().items(cid, "ready")}
    assert {"full", "decisions"} <= queued

    print(f"\nNon-content keys for one review: {kb.count} (budget {BUDGET})")
    for step, n in kb.by_step.items():
        print(f"  {step}: {n}")
    assert kb.count <= BUDGET, kb.by_step
