"""Monitoring between reviews: the log per child, and a significant change bringing the next
review forward on the caseload until a review is held."""

from __future__ import annotations

from datetime import date

import pytest

from iro_desktop.core.models import Nation
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.core.review_clock import DueStatus, add_months
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.monitoring import MonitoringError, MonitoringService
from iro_desktop.services.reviews import ReviewService

TODAY = date(2026, 6, 30)
LAST_REVIEW = date(2026, 3, 2)  # review 4; review 5 is due 6 months later
HEADER = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
          "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
          "last_review_date,reviews_held,social_worker,notes\n")


@pytest.fixture
def child(vault):  # type: ignore[no-untyped-def]
    CaseloadService(vault, today=lambda: TODAY).import_caseload(
        (HEADER + f"NBK,Northbrook City Council,NB1,Ava,Brook,,01/02/2014,F,C2,U4,01/03/2022,"
                  f"{LAST_REVIEW:%d/%m/%Y},4,Jo Fielding,\n").encode(),
        nations={"NBK": Nation.ENGLAND})
    council = vault.council_by_code("NBK")
    entry = CaseloadService(vault, today=lambda: TODAY).entries()[0]
    return vault, council.id, entry.child.id


def _entry(vault):  # type: ignore[no-untyped-def]
    return CaseloadService(vault, today=lambda: TODAY).entries()[0]


