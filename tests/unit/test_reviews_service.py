"""Chairing a review through ReviewService on the demo caseload: what an IRO would notice.

Children are picked from ``CaseloadService(vault).entries()`` by what the test needs (age,
reviews held, no review in the app yet), so the tests keep working as the demo's dates move
with today's date and whatever sample reviews the demo seeds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from iro_desktop.core.review_clock import add_months
from iro_desktop.core.reviews import (
    MAX_TEXT,
    AttendanceStatus,
    DecisionStatus,
    ItemState,
    ReviewStatus,
    proposed_participation_code,
)
from iro_desktop.services.caseload import CaseloadEntry, CaseloadService
from iro_desktop.services.reviews import ReviewError, ReviewLockedError, ReviewService
from iro_desktop.storage.models import (
    AgendaItemRow,
    AmendmentRow,
    AttendanceRow,
    AuditEvent,
    ChildRow,
    DecisionRow,
    DecisionUpdateRow,
    PersonRow,
    ReviewRow,
    ReviewTextRow,
)
from tests.conftest import SHARED_DATA

TODAY = date.today()
CSV_HEADER = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
              "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
              "last_review_date,reviews_held,social_worker,notes\n")


# ---- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def demo_vault(demo_vault_with_reviews):  # type: ignore[no-untyped-def]
    """The demo vault with its sample reviews: this test's own copy (tests/conftest.py)."""
    return demo_vault_with_reviews


@pytest.fixture
def svc(demo_vault) -> ReviewService:  # type: ignore[no-untyped-def]
    return ReviewService(demo_vault)


def entries(vault) -> list[CaseloadEntry]:  # type: ignore[no-untyped-def]
    return CaseloadService(vault).entries()


def pick(vault, test: Callable[[CaseloadEntry], bool] = lambda e: True,  # type: ignore[no-untyped-def]
         skip: tuple[CaseloadEntry, ...] = ()) -> CaseloadEntry:
    """A demo child who fits ``test``, has no review in the app yet (the demo's sample
    reviews are left alone), held at least one review before today, and can be reviewed
    today (so finalising moves the due date)."""
    taken = {(e.council.id, e.child.id) for e in skip}
    svc = ReviewService(vault)
    for e in entries(vault):
        rec = e.child.record
        if ((e.council.id, e.child.id) not in taken and rec.reviews_held >= 1
                and not svc.reviews(e.council.id, e.child.id)
                and rec.last_review_date is not None and rec.last_review_date < TODAY
                and rec.date_became_looked_after < TODAY and test(e)):
            return e
    raise AssertionError("the demo caseload has no child for this test")


def long_in_care(e: CaseloadEntry) -> bool:
    """Looked after for over a year and 5+ years old: reviews 200 days back make sense."""
    return (e.age >= 5
            and e.child.record.date_became_looked_after < TODAY - timedelta(days=365))


def entry_for(vault, council_id: str, child_id: int) -> CaseloadEntry:  # type: ignore[no-untyped-def]
    return next(e for e in entries(vault) if e.council.id == council_id and e.child.id == child_id)


def held_review(svc: ReviewService, e: CaseloadEntry, when: date = TODAY,
                code: str | None = None) -> int:
    """Plan a review for ``when``, mark it held, give it a participation code."""
    rid = svc.plan_review(e.council.id, e.child.id, when)
    svc.set_status(e.council.id, rid, ReviewStatus.HELD)
    code = code or proposed_participation_code(e.child.record.date_of_birth, when) or "PN1"
    svc.update_review(e.council.id, rid, participation_code=code)
    return rid


def finalised_review(svc: ReviewService, e: CaseloadEntry, when: date = TODAY) -> int:
    rid = held_review(svc, e, when)
    svc.finalise(e.council.id, rid)
    return rid


def add_new_child(vault, council_code: str, ref: str, born: date,  # type: ignore[no-untyped-def]
                  looked_after: date) -> CaseloadEntry:
    """A child new to care (no review yet), added through the ordinary CSV import."""
    council = vault.council_by_code(council_code)
    row = (f"{council.code},{council.name},{ref},Test,Newchild,,{born:%d/%m/%Y},F,C1,U1,"
           f"{looked_after:%d/%m/%Y},,0,Jo Fielding,\n")
    CaseloadService(vault).import_caseload((CSV_HEADER + row).encode("utf-8"))
    return next(e for e in entries(vault) if e.child.record.child_ref == ref)


def table_counts(vault, council_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = (ReviewRow, ReviewTextRow, AgendaItemRow, AttendanceRow, DecisionRow,
              DecisionUpdateRow, AmendmentRow, PersonRow, AuditEvent, ChildRow)
    with vault.session(council_id) as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in tables}


