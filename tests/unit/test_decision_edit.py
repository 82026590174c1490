"""Decisions of a review can be corrected until the record is finalised, and amended (with
a reason, the earlier wording kept) afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from iro_desktop.services.reviews import ReviewError, ReviewLockedError, ReviewService
from tests.unit.test_reviews_service import (  # noqa: F401 - fixtures
    TODAY,
    demo_vault,
    held_review,
    pick,
    svc,
)


def test_edit_a_decision_before_finalising(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    cid = e.council.id
    rid = held_review(svc, e)
    carer = svc.add_person(cid, e.child.id, "Sam Carer", "Carer")
    d = svc.add_decision(cid, rid, "Book a dentist", responsible="Carer",
                         due_date=TODAY + timedelta(weeks=2), agenda_key="education")
    svc.edit_decision(cid, rid, d.id, "Book a dental check-up", person_id=carer.id,
                      due_date=TODAY + timedelta(weeks=3), agenda_key="health")
    [saved] = svc.record(cid, rid).decisions
    assert (saved.text, saved.responsible, saved.due_date, saved.agenda_key) == (
        "Book a dental check-up", "Sam Carer (Carer)", TODAY + timedelta(weeks=3), "health")
    with pytest.raises(ReviewError, match="text"):
        svc.edit_decision(cid, rid, d.id, "  ", person_id=carer.id)
    with pytest.raises(ReviewError, match="day of the review"):
        svc.edit_decision(cid, rid, d.id, "Book", responsible="Carer", due_date=TODAY)
    assert svc.record(cid, rid).decisions[0].text == "Book a dental check-up"  # kept


def test_delete_a_decision_before_finalising(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    cid = e.council.id
    rid = held_review(svc, e)
    keep = svc.add_decision(cid, rid, "Refer for tutoring", responsible="Virtual school")
    wrong = svc.add_decision(cid, rid, "Typed for the wrong child", responsible="SW")
    svc.delete_decision(cid, rid, wrong.id)
    assert [d.id for d in svc.record(cid, rid).decisions] == [keep.id]
    svc.finalise(cid, rid)
    with pytest.raises(ReviewLockedError):
        svc.delete_decision(cid, rid, keep.id)
    with pytest.raises(ReviewLockedError):
        svc.edit_decision(cid, rid, keep.id, "Changed", responsible="x")
    assert [d.text for d in svc.record(cid, rid).decisions] == ["Refer for tutoring"]


def test_amend_a_decision_after_finalising_keeps_the_earlier_wording(demo_vault,  # type: ignore[no-untyped-def]
                                                                     svc: ReviewService) -> None:
    e = pick(demo_vault)
    cid = e.council.id
    rid = held_review(svc, e)
    d = svc.add_decision(cid, rid, "Refer for tutoring", responsible="Virtual school",
                         due_date=TODAY + timedelta(weeks=6))
    with pytest.raises(ReviewError, match="Only a finalised"):
        svc.amend_decision(cid, rid, d.id, "x", "reason", responsible="x")
    svc.finalise(cid, rid)
    with pytest.raises(ReviewError, match="reason"):
        svc.amend_decision(cid, rid, d.id, "Refer for maths tutoring", " ",
                           responsible="Virtual school")
    svc.amend_decision(cid, rid, d.id, "Refer for maths tutoring", "Subject was left out",
                       responsible="Virtual school", due_date=TODAY + timedelta(weeks=6))
    rec = svc.record(cid, rid)
    assert rec.decisions[0].text == "Refer for maths tutoring"
    [amendment] = rec.amendments
    assert amendment.reason == "Subject was left out"
    assert amendment.old_value.startswith("Refer for tutoring \u2014 Virtual school")
    assert "maths" in amendment.new_value


def test_a_decision_of_another_review_is_refused(demo_vault, svc: ReviewService) -> None:  # type: ignore[no-untyped-def]
    e = pick(demo_vault)
    other = pick(demo_vault, lambda o: o.council.id == e.council.id, skip=(e,))
    rid = held_review(svc, e)
    other_rid = held_review(svc, other)
    d = svc.add_decision(other.council.id, other_rid, "Theirs", responsible="SW")
    with pytest.raises(ReviewError, match="not one of this review"):
        svc.delete_decision(e.council.id, rid, d.id)
    assert len(svc.record(other.council.id, other_rid).decisions) == 1