def test_log_entries_of_every_kind_newest_first(child) -> None:  # type: ignore[no-untyped-def]
    vault, cid, child_id = child
    service = MonitoringService(vault, today=lambda: TODAY)
    service.add_entry(cid, child_id, EntryKind.MIDWAY_REVIEW, date(2026, 5, 1),
                      with_whom="Jo Fielding (social worker)", checked="Care plan on track; "
                      "PEP done", next_step="Chase the dentist by 15/05")
    service.add_entry(cid, child_id, EntryKind.CONTACT, date(2026, 5, 20),
                      with_whom="Carer by phone", checked="School attendance")
    service.add_entry(cid, child_id, EntryKind.VISIT, date(2026, 6, 2),
                      with_whom="Ava at home", checked="Her views on contact")
    service.add_entry(cid, child_id, EntryKind.SIGNIFICANT_CHANGE, date(2026, 6, 10),
                      with_whom="Team manager", checked="Why the social worker changed",
                      change_type=ChangeType.SOCIAL_WORKER_CHANGE)
    log = service.entries(cid, child_id)
    assert [e.kind for e in log] == [EntryKind.SIGNIFICANT_CHANGE, EntryKind.VISIT,
                                     EntryKind.CONTACT, EntryKind.MIDWAY_REVIEW]
    assert log[0].change_type is ChangeType.SOCIAL_WORKER_CHANGE
    assert log[0].title == "Change of social worker, 10/06/2026"
    assert log[3].next_step == "Chase the dentist by 15/05"
    assert log[3].title == "Midway review, 01/05/2026"
    # nothing brought forward: the statutory date stands
    assert _entry(vault).due.due == add_months(LAST_REVIEW, 6)


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": EntryKind.CONTACT, "entry_date": date(2026, 7, 1), "checked": "x"}, "future"),
    ({"kind": EntryKind.SIGNIFICANT_CHANGE, "entry_date": TODAY, "checked": "x"},
     "Say what changed"),
    ({"kind": EntryKind.CONTACT, "entry_date": TODAY, "checked": "x",
      "change_type": ChangeType.OTHER}, "Only a significant change"),
    ({"kind": EntryKind.VISIT, "entry_date": TODAY, "checked": "   "}, "at least one"),
])
def test_bad_entries_are_refused_with_a_reason(child, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    vault, cid, child_id = child
    service = MonitoringService(vault, today=lambda: TODAY)
    with pytest.raises(MonitoringError, match=message):
        service.add_entry(cid, child_id, **kwargs)
    assert service.entries(cid, child_id) == []


def test_text_is_cleaned_and_entries_can_be_corrected_and_removed(child) -> None:  # type: ignore[no-untyped-def]
    vault, cid, child_id = child
    service = MonitoringService(vault, today=lambda: TODAY)
    entry = service.add_entry(cid, child_id, EntryKind.CONTACT, date(2026, 6, 1),
                              with_whom="  Carer\x00  ", checked="ok")
    assert entry.with_whom == "Carer\ufffd"
    fixed = service.update_entry(cid, entry.id, entry_date=date(2026, 6, 3),
                                 next_step="Visit in July")
    assert (fixed.entry_date, fixed.next_step, fixed.checked) == (date(2026, 6, 3),
                                                                  "Visit in July", "ok")
    service.delete_entry(cid, entry.id)
    assert service.entries(cid, child_id) == []
    with pytest.raises(MonitoringError, match="no longer"):
        service.delete_entry(cid, entry.id)


def test_a_placement_move_brings_the_next_review_forward_until_a_review_is_held(child) -> None:  # type: ignore[no-untyped-def]
    vault, cid, child_id = child
    statutory = add_months(LAST_REVIEW, 6)  # 02/09/2026
    assert _entry(vault).status is DueStatus.ON_TRACK
    service = MonitoringService(vault, today=lambda: TODAY)
    move = service.add_entry(cid, child_id, EntryKind.SIGNIFICANT_CHANGE, date(2026, 6, 20),
                             with_whom="Social worker", checked="Emergency move to new carers",
                             change_type=ChangeType.PLACEMENT_MOVE)
    due = service.bring_forward(cid, move.id, date(2026, 7, 15))
    assert due.due == date(2026, 7, 15) and due.rule_key == "brought_forward"
    assert "placement move reported on 20/06/2026" in due.rule
    assert "02/09/2026" in due.rule
    entry = _entry(vault)  # the caseload and the dashboard use the earlier date
    assert entry.due.due == date(2026, 7, 15) and entry.status is DueStatus.DUE_SOON
    override = service.next_review_override(cid, child_id)
    assert override is not None and override.due == date(2026, 7, 15)
    assert service.statutory_due(cid, child_id).due == statutory

    # a later change asking for a later date does not move it back
    other = service.add_entry(cid, child_id, EntryKind.SIGNIFICANT_CHANGE, date(2026, 6, 25),
                              checked="Missing overnight", change_type=ChangeType.MISSING_EPISODE,
                              bring_forward_to=date(2026, 8, 1))
    assert _entry(vault).due.due == date(2026, 7, 15)

    # the review is held (and finalised) after the change: back to the review clock
    reviews = ReviewService(vault, today=lambda: TODAY)
    rid = reviews.plan_review(cid, child_id, date(2026, 6, 29))
    reviews.set_status(cid, rid, ReviewStatus.HELD)
    reviews.update_review(cid, rid, participation_code="PN1")
    assert _entry(vault).due.due == date(2026, 7, 15)  # held but not finalised yet
    reviews.finalise(cid, rid)
    assert service.next_review_override(cid, child_id) is None
    after = _entry(vault)
    assert after.due.rule_key == "later" and after.due.due == add_months(date(2026, 6, 29), 6)
    with pytest.raises(MonitoringError, match="held on 29/06/2026"):
        service.bring_forward(cid, other.id, date(2026, 7, 1))


@pytest.mark.parametrize("to, message", [
    (date(2026, 6, 1), "before the change was reported"),
    (add_months(LAST_REVIEW, 6), "not earlier"),
    (date(2026, 12, 1), "not earlier"),
])
def test_bring_forward_refuses_a_date_that_is_not_forward(child, to, message) -> None:  # type: ignore[no-untyped-def]
    vault, cid, child_id = child
    service = MonitoringService(vault, today=lambda: TODAY)
    change = service.add_entry(cid, child_id, EntryKind.SIGNIFICANT_CHANGE, date(2026, 6, 20),
                               checked="Move", change_type=ChangeType.PLACEMENT_MOVE)
    with pytest.raises(MonitoringError, match=message):
        service.bring_forward(cid, change.id, to)
    assert service.next_review_override(cid, child_id) is None


def test_only_a_significant_change_brings_forward_and_it_can_be_cancelled(child) -> None:  # type: ignore[no-untyped-def]
    vault, cid, child_id = child
    service = MonitoringService(vault, today=lambda: TODAY)
    contact = service.add_entry(cid, child_id, EntryKind.CONTACT, TODAY, checked="ok")
    with pytest.raises(MonitoringError, match="Only a significant change"):
        service.bring_forward(cid, contact.id, date(2026, 7, 10))
    change = service.add_entry(cid, child_id, EntryKind.SIGNIFICANT_CHANGE, TODAY,
                               checked="Return home planned", change_type=ChangeType.OTHER,
                               bring_forward_to=date(2026, 7, 10))
    assert _entry(vault).due.due == date(2026, 7, 10)
    service.cancel_bring_forward(cid, change.id)
    assert _entry(vault).due.due == add_months(LAST_REVIEW, 6)