def child_row_snapshot(vault, council_id: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    with vault.session(council_id) as s:
        return [(r.id, r.reviews_held, r.last_review_date, r.updated_at)
                for r in s.scalars(select(ChildRow).order_by(ChildRow.id))]


# ---- planning -------------------------------------------------------------------------------


def test_plan_review_numbers_it_after_reviews_held_with_agenda_for_a_teenager(
        demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, lambda e: 15 <= e.age <= 17)
    rid = svc.plan_review(e.council.id, e.child.id, TODAY, "Foster home")
    rec = svc.record(e.council.id, rid)
    assert rec.number == e.child.record.reviews_held + 1
    assert rec.status is ReviewStatus.PLANNED and not rec.finalised
    assert rec.planned_date == TODAY and rec.held_date is None
    assert rec.venue == "Foster home"
    keys = [i.key for i in rec.agenda]
    assert "pathway" in keys and "education" in keys and "early_years" not in keys
    assert len(keys) == 17
    assert keys[0] == "welcome" and keys[-2:] == ["summary", "next_review"]
    assert all(i.state is ItemState.NOT_STARTED and not i.ad_hoc for i in rec.agenda)
    assert all(i.guidance for i in rec.agenda)
    assert rec.texts == {} and rec.decisions == [] and rec.attendance == []
    assert [r.id for r in svc.reviews(e.council.id, e.child.id)] == [rid]


def test_plan_review_agenda_for_a_toddler_and_a_primary_school_child(
        demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    small = pick(demo_vault, lambda e: e.age <= 2)
    rid = svc.plan_review(small.council.id, small.child.id, TODAY)
    rec = svc.record(small.council.id, rid)
    keys = [i.key for i in rec.agenda]
    assert "early_years" in keys and "education" not in keys and "pathway" not in keys
    assert rec.proposed_code() == "PN0"

    school = pick(demo_vault, lambda e: 5 <= e.age <= 13)
    rid = svc.plan_review(school.council.id, school.child.id, TODAY)
    rec = svc.record(school.council.id, rid)
    keys = [i.key for i in rec.agenda]
    assert "education" in keys and "early_years" not in keys and "pathway" not in keys
    assert rec.proposed_code() is None

    # the age that counts is the age on the planned date: a 14-year-old's review planned for
    # their 15th birthday has the pathway item
    e = pick(demo_vault, lambda e: e.age == 14)
    born = e.child.record.date_of_birth
    fifteenth = born.replace(year=born.year + 15)
    rid = svc.plan_review(e.council.id, e.child.id, fifteenth)
    assert "pathway" in [i.key for i in svc.record(e.council.id, rid).agenda]


def test_second_plan_is_refused_while_one_is_open(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    first = svc.plan_review(e.council.id, e.child.id, TODAY)
    with pytest.raises(ReviewError, match="already has a review that is not finalised"):
        svc.plan_review(e.council.id, e.child.id, TODAY + timedelta(days=7))
    assert [r.id for r in svc.reviews(e.council.id, e.child.id)] == [first]
    # once finalised, the next one can be planned and is numbered after it
    svc.set_status(e.council.id, first, ReviewStatus.HELD)
    svc.update_review(e.council.id, first, participation_code="PN0" if e.age < 4 else "PN2")
    svc.finalise(e.council.id, first)
    second = svc.plan_review(e.council.id, e.child.id, add_months(TODAY, 6))
    numbers = [(r.id, r.number) for r in svc.reviews(e.council.id, e.child.id)]
    n = e.child.record.reviews_held
    assert numbers == [(second, n + 2), (first, n + 1)]


# ---- lifecycle and finalising ---------------------------------------------------------------


def test_lifecycle_to_held_sets_the_held_date(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    planned = TODAY - timedelta(days=1)
    rid = svc.plan_review(e.council.id, e.child.id, planned)
    svc.set_status(e.council.id, rid, ReviewStatus.PREPARATION)
    rec = svc.record(e.council.id, rid)
    assert rec.status is ReviewStatus.PREPARATION and rec.held_date is None
    svc.set_status(e.council.id, rid, ReviewStatus.HELD)
    rec = svc.record(e.council.id, rid)
    assert rec.status is ReviewStatus.HELD and rec.held_date == planned
    svc.update_review(e.council.id, rid, held_date=TODAY)
    svc.set_status(e.council.id, rid, ReviewStatus.RECORDING)
    rec = svc.record(e.council.id, rid)
    assert rec.status is ReviewStatus.RECORDING and rec.status.label == "Record in progress"
    assert rec.held_date == TODAY, "moving on does not overwrite the held date"
    with pytest.raises(ReviewError, match="Use finalise"):
        svc.set_status(e.council.id, rid, ReviewStatus.FINALISED)

    # a review with no planned date is held today
    fixed = TODAY - timedelta(days=2)
    other = pick(demo_vault, skip=(e,))
    svc_fixed = ReviewService(demo_vault, today=lambda: fixed)
    rid = svc_fixed.plan_review(other.council.id, other.child.id)
    svc_fixed.set_status(other.council.id, rid, ReviewStatus.HELD)
    assert svc_fixed.record(other.council.id, rid).held_date == fixed


def test_finalise_refused_without_participation_code_then_accepted(
        demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, lambda e: e.age >= 4)
    cid, chid = e.council.id, e.child.id
    rid = svc.plan_review(cid, chid, TODAY)
    with pytest.raises(ReviewError, match="has not been marked as held"):
        svc.finalise(cid, rid)
    svc.set_status(cid, rid, ReviewStatus.HELD)
    with pytest.raises(ReviewError) as refused:
        svc.finalise(cid, rid)
    assert str(refused.value) == ("The review cannot be finalised yet: a participation code "
                                  "(PN0-PN7) is needed for a held review.")
    assert svc.record(cid, rid).status is ReviewStatus.HELD
    assert svc.child(cid, chid).record.reviews_held == e.child.record.reviews_held

    with pytest.raises(ReviewError, match="PN9 is not a participation code"):
        svc.update_review(cid, rid, participation_code="PN9")
    svc.update_review(cid, rid, participation_code="PN0")
    with pytest.raises(ReviewError, match="PN0 is only for a child under 4"):
        svc.finalise(cid, rid)

    svc.update_review(cid, rid, participation_code="PN5")
    svc.finalise(cid, rid)
    rec = svc.record(cid, rid)
    assert rec.finalised and rec.participation_code == "PN5"
    assert rec.finalised_at is not None
    assert abs(rec.finalised_at - datetime.now()) < timedelta(minutes=1)

    # a child under 4 on the review date: PN0 and only PN0
    small = pick(demo_vault, lambda e: e.age <= 2)
    rid = held_review(svc, small, code="PN1")
    with pytest.raises(ReviewError, match="under 4 on the review date: the code is PN0"):
        svc.finalise(small.council.id, rid)
    svc.update_review(small.council.id, rid, participation_code="PN0")
    svc.finalise(small.council.id, rid)
    assert svc.record(small.council.id, rid).finalised


def test_finalise_moves_the_childs_due_date_six_months_on(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, lambda e: e.child.record.reviews_held >= 2)
    cid, chid = e.council.id, e.child.id
    before = entry_for(demo_vault, cid, chid)
    held = TODAY
    rid = finalised_review(svc, e, held)

    child = svc.child(cid, chid).record
    assert child.reviews_held == e.child.record.reviews_held + 1
    assert child.last_review_date == held
    after = entry_for(demo_vault, cid, chid)
    assert after.due.due == add_months(held, 6) != before.due.due
    assert after.due.rule_key == "later" and after.due.basis == held
    assert after.due.review_number == svc.record(cid, rid).number + 1


def test_first_review_moves_the_due_date_three_months_on(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = add_new_child(demo_vault, "NBK", "NBTEST001", date(2015, 3, 4), TODAY - timedelta(days=12))
    cid, chid = e.council.id, e.child.id
    assert e.due.rule_key == "first"
    rid = svc.plan_review(cid, chid, TODAY)
    assert svc.record(cid, rid).number == 1
    svc.set_status(cid, rid, ReviewStatus.HELD)
    # the next review is due within 3 months of the first one
    check = svc.set_next_review(cid, rid, add_months(TODAY, 4))
    assert check is not None and check.later_than_lawful
    assert check.latest_lawful.due == add_months(TODAY, 3)
    assert "3 months of review 1" in check.warning
    svc.update_review(cid, rid, participation_code="PN1")
    svc.finalise(cid, rid)
    after = entry_for(demo_vault, cid, chid)
    assert after.child.record.reviews_held == 1
    assert after.due.due == add_months(TODAY, 3)
    assert after.due.rule_key == "second" and after.due.review_number == 2


def test_held_date_before_looked_after_is_refused_and_caseload_still_lists(
        demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = add_new_child(demo_vault, "EMB", "EMTEST002", date(2014, 1, 9), TODAY - timedelta(days=5))
    cid, chid = e.council.id, e.child.id
    rid = svc.plan_review(cid, chid, TODAY)
    svc.set_status(cid, rid, ReviewStatus.HELD)
    svc.update_review(cid, rid, participation_code="PN1")
    held = svc.record(cid, rid).held_date
    typo = TODAY - timedelta(days=30)  # a typo in the year: before the child became looked after
    with pytest.raises(ReviewError, match="before the child became looked after"):
        svc.update_review(cid, rid, held_date=typo)
    assert svc.record(cid, rid).held_date == held != typo  # the typo was not stored
    svc.finalise(cid, rid)  # the record finalises on the date it had
    after = entry_for(demo_vault, cid, chid)
    assert after.child.record.last_review_date == held
    assert len(entries(demo_vault)) == 73  # the caseload still lists every child


def test_code_typed_in_lower_case_is_stored_upper_case_and_pn0_refused_for_ten_year_old(
        demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, lambda e: e.age >= 10)
    rid = held_review(svc, e, code="PN1")
    svc.update_review(e.council.id, rid, participation_code="pn0")
    assert svc.record(e.council.id, rid).participation_code == "PN0"
    with pytest.raises(ReviewError, match="PN0 is only for a child under 4"):
        svc.finalise(e.council.id, rid)


def test_every_edit_after_finalise_raises_review_locked(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, lambda e: e.age >= 4)
    cid, chid = e.council.id, e.child.id
    person = svc.add_person(cid, chid, "Sam Carer", "Carer")
    rid = held_review(svc, e)
    svc.save_texts(cid, {(rid, "voice.views"): "I like it here"})
    svc.finalise(cid, rid)
    counts = table_counts(demo_vault, cid)

    # Typing that reaches a finalised record is refused (returned), never written.
    assert svc.save_texts(cid, {(rid, "voice.views"): "changed"}) == [(rid, "voice.views")]
    attempts = {
        "update_review": lambda: svc.update_review(cid, rid, venue="Elsewhere"),
        "add_decision": lambda: svc.add_decision(cid, rid, "Book dentist", responsible="SW"),
        "set_attendance": lambda: svc.set_attendance(cid, rid, person.id,
                                                     AttendanceStatus.ATTENDED),
        "set_status": lambda: svc.set_status(cid, rid, ReviewStatus.RECORDING),
        "set_item_state": lambda: svc.set_item_state(cid, rid, "health", ItemState.DONE),
        "add_item": lambda: svc.add_item(cid, rid, "Late item"),
        "set_next_review": lambda: svc.set_next_review(cid, rid, add_months(TODAY, 6)),
        "finalise again": lambda: svc.finalise(cid, rid),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ReviewLockedError, match="finalised. Use Amend") as info:
            attempt()
        assert info.value.code == "review.finalised", name
    rec = svc.record(cid, rid)
    assert rec.texts == {"voice.views": "I like it here"}
    assert rec.venue == "" and rec.attendance == [] and rec.decisions == []
    assert table_counts(demo_vault, cid) == counts


def test_amend_keeps_the_old_text_with_reason_and_time(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    cid = e.council.id
    rid = held_review(svc, e)
    svc.save_texts(cid, {(rid, "voice.views"): "I like it here"})
    with pytest.raises(ReviewError, match="Only a finalised record is amended"):
        svc.amend(cid, rid, "voice.views", "x", "typo")
    svc.finalise(cid, rid)

    with pytest.raises(ReviewError, match="needs a reason"):
        svc.amend(cid, rid, "voice.views", "I like it here a lot", "   ")
    with pytest.raises(ReviewError, match="unknown text field"):
        svc.amend(cid, rid, "voice.secret", "x", "typo")

    start = datetime.now()
    svc.amend(cid, rid, "voice.views", "I like it here a lot", "Child clarified by phone")
    svc.amend(cid, rid, "agenda:health", "Dentist booked.", "Omitted from the record")
    end = datetime.now()

    rec = svc.record(cid, rid)
    assert rec.finalised
    assert rec.texts["voice.views"] == "I like it here a lot"
    assert rec.texts["agenda:health"] == "Dentist booked."
    first, second = rec.amendments
    assert (first.key, first.old_value, first.new_value, first.reason) == (
        "voice.views", "I like it here", "I like it here a lot", "Child clarified by phone")
    assert (second.key, second.old_value, second.new_value) == (
        "agenda:health", "", "Dentist booked.")
    assert start - timedelta(seconds=1) <= first.at <= second.at <= end + timedelta(seconds=1)


# ---- attendance and the child's network -----------------------------------------------------


def test_attendance_statuses_and_excluded_needs_a_reason(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    cid, chid = e.council.id, e.child.id
    rid = svc.plan_review(cid, chid, TODAY)
    people = [svc.add_person(cid, chid, f"Person {s.value}", "Other", "Org")
              for s in AttendanceStatus]
    assert svc.network(cid, chid) == people
    for person, status in zip(people, AttendanceStatus):
        if status is AttendanceStatus.EXCLUDED:
            for blank in ("", "   \n"):
                with pytest.raises(ReviewError, match="Say why the person was excluded"):
                    svc.set_attendance(cid, rid, person.id, status, blank)
            svc.set_attendance(cid, rid, person.id, status, "Risk to the child; left at 11:00")
        else:
            svc.set_attendance(cid, rid, person.id, status)
    rec = svc.record(cid, rid)
    assert [(a.person, a.status) for a in rec.attendance] == list(zip(people, AttendanceStatus))
    excluded = next(a for a in rec.attendance if a.status is AttendanceStatus.EXCLUDED)
    assert excluded.reason == "Risk to the child; left at 11:00"

    # changing someone's status replaces it, it does not add a second line
    svc.set_attendance(cid, rid, people[0].id, AttendanceStatus.APOLOGIES)
    rec = svc.record(cid, rid)
    assert len(rec.attendance) == len(people)
    assert rec.attendance[0].status is AttendanceStatus.APOLOGIES


def test_person_from_another_childs_network_is_refused(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    other = pick(demo_vault, lambda x: x.council.id == e.council.id, skip=(e,))
    cid = e.council.id
    stranger = svc.add_person(cid, other.child.id, "Other Parent", "Parent")
    rid = svc.plan_review(cid, e.child.id, TODAY)
    with pytest.raises(ReviewError, match="not in this child's network"):
        svc.set_attendance(cid, rid, stranger.id, AttendanceStatus.ATTENDED)
    with pytest.raises(ReviewError, match="not in this child's network"):
        svc.set_attendance(cid, rid, 99_999, AttendanceStatus.ATTENDED)
    with pytest.raises(ReviewError, match="not in this child's network"):
        svc.add_decision(cid, rid, "Do something", person_id=stranger.id)
    rec = svc.record(cid, rid)
    assert rec.attendance == [] and rec.decisions == []


# ---- decisions ---------------------------------------------------------------------------


def test_decisions_carry_forward_update_and_drift(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, long_in_care)
    cid, chid = e.council.id, e.child.id
    sw = svc.add_person(cid, chid, "Jo Fielding", "Social worker", "Northbrook")

    # review 1: three decisions
    r1 = held_review(svc, e, TODAY - timedelta(days=200))
    dentist = svc.add_decision(cid, r1, "Book a dentist appointment", person_id=sw.id,
                               due_date=TODAY - timedelta(days=150), agenda_key="health")
    pep = svc.add_decision(cid, r1, "Update the PEP", responsible="Designated teacher",
                           agenda_key="education")
    life_story = svc.add_decision(cid, r1, "Start life story work", responsible="SW")
    assert dentist.responsible == "Jo Fielding (Social worker)"
    assert pep.responsible == "Designated teacher"
    with pytest.raises(ReviewError, match="needs its text"):
        svc.add_decision(cid, r1, "   ", responsible="SW")
    with pytest.raises(ReviewError, match="who is responsible"):
        svc.add_decision(cid, r1, "Something")
    with pytest.raises(ReviewError, match="not an earlier decision"):
        svc.update_decision(cid, r1, dentist.id, DecisionStatus.DONE)
    svc.finalise(cid, r1)
    n1 = svc.record(cid, r1).number
    assert [d.text for d in svc.record(cid, r1).decisions] == [
        "Book a dentist appointment", "Update the PEP", "Start life story work"]

    # review 2: they appear as earlier decisions, and are updated
    r2 = svc.plan_review(cid, chid, TODAY - timedelta(days=100))
    rec2 = svc.record(cid, r2)
    assert [d.id for d in rec2.earlier_decisions] == [dentist.id, pep.id, life_story.id]
    assert all(d.review_number == n1 and d.status is DecisionStatus.OPEN
               and d.update_status is None and not d.drifting for d in rec2.earlier_decisions)
    assert rec2.decisions == []
    with pytest.raises(ReviewError, match="Choose done"):
        svc.update_decision(cid, r2, dentist.id, DecisionStatus.OPEN)
    svc.update_decision(cid, r2, dentist.id, DecisionStatus.DONE, "Seen 3 March")
    svc.update_decision(cid, r2, pep.id, DecisionStatus.NOT_DONE, "School did not meet")
    svc.update_decision(cid, r2, life_story.id, DecisionStatus.IN_PROGRESS, "first draft")
    svc.update_decision(cid, r2, life_story.id, DecisionStatus.NOT_DONE, "not started")  # corrected
    rec2 = svc.record(cid, r2)
    by_id = {d.id: d for d in rec2.earlier_decisions}
    assert set(by_id) == {dentist.id, pep.id, life_story.id}, "a done one is shown where it was done"
    assert (by_id[dentist.id].update_status, by_id[dentist.id].update_comment) == (
        DecisionStatus.DONE, "Seen 3 March")
    assert by_id[dentist.id].status is DecisionStatus.DONE
    assert by_id[pep.id].update_status is DecisionStatus.NOT_DONE
    assert by_id[life_story.id].update_comment == "not started"
    assert not any(d.drifting for d in rec2.earlier_decisions), "one 'not done' is not drift"
    svc.set_status(cid, r2, ReviewStatus.HELD)
    svc.update_review(cid, r2, participation_code="PN2")
    svc.finalise(cid, r2)

    # review 3: done decisions are gone; 'not done' twice is drift, 'in progress' is not
    r3 = svc.plan_review(cid, chid, TODAY)
    rec3 = svc.record(cid, r3)
    assert [d.id for d in rec3.earlier_decisions] == [pep.id, life_story.id]
    svc.update_decision(cid, r3, pep.id, DecisionStatus.NOT_DONE, "Still not done")
    svc.update_decision(cid, r3, life_story.id, DecisionStatus.IN_PROGRESS, "Started")
    by_id = {d.id: d for d in svc.record(cid, r3).earlier_decisions}
    assert by_id[pep.id].drifting is True
    assert by_id[life_story.id].drifting is False
    # the drift shows in the child's open decisions too
    open_now = {d.id: d for d in svc.open_decisions(cid, chid)}
    assert set(open_now) == {pep.id, life_story.id}
    assert open_now[pep.id].drifting and not open_now[life_story.id].drifting

    # review 2's record still shows what was decided there
    assert {d.id for d in svc.record(cid, r2).earlier_decisions} == {
        dentist.id, pep.id, life_story.id}


def test_open_decisions_and_overdue(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, long_in_care)
    cid, chid = e.council.id, e.child.id
    r1 = held_review(svc, e, TODAY - timedelta(days=100))
    past = svc.add_decision(cid, r1, "Overdue action", responsible="SW",
                            due_date=TODAY - timedelta(days=1))
    due_today = svc.add_decision(cid, r1, "Due today", responsible="SW", due_date=TODAY)
    future = svc.add_decision(cid, r1, "Later action", responsible="SW",
                              due_date=TODAY + timedelta(days=30))
    undated = svc.add_decision(cid, r1, "No date", responsible="SW")
    done_late = svc.add_decision(cid, r1, "Done, was due long ago", responsible="SW",
                                 due_date=TODAY - timedelta(days=60))
    svc.finalise(cid, r1)
    r2 = svc.plan_review(cid, chid, TODAY)
    svc.update_decision(cid, r2, done_late.id, DecisionStatus.DONE)
    current = svc.add_decision(cid, r2, "New at review 2", responsible="IRO")

    open_now = {d.id: d for d in svc.open_decisions(cid, chid)}
    assert set(open_now) == {past.id, due_today.id, future.id, undated.id, current.id}
    assert open_now[past.id].is_overdue(TODAY)
    assert not open_now[due_today.id].is_overdue(TODAY), "due today is not overdue yet"
    assert open_now[due_today.id].is_overdue(TODAY + timedelta(days=1))
    assert not open_now[future.id].is_overdue(TODAY)
    assert not open_now[undated.id].is_overdue(TODAY + timedelta(days=3650))
    done = next(d for d in svc.record(cid, r2).earlier_decisions if d.id == done_late.id)
    assert done.status is DecisionStatus.DONE and not done.is_overdue(TODAY)
    assert open_now[current.id].review_number == svc.record(cid, r2).number

    # 'no longer needed' is shown at the review that said so, then drops off
    svc.update_decision(cid, r2, undated.id, DecisionStatus.NO_LONGER_NEEDED, "Placement stable")
    assert undated.id in {d.id for d in svc.record(cid, r2).earlier_decisions}
    assert undated.id not in {d.id for d in svc.open_decisions(cid, chid)}
    svc.set_status(cid, r2, ReviewStatus.HELD)
    svc.update_review(cid, r2, participation_code="PN6")
    svc.finalise(cid, r2)
    r3 = svc.plan_review(cid, chid, add_months(TODAY, 6))
    assert {d.id for d in svc.record(cid, r3).earlier_decisions} == {
        past.id, due_today.id, future.id, current.id}


# ---- next review -------------------------------------------------------------------------


def test_set_next_review_warns_only_when_later_than_lawful(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, lambda e: e.child.record.reviews_held >= 2)
    cid = e.council.id
    rid = svc.plan_review(cid, e.child.id, TODAY)
    assert svc.set_next_review(cid, rid, add_months(TODAY, 9)) is None, "not held: no check yet"
    svc.set_status(cid, rid, ReviewStatus.HELD)
    lawful = add_months(TODAY, 6)

    late = svc.set_next_review(cid, rid, lawful + timedelta(days=1), "Family centre")
    assert late is not None and late.later_than_lawful
    assert late.latest_lawful.due == lawful
    assert "within 6 months of the previous review" in late.latest_lawful.rule
    assert late.warning == (f"This is later than the latest lawful date, {lawful:%d/%m/%Y}: "
                            f"{late.latest_lawful.rule}.")
    rec = svc.record(cid, rid)
    assert rec.next_review_date == lawful + timedelta(days=1)
    assert rec.texts["next.venue"] == "Family centre"

    for when in (lawful, lawful - timedelta(days=30)):
        check = svc.set_next_review(cid, rid, when)
        assert check is not None and not check.later_than_lawful and check.warning == ""
    assert svc.record(cid, rid).next_review_date == lawful - timedelta(days=30)


# ---- agenda ------------------------------------------------------------------------------


def test_ad_hoc_items_go_before_the_summary_and_item_states(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault, lambda e: 5 <= e.age <= 13)
    cid = e.council.id
    rid = svc.plan_review(cid, e.child.id, TODAY)
    template_keys = [i.key for i in svc.record(cid, rid).agenda]
    first = svc.add_item(cid, rid, "  Court   hearing\n next week ")
    second = svc.add_item(cid, rid, "Bike safety")
    assert (first.key, first.title, first.ad_hoc, first.state) == (
        "adhoc_1", "Court hearing next week", True, ItemState.NOT_STARTED)
    assert first.text_key == "agenda:adhoc_1"
    keys = [i.key for i in svc.record(cid, rid).agenda]
    assert keys == template_keys[:-2] + ["adhoc_1", "adhoc_2", "summary", "next_review"]
    assert second.key == "adhoc_2"
    with pytest.raises(ReviewError, match="needs a title"):
        svc.add_item(cid, rid, " \n\t ")

    svc.set_item_state(cid, rid, "health", ItemState.DONE)
    svc.set_item_state(cid, rid, "adhoc_2", ItemState.NOT_APPLICABLE)
    with pytest.raises(ReviewError, match="not in this review"):
        svc.set_item_state(cid, rid, "pathway", ItemState.DONE)  # not on a child's agenda
    # typing into an item marks it in progress (not when only spaces, not when already done)
    svc.save_texts(cid, {(rid, "agenda:wishes"): "Wants to see her brother more",
                         (rid, "agenda:placement"): "   ",
                         (rid, "agenda:health"): "Dentist booked",
                         (rid, "agenda:adhoc_1"): "Hearing on Tuesday"})
    states = {i.key: i.state for i in svc.record(cid, rid).agenda}
    assert states["wishes"] is ItemState.IN_PROGRESS
    assert states["placement"] is ItemState.NOT_STARTED
    assert states["health"] is ItemState.DONE
    assert states["adhoc_1"] is ItemState.IN_PROGRESS
    assert states["adhoc_2"] is ItemState.NOT_APPLICABLE


# ---- text: hostile input, size ------------------------------------------------------------


def test_hostile_text_saved_and_read_back_intact(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    hostile: list[str] = json.loads((SHARED_DATA / "hostile-text.json").read_text("utf-8"))
    assert any("\x00" in s for s in hostile) and max(map(len, hostile)) >= 100_000
    e = pick(demo_vault)
    cid = e.council.id
    rid = svc.plan_review(cid, e.child.id, TODAY)
    for number, text in enumerate(hostile):
        expected = text.replace("\x00", "\ufffd")  # documented: SQLite would cut at a NUL
        svc.save_texts(cid, {(rid, "agenda:health"): text, (rid, "voice.views"): text})
        texts = svc.record(cid, rid).texts
        assert texts["agenda:health"] == expected, f"hostile string {number} (agenda)"
        assert texts["voice.views"] == expected, f"hostile string {number} (voice.views)"
        if text.strip():
            dec = svc.add_decision(cid, rid, text, responsible="SW")
            assert dec.text == expected, f"hostile string {number} (decision)"
    # the SQL-looking strings did nothing to the database
    assert len(entries(demo_vault)) == 72
    assert len(svc.record(cid, rid).decisions) == sum(1 for s in hostile if s.strip())


def test_text_over_the_limit_is_refused_and_earlier_text_kept(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    cid = e.council.id
    rid = svc.plan_review(cid, e.child.id, TODAY)
    svc.save_texts(cid, {(rid, "voice.views"): "What she said first",
                         (rid, "agenda:health"): "Health first"})
    with pytest.raises(ReviewError, match="one field holds at most 1,000,000") as info:
        svc.save_texts(cid, {(rid, "agenda:health"): "Health changed",
                             (rid, "voice.views"): "x" * (MAX_TEXT + 1)})
    assert "Nothing you typed before was lost" in str(info.value)
    texts = svc.record(cid, rid).texts
    assert texts == {"voice.views": "What she said first", "agenda:health": "Health first"}, \
        "the batch is all or nothing"
    svc.save_texts(cid, {(rid, "voice.views"): "y" * MAX_TEXT})  # exactly the limit is fine
    assert svc.record(cid, rid).texts["voice.views"] == "y" * MAX_TEXT


def test_unknown_fields_and_missing_details_are_refused(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    council = demo_vault.councils()[0]
    with pytest.raises(ReviewError, match="not in this council's records"):
        svc.plan_review(council.id, 99_999, TODAY)
    e = pick(demo_vault)
    cid = e.council.id
    with pytest.raises(ReviewError, match="name and a role"):
        svc.add_person(cid, e.child.id, "  ", "Carer")
    with pytest.raises(ReviewError, match="name and a role"):
        svc.add_person(cid, e.child.id, "Sam", "")
    rid = svc.plan_review(cid, e.child.id, TODAY)
    for key in ("voice.secret", "agenda:", "notes"):
        with pytest.raises(ReviewError, match="unknown text field"):
            svc.save_texts(cid, {(rid, key): "x"})
    with pytest.raises(ReviewError, match="unknown review field"):
        svc.update_review(cid, rid, status="finalised")
    rec = svc.record(cid, rid)
    assert rec.texts == {} and rec.status is ReviewStatus.PLANNED
    assert svc.network(cid, e.child.id) == []


# ---- one database per council ---------------------------------------------------------------


def test_review_id_from_another_council_is_not_found_and_writes_nothing(
        demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    a = pick(demo_vault, lambda e: e.age >= 4)
    b_council = next(c for c in demo_vault.councils() if c.id != a.council.id)
    b = b_council.id
    sw = svc.add_person(a.council.id, a.child.id, "Jo", "Social worker")
    rid = held_review(svc, a)
    svc.save_texts(a.council.id, {(rid, "voice.views"): "A's child"})
    with demo_vault.session(b) as s:
        assert s.get(ReviewRow, rid) is None, "precondition: B has no review with this id"
    before_b, children_b = table_counts(demo_vault, b), child_row_snapshot(demo_vault, b)
    before_a = table_counts(demo_vault, a.council.id)

    attempts = {
        "record": lambda: svc.record(b, rid),
        "save_texts": lambda: svc.save_texts(b, {(rid, "voice.views"): "written to B?"}),
        "update_review": lambda: svc.update_review(b, rid, venue="B"),
        "set_status": lambda: svc.set_status(b, rid, ReviewStatus.RECORDING),
        "set_attendance": lambda: svc.set_attendance(b, rid, sw.id, AttendanceStatus.ATTENDED),
        "add_decision": lambda: svc.add_decision(b, rid, "x", responsible="SW"),
        "set_item_state": lambda: svc.set_item_state(b, rid, "health", ItemState.DONE),
        "add_item": lambda: svc.add_item(b, rid, "x"),
        "set_next_review": lambda: svc.set_next_review(b, rid, TODAY),
        "finalise": lambda: svc.finalise(b, rid),
        "amend": lambda: svc.amend(b, rid, "voice.views", "x", "reason"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ReviewError, match="not in this council's records") as info:
            attempt()
        assert not isinstance(info.value, ReviewLockedError), name
    assert table_counts(demo_vault, b) == before_b
    assert child_row_snapshot(demo_vault, b) == children_b
    assert table_counts(demo_vault, a.council.id) == before_a
    rec = svc.record(a.council.id, rid)
    assert rec.texts == {"voice.views": "A's child"} and rec.status is ReviewStatus.HELD


# ---- opening a review costs the same whatever the child's history ----------------------------


def child_with_history(vault, svc: ReviewService, ref: str, past: int) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A child in care for eleven years with ``past`` finalised reviews, each making three
    decisions (one for a person in the network) and updating the review before's (one done,
    one in progress, one left open); then an open review that updates them too. Returns the
    council id and the open review's id."""
    e = add_new_child(vault, "NBK", ref, TODAY - timedelta(days=16 * 365),
                      TODAY - timedelta(days=11 * 365))
    council_id = e.council.id
    svc.add_person(council_id, e.child.id, "Dana Price", "Parent")
    first = TODAY - timedelta(days=11 * 365 - 20)
    earlier: list[int] = []
    for n in range(past + 1):
        rid = held_review(svc, e, first + timedelta(days=180 * n)) if n < past else (
            svc.plan_review(council_id, e.child.id, TODAY))
        people = svc.invite_network(council_id, rid)
        svc.set_attendance(council_id, rid, people[0].id, AttendanceStatus.ATTENDED)
        svc.save_texts(council_id, {(rid, "voice.views"): f"Views at review {n + 1}."})
        for decision_id, status in zip(earlier, (DecisionStatus.DONE,
                                                 DecisionStatus.IN_PROGRESS)):
            svc.update_decision(council_id, rid, decision_id, status, "checked")
        made = [svc.add_decision(council_id, rid, f"Decision {n + 1}.{k}",
                                 person_id=people[0].id if k == 0 else None,
                                 responsible="" if k == 0 else "Social worker")
                for k in range(3)]
        earlier = [d.id for d in made]
        if n < past:
            svc.finalise(council_id, rid)
    return council_id, rid


def statements_to_open(svc: ReviewService, council_id: str, review_id: int):  # type: ignore[no-untyped-def]
    """The record as opened, and how many SQL statements opening it ran."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        rec = svc.record(council_id, review_id)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return rec, seen


def test_opening_a_review_runs_as_many_statements_after_twenty_reviews_as_after_two(
        demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    short = child_with_history(demo_vault, svc, "NBHIST02", 2)
    long = child_with_history(demo_vault, svc, "NBHIST20", 20)
    svc.record(*short)  # the first read compiles statements; count the ones after
    rec_short, sql_short = statements_to_open(svc, *short)
    rec_long, sql_long = statements_to_open(svc, *long)

    for rec, past in ((rec_short, 2), (rec_long, 20)):
        assert rec.number == past + 1 and not rec.finalised
        # every earlier decision ever made, less those closed before this review
        assert len(rec.earlier_decisions) == 3 * past - (past - 1)
        latest = {d.text: d for d in rec.earlier_decisions if d.review_number == past}
        assert latest[f"Decision {past}.0"].update_status is DecisionStatus.DONE
        assert latest[f"Decision {past}.0"].responsible == "Dana Price (Parent)"
        assert latest[f"Decision {past}.1"].update_status is DecisionStatus.IN_PROGRESS
        assert latest[f"Decision {past}.2"].update_status is None
        assert [d.text for d in rec.decisions] == [f"Decision {past + 1}.{k}" for k in range(3)]
        assert rec.decisions[0].responsible == "Dana Price (Parent)"
    assert len(sql_long) == len(sql_short), (
        f"{len(sql_short)} statements for 2 past reviews, {len(sql_long)} for 20:\n"
        + "\n".join(sql_long))
