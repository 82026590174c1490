"""Between-reviews data for the window tests and screenshots: held reviews with
participation codes, a drifting decision, monitoring entries, and escalations at every
stage (one with a response overdue), in the demo's Northbrook council (NBK).

Everything goes through the services, dated relative to the caseload's today, so the
dashboard and the annual report have something to show whatever day the tests run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from iro_desktop.core.escalation import Outcome, Stage
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.core.reviews import DecisionStatus, ReviewStatus
from iro_desktop.services.caseload import CaseloadEntry, CaseloadService
from iro_desktop.services.escalation import EscalationService
from iro_desktop.services.monitoring import MonitoringService
from iro_desktop.services.reviews import ReviewService

COUNCIL = "NBK"
CODES = ("PN1", "PN2", "PN1", "PN5", "PN6", "PN3", "PN1", "PN7")
OVERDUE_CONCERN = "No permanence plan agreed after two reviews"


@dataclass
class Seeded:
    today: date
    reviewed: list[CaseloadEntry] = field(default_factory=list)
    monitored: list[CaseloadEntry] = field(default_factory=list)
    overdue_escalation: CaseloadEntry | None = None
    drifting: CaseloadEntry | None = None
    outbox_ready: int = 0


def _hold(reviews: ReviewService, entry: CaseloadEntry, day: date, code: str,
          *, finalise: bool = True) -> int:
    cid, child = entry.council.id, entry.child.id
    rid = reviews.plan_review(cid, child, day, "Carer's home")
    reviews.set_status(cid, rid, ReviewStatus.HELD)
    reviews.update_review(cid, rid, participation_code=code)
    reviews.save_texts(cid, {(rid, "prep.spoke_alone"): "Spoke alone at school the week before."})
    if finalise:
        reviews.finalise(cid, rid)
    return rid


def seed_between(vault) -> Seeded:  # type: ignore[no-untyped-def]
    caseload = CaseloadService(vault)
    today = caseload.today()
    reviews = ReviewService(vault, today=caseload.today)
    monitoring = MonitoringService(vault, caseload.today)
    escalations = EscalationService(vault, caseload.today)
    seeded = Seeded(today)
    free = [e for e in caseload.entries()
            if e.council.code == COUNCIL and 5 <= e.age <= 15
            and e.child.record.reviews_held >= 1
            and not reviews.reviews(e.council.id, e.child.id)]
    free.sort(key=lambda e: e.child.record.child_ref)
    assert len(free) >= 16, "the demo has too few Northbrook children for the seed"

    # Reviews held over the last year: some children twice (so timeliness is known).
    for i, entry in enumerate(free[:8]):
        first = today - timedelta(days=330 - 30 * i)
        _hold(reviews, entry, first, CODES[i])
        if i < 4:  # the second review: on time for some, late for others
            _hold(reviews, entry, first + timedelta(days=(150, 170, 200, 230)[i]),
                  CODES[(i + 3) % 8])
        seeded.reviewed.append(entry)

    # Two copies of a finalised record waiting in the outbox.
    from iro_desktop.services.outbox import OutboxService

    first = free[0]
    latest = reviews.reviews(first.council.id, first.child.id)[0]
    queued = OutboxService(vault).queue(first.council.id, latest.id, ["full", "decisions"])
    seeded.outbox_ready = sum(1 for item in queued if item.state == "ready")

    # A decision not done at two reviews in a row: drifting, and past its date.
    entry = free[8]
    cid, child = entry.council.id, entry.child.id
    r1 = _hold(reviews, entry, today - timedelta(days=300), "PN1", finalise=False)
    late = reviews.add_decision(cid, r1, "Book a dental check-up", responsible="Carer",
                                due_date=today - timedelta(days=280))
    reviews.finalise(cid, r1)
    r2 = _hold(reviews, entry, today - timedelta(days=140), "PN2", finalise=False)
    reviews.update_decision(cid, r2, late.id, DecisionStatus.NOT_DONE)
    reviews.finalise(cid, r2)
    r3 = _hold(reviews, entry, today - timedelta(days=10), "PN1", finalise=False)
    reviews.update_decision(cid, r3, late.id, DecisionStatus.NOT_DONE, "Still no dentist")
    reviews.set_status(cid, r3, ReviewStatus.RECORDING)  # its record is not finalised yet
    seeded.drifting = entry

    # Monitoring between reviews.
    kinds = [(EntryKind.MIDWAY_REVIEW, None), (EntryKind.CONTACT, None),
             (EntryKind.VISIT, None),
             (EntryKind.SIGNIFICANT_CHANGE, ChangeType.PLACEMENT_MOVE),
             (EntryKind.SIGNIFICANT_CHANGE, ChangeType.SOCIAL_WORKER_CHANGE),
             (EntryKind.SIGNIFICANT_CHANGE, ChangeType.MISSING_EPISODE)]
    for i, entry in enumerate(free[9:15]):
        for j, (kind, change) in enumerate(kinds[: 2 + i % 5]):
            monitoring.add_entry(
                entry.council.id, entry.child.id, kind, today - timedelta(days=100 - 12 * j - i),
                with_whom="Social worker and team manager", checked="Care plan actions, "
                "school attendance and family time", next_step="Check again in a month",
                change_type=change)
        seeded.monitored.append(entry)

    # Escalations: one waiting for an overdue response, one resolved, one at Cafcass.
    entry = free[15]
    cid, child = entry.council.id, entry.child.id
    escalations.raise_concern(cid, child, OVERDUE_CONCERN, "A permanence plan by the next "
                              "review", today + timedelta(days=30),
                              opened_on=today - timedelta(days=30), who="Team manager")
    seeded.overdue_escalation = entry
    entry = free[14]
    e = escalations.raise_concern(entry.council.id, entry.child.id, "Family time not arranged",
                                  "Fortnightly family time with the brother",
                                  None, opened_on=today - timedelta(days=70), who="Social worker")
    escalations.record_response(entry.council.id, e.stages[0].id, "Not yet: no supervisor",
                                today - timedelta(days=60))
    e = escalations.escalate(entry.council.id, e.id, Stage.FORMAL_1, "Team manager",
                             raised_on=today - timedelta(days=58))
    escalations.record_response(entry.council.id, e.stages[-1].id, "Arranged from next week",
                                today - timedelta(days=50))
    escalations.close(entry.council.id, e.id, Outcome.RESOLVED, "Family time started",
                      today - timedelta(days=45))
    entry = free[13]
    e = escalations.raise_concern(entry.council.id, entry.child.id, "No allocated social worker",
                                  "A named social worker", None,
                                  opened_on=today - timedelta(days=120),
                                  stage=Stage.FORMAL_1, who="Team manager")
    escalations.record_response(entry.council.id, e.stages[0].id, "Recruiting",
                                today - timedelta(days=110))
    e = escalations.escalate(entry.council.id, e.id, Stage.FORMAL_3, "Head of service",
                             raised_on=today - timedelta(days=100))
    escalations.record_response(entry.council.id, e.stages[-1].id, "No change possible",
                                today - timedelta(days=90))
    escalations.close(entry.council.id, e.id, Outcome.REFERRED_TO_CAFCASS,
                      "Referred for advice", today - timedelta(days=85))
    return seeded
