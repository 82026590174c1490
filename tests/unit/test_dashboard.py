"""The dashboard on opening: reviews overdue and due soon, records not finalised with their
distribution deadlines in working days, late and drifting decisions, the outbox, and
escalation responses overdue."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from iro_desktop.core.models import Nation
from iro_desktop.core.review_clock import add_working_days
from iro_desktop.core.reviews import DecisionStatus, ReviewStatus
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.services.dashboard import DashboardService
from iro_desktop.services.escalation import EscalationService
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import ChildRow, OutboxItemRow

TODAY = date(2027, 1, 5)
HEADER = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
          "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
          "last_review_date,reviews_held,social_worker,notes\n")
ROWS = (
    "NBK,Northbrook City Council,NB1,Ava,Brook,,01/02/2014,F,C2,U4,01/03/2020,01/06/2026,4,,\n"
    "NBK,Northbrook City Council,NB2,Ben,Cole,,01/02/2013,M,C2,U4,01/03/2020,20/07/2026,4,,\n"
    "NBK,Northbrook City Council,NB3,Cara,Dunn,,01/02/2012,F,C2,U4,01/03/2020,01/10/2026,4,,\n"
    "NBK,Northbrook City Council,NB4,Dev,Ede,,01/02/2015,M,C2,U4,01/02/2026,,0,,\n"
    "VOH,Vale of Hafren Council,VH-1,Rhys,Pugh,,01/02/2013,M,C2,U4,01/03/2021,01/07/2026,6,,\n"
)


def _held(reviews: ReviewService, cid: str, child: int, day: date) -> int:
    rid = reviews.plan_review(cid, child, day)
    reviews.set_status(cid, rid, ReviewStatus.HELD)
    reviews.update_review(cid, rid, participation_code="PN1")
    return rid


@pytest.fixture
def world(vault):  # type: ignore[no-untyped-def]
    caseload = CaseloadService(vault, today=lambda: TODAY)
    caseload.import_caseload((HEADER + ROWS).encode(),
                             nations={"NBK": Nation.ENGLAND, "VOH": Nation.WALES})
    ids = {e.child.record.child_ref: (e.council.id, e.child.id) for e in caseload.entries()}
    reviews = ReviewService(vault, today=lambda: TODAY)

    # VH-1: a review held on 23/12/2026, its record not finalised
    cid, child = ids["VH-1"]
    reviews.set_status(cid, reviews.plan_review(cid, child, date(2026, 12, 23)),
                       ReviewStatus.RECORDING)

    # NB4: a decision not done at two reviews in a row (drifting), past its date
    cid, child = ids["NB4"]
    carer = reviews.add_person(cid, child, "Sam Whitfield", "Carer")
    r1 = _held(reviews, cid, child, date(2026, 2, 20))
    late = reviews.add_decision(cid, r1, "Book a dental check-up", person_id=carer.id,
                                due_date=date(2026, 3, 20))
    done = reviews.add_decision(cid, r1, "Apply for a passport", responsible="Social worker",
                                due_date=date(2026, 4, 1))
    reviews.finalise(cid, r1)
    r2 = _held(reviews, cid, child, date(2026, 5, 20))
    reviews.update_decision(cid, r2, late.id, DecisionStatus.NOT_DONE)
    reviews.update_decision(cid, r2, done.id, DecisionStatus.DONE)
    reviews.add_decision(cid, r2, "Join a football club", responsible="Carer",
                         due_date=date(2027, 3, 1))
    reviews.finalise(cid, r2)
    r3 = _held(reviews, cid, child, date(2026, 11, 20))
    reviews.update_decision(cid, r3, late.id, DecisionStatus.NOT_DONE, "Still no dentist")
    reviews.finalise(cid, r3)

    # the outbox: two copies waiting, one delivered
    with vault.session(cid) as s:
        for state in ("ready", "ready", "delivered"):
            s.add(OutboxItemRow(review_id=r3, kind="docx", variant="full", filename="x.docx",
                                content=b"x", sha256="0" * 64, size=1, state=state,
                                created_at=datetime(2026, 11, 21)))

    # NB1: an escalation with no response, due 10 working days after 01/12/2026
    cid, child = ids["NB1"]
    EscalationService(vault, today=lambda: TODAY).raise_concern(
        cid, child, "No plan for permanence", "A permanence plan", None,
        opened_on=date(2026, 12, 1), who="Team manager")
    return vault, ids


def test_dashboard_lists_everything_that_needs_attention(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids = world
    board = DashboardService(vault, today=lambda: TODAY).dashboard()
    assert board.today == TODAY and board.due_soon_days == 28 and not board.empty

    expected = CaseloadService(vault, today=lambda: TODAY).due(28)
    overdue = [e.child.record.child_ref for e in expected if e.due.is_overdue(TODAY)]
    assert [d.child.child_ref for d in board.overdue] == overdue
    assert "NB1" in overdue and all(d.days < 0 for d in board.overdue)
    assert [d.child.child_ref for d in board.due_soon] == ["NB2"]  # due 20/01/2027
    assert board.due_soon[0].days == 15 and board.due_soon[0].child.child_name == "Ben Cole"

    (record,) = board.records
    assert (record.child.child_ref, record.held_date, record.status) == (
        "VH-1", date(2026, 12, 23), ReviewStatus.RECORDING)
    # 5 working days: 24/12, (Christmas, weekend, Boxing Day moved to Monday) 29, 30, 31/12,
    # (New Year's Day, weekend) 04/01/2027
    assert record.decisions_due == date(2027, 1, 4) and record.decisions_late
    assert record.record_due == add_working_days(date(2026, 12, 23), 20)
    assert record.record_due > TODAY and not record.record_late

    (late,) = board.late_decisions
    assert (late.child.child_ref, late.text, late.responsible, late.due_date, late.drifting) == (
        "NB4", "Book a dental check-up", "Sam Whitfield (Carer)", date(2026, 3, 20), True)
    assert late.review_number == 1
    assert [(d.child.child_ref, d.drifting) for d in board.drifting] == [("NB4", 1)]

    assert [(o.council.code, o.ready) for o in board.outbox] == [("NBK", 2)]
    assert board.outbox_ready == 2

    (esc,) = board.escalations_overdue
    assert esc.child_ref == "NB1" and esc.stage.response_due == date(2026, 12, 15)
    assert esc.days_overdue(TODAY) == 21


def test_distribution_deadlines_follow_the_council_profile(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids = world
    cid, _child = ids["VH-1"]
    profiles = CouncilProfileService(vault)
    profiles.set(cid, "decisions_within_working_days", "10")
    profiles.set(cid, "record_within_working_days", "6")
    (record,) = DashboardService(vault, today=lambda: TODAY).dashboard().records
    assert record.decisions_due == add_working_days(date(2026, 12, 23), 10)
    assert not record.decisions_late
    assert record.record_due == date(2027, 1, 5) and not record.record_late  # due today
    later = DashboardService(vault, today=lambda: date(2027, 1, 6)).dashboard().records[0]
    assert later.record_late


def test_due_soon_window_is_the_setting_passed_in(world) -> None:  # type: ignore[no-untyped-def]
    vault, _ids = world
    assert DashboardService(vault, today=lambda: TODAY, due_soon_days=10).dashboard().due_soon == []
    wide = DashboardService(vault, today=lambda: TODAY, due_soon_days=120).dashboard()
    assert {"NB2", "NB3"} <= {d.child.child_ref for d in wide.due_soon}
    with pytest.raises(ValueError):
        DashboardService(vault, due_soon_days=-1)


def test_finalising_the_record_and_leaving_the_caseload_clear_items(world) -> None:  # type: ignore[no-untyped-def]
    vault, ids = world
    reviews = ReviewService(vault, today=lambda: TODAY)
    cid, child = ids["VH-1"]
    rid = reviews.reviews(cid, child)[0].id
    reviews.update_review(cid, rid, participation_code="PN1")
    reviews.finalise(cid, rid)
    cid4, child4 = ids["NB4"]
    with vault.session(cid4) as s:  # off the caseload: nothing left to chase for them
        s.get(ChildRow, child4).status = "ended"
    board = DashboardService(vault, today=lambda: TODAY).dashboard()
    assert board.records == [] and board.late_decisions == [] and board.drifting == []
    assert board.outbox_ready == 2  # the copies still wait to go
