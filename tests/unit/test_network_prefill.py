"""The child's network is the review's invitees: the child, the social worker and the
carers from the caseload, and everyone kept from the previous review, without typing them again."""

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


CSV_HEADER = ("council_code,council_name,child_ref,first_name,last_name,date_of_birth,gender,"
              "legal_status,placement_type,date_became_looked_after,reviews_held,"
              "social_worker,carers\n")


def test_carers_named_in_the_caseload_csv_are_invited_with_their_relationship(vault) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services.caseload import CaseloadService

    caseload = CaseloadService(vault)
    caseload.import_caseload((CSV_HEADER + (
        "NBK,Northbrook,N1,Rosie,Hart,08/12/2014,F,C2,U1,01/09/2026,0,Jo Fielding,"
        '"Jane  Smith (foster carer); Tom Smith (foster carer)"\n')).encode())
    (entry,) = caseload.entries()
    assert entry.child.record.carers == "Jane Smith (foster carer); Tom Smith (foster carer)"
    svc = ReviewService(vault)
    cid = entry.council.id
    rid = svc.plan_review(cid, entry.child.id, TODAY)
    people = svc.invite_network(cid, rid)
    assert [(p.name, p.role, p.relationship) for p in people] == [
        ("Rosie Hart", "Child", ""), ("Jo Fielding", "Social worker", ""),
        ("Jane Smith", "Carer", "foster carer"), ("Tom Smith", "Carer", "foster carer")]
    # The IRO corrects a relationship; preparing again adds no one twice and keeps it.
    svc.update_person(cid, people[3].id, relationship="foster carer (respite)")
    again = svc.invite_network(cid, rid)
    assert len(again) == 4
    assert again[3].relationship == "foster carer (respite)"


def test_a_carer_already_in_the_network_under_another_role_is_not_added_again(  # type: ignore[no-untyped-def]
        demo_vault, svc: ReviewService) -> None:
    from iro_desktop.storage.models import ChildRow

    e = pick(demo_vault)
    cid = e.council.id
    svc.add_person(cid, e.child.id, "Ann Jones", "Family member", relationship="grandmother")
    with demo_vault.session(cid) as s:
        s.get(ChildRow, e.child.id).carers = "Ann Jones (grandmother, kinship carer)"
    rid = svc.plan_review(cid, e.child.id, TODAY)
    names = [p.name for p in svc.invite_network(cid, rid)]
    assert names.count("Ann Jones") == 1


def test_a_file_without_an_optional_column_keeps_what_is_held(vault) -> None:  # type: ignore[no-untyped-def]
    """A case system that does not export carers empties nothing; an empty cell in a file
    that has the column does say there are none."""
    from iro_desktop.services.caseload import CaseloadService

    child = "NBK,Northbrook,N1,Rosie,Hart,08/12/2014,F,C2,U1,01/09/2026,0,Jo Fielding"
    caseload = CaseloadService(vault)
    caseload.import_caseload((CSV_HEADER + child + ',Jane Smith (aunt)\n').encode())
    without = CSV_HEADER.replace(",carers\n", "\n")
    caseload.import_caseload((without + child.replace("Jo Fielding", "Sam Lee") + "\n").encode())
    (entry,) = caseload.entries()
    assert (entry.child.record.social_worker, entry.child.record.carers) == (
        "Sam Lee", "Jane Smith (aunt)")
    # Nor does a file without the social worker's column forget the social worker.
    no_worker = without.replace(",social_worker\n", "\n")
    caseload.import_caseload((no_worker + child.rsplit(",", 1)[0] + "\n").encode())
    (entry,) = caseload.entries()
    assert (entry.child.record.social_worker, entry.child.record.carers) == (
        "Sam Lee", "Jane Smith (aunt)")
    caseload.import_caseload((CSV_HEADER + child + ",\n").encode())
    (entry,) = caseload.entries()
    assert entry.child.record.carers == ""
