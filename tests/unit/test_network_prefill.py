"""The child's network is the review's invitees: the child and the social worker from the
caseload, and everyone kept from the previous review, without typing them again."""

from __future__ import annotations

from iro_desktop.core.reviews import AttendanceStatus
from iro_desktop.services.reviews import ReviewService
from tests.unit.test_reviews_service import (  # noqa: F401 - fixtures
    TODAY,
    demo_vault,
    finalised_review,
    pick,
    svc,
)


def test_planned_review_invites_the_child_the_social_worker_and_last_network(  # type: ignore[no-untyped-def]
        demo_vault, svc: ReviewService) -> None:
    e = pick(demo_vault, lambda x: bool(x.child.record.social_worker))
    cid, child = e.council.id, e.child
    first = svc.plan_review(cid, child.id, TODAY, "Carer's home")
    people = svc.invite_network(cid, first)
    rec = child.record
    assert [(p.name, p.role) for p in people] == [
        (f"{rec.preferred_name or rec.first_name} {rec.last_name}", "Child"),
        (rec.social_worker, "Social worker")]
    assert {a.status for a in svc.record(cid, first).attendance} == {AttendanceStatus.INVITED}
    carer = svc.add_person(cid, child.id, "Sam Carer", "Carer")
    svc.set_attendance(cid, first, carer.id, AttendanceStatus.ATTENDED)
    svc.invite_network(cid, first)  # again: nobody twice, a status already set is kept
    assert len(svc.network(cid, child.id)) == 3
    statuses = {a.person.name: a.status for a in svc.record(cid, first).attendance}
    assert statuses["Sam Carer"] is AttendanceStatus.ATTENDED
    assert len(statuses) == 3

    svc.set_next_review(cid, first, TODAY, "Hillside School")
    svc.update_review(cid, first, participation_code="PN1")
    from iro_desktop.core.reviews import ReviewStatus

    svc.set_status(cid, first, ReviewStatus.HELD)
    svc.finalise(cid, first)
    assert svc.usual_venue(cid, child.id) == "Hillside School"
    second = svc.plan_review(cid, child.id, TODAY)
    invited = svc.invite_network(cid, second)
    assert {p.name for p in invited} == {p.name for p in people} | {"Sam Carer"}
    assert {a.status for a in svc.record(cid, second).attendance} == {AttendanceStatus.INVITED}


def test_no_social_worker_in_the_caseload_adds_only_the_child(demo_vault,  # type: ignore[no-untyped-def]
                                                             svc: ReviewService) -> None:
    from iro_desktop.storage.models import ChildRow

    e = pick(demo_vault)
    with demo_vault.session(e.council.id) as s:  # a caseload row with no social worker
        s.get(ChildRow, e.child.id).social_worker = ""
    rid = svc.plan_review(e.council.id, e.child.id, TODAY)
    assert [p.role for p in svc.invite_network(e.council.id, rid)] == ["Child"]
    assert svc.usual_venue(e.council.id, e.child.id) == ""
