"""A review whose previous review is known only from the caseload CSV is still judged on
time or late in the annual report (it counted as "timeliness not known")."""

from __future__ import annotations

from datetime import date, timedelta

from iro_desktop.core.review_clock import RuleSet
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services.report import ReportService, lawful_due
from iro_desktop.services.reviews import ReviewService
from tests.unit.test_reviews_service import (  # noqa: F401 - fixtures
    TODAY,
    demo_vault,
    pick,
    svc,
)


def _held_and_finalised(svc: ReviewService, cid: str, child_id: int, held: date) -> int:
    rid = svc.plan_review(cid, child_id, held)
    svc.set_status(cid, rid, ReviewStatus.HELD)
    svc.update_review(cid, rid, held_date=held, participation_code="PN1")
    svc.finalise(cid, rid)
    return rid


def test_review_held_three_days_late_after_a_csv_review_counts_as_late(  # type: ignore[no-untyped-def]
        demo_vault, svc: ReviewService) -> None:
    from iro_desktop.storage.models import ChildRow

    def long_in_care(e) -> bool:  # type: ignore[no-untyped-def]
        return e.child.record.date_became_looked_after <= TODAY - timedelta(days=500)

    late = pick(demo_vault, long_in_care)
    on_time = pick(demo_vault, lambda o: long_in_care(o) and o.council.id == late.council.id,
                   skip=(late,))
    cid = late.council.id
    rules = RuleSet.from_dict(demo_vault.council_rules(cid))
    held = {}
    for entry, days_late in ((late, 3), (on_time, 0)):
        with demo_vault.session(cid) as s:  # the caseload CSV: third review 250 days ago
            row = s.get(ChildRow, entry.child.id)
            row.reviews_held, row.last_review_date = 3, TODAY - timedelta(days=250)
        due = lawful_due(4, entry.child.record.date_became_looked_after,
                         TODAY - timedelta(days=250), rules)
        assert due is not None and due.due + timedelta(days=3) <= TODAY
        held[entry.child.id] = due.due + timedelta(days=days_late)
    reports = ReportService(demo_vault, lambda: TODAY)
    start, end = min(held.values()), max(held.values())
    before = reports.report(late.council.code, start, end)
    for entry in (late, on_time):
        _held_and_finalised(svc, cid, entry.child.id, held[entry.child.id])
    after = reports.report(late.council.code, start, end)
    assert after.reviews_held - before.reviews_held == 2
    assert after.reviews_late - before.reviews_late == 1
    assert after.reviews_on_time - before.reviews_on_time == 1
    assert after.reviews_timeliness_unknown == before.reviews_timeliness_unknown
