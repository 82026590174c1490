"""Figures for the IRO's annual report (IRO Handbook chapter 7), for one council and period.

Aggregate figures only: no child's name, reference or words. Every figure is defined in
``core/annual_report.py`` (:data:`DEFINITIONS`, printed in the Word report) and in
docs/between-reviews.md; the report goes out as JSON, CSV and Word
(``export/report_docx.py``).

Timeliness follows the review clock exactly as the council-return CSV does
(``services/returns.py``, column ``held_on_time``): a review is on time when it was held on
or before the latest lawful date set by the review before it (or, for a first review, by
the child becoming looked after). When the review before it was held before the app was
used, the date the caseload CSV gave for it when this review was planned is used; only
when that is missing too is the review counted under "timeliness unknown".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from iro_desktop.core import codes
from iro_desktop.core.annual_report import AnnualReport
from iro_desktop.core.escalation import Outcome, Stage
from iro_desktop.core.models import Council
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.core.review_clock import DueDate, RuleSet, add_months, next_review_due
from iro_desktop.core.reviews import DecisionStatus, ReviewStatus, is_drifting
from iro_desktop.security.errors import VaultError
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.storage.models import (
    AuditEvent,
    ChildRow,
    DecisionRow,
    DecisionUpdateRow,
    EscalationRow,
    EscalationStageRow,
    MonitoringEntryRow,
    ReviewRow,
    ReviewTextRow,
)
from iro_desktop.storage.vault import Vault

SEEN_KEY = "prep.spoke_alone"
ENDED_EVENT = "child.ended"  # audit event written when a child leaves the caseload
_HELD = (ReviewStatus.HELD.value, ReviewStatus.RECORDING.value, ReviewStatus.FINALISED.value)
_CLOSED = (DecisionStatus.DONE, DecisionStatus.NO_LONGER_NEEDED)


class ReportError(VaultError):
    code = "report.error"


# ---- the rules, as pure functions --------------------------------------------------------


def lawful_due(number: int, looked_after: date, previous_held: date | None,
               rules: RuleSet) -> DueDate | None:
    """The latest lawful date of review ``number``; None when it cannot be known here (the
    review before it is not in the app, or the dates contradict each other)."""
    try:
        if number == 1:
            return next_review_due(looked_after, 0, None, rules)
        if previous_held is None:
            return None
        return next_review_due(looked_after, number - 1, previous_held, rules)
    except ValueError:
        return None


def previous_held(review: ReviewRow, child: ChildRow,
                  held_on: dict[tuple[int, int], date | None]) -> date | None:
    """When the review before ``review`` was held: from the app, else as the caseload CSV
    gave it when ``review`` was planned, else from the child's row if it still describes
    that review (the caseload's count is one less). None when it is not known here."""
    in_app = held_on.get((review.child_id, review.number - 1))
    if in_app is not None:
        return in_app
    if review.previous_held_date is not None:
        return review.previous_held_date
    if (child.reviews_held == review.number - 1 and child.last_review_date is not None
            and review.held_date is not None and child.last_review_date < review.held_date):
        return child.last_review_date
    return None


def month_ends(date_from: date, date_to: date) -> list[date]:
    """The last day of each month ending within the period, and the period's last day."""
    out: list[date] = []
    first = date(date_from.year, date_from.month, 1)
    while True:
        end = add_months(first, 1) - timedelta(days=1)
        if end > date_to:
            break
        if end >= date_from:
            out.append(end)
        first = add_months(first, 1)
    if not out or out[-1] != date_to:
        out.append(date_to)
    return out


# ---- the service -------------------------------------------------------------------------


class ReportService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today) -> None:
        self.vault = vault
        self.today = today

    def councils(self) -> list[Council]:
        """The councils a report can be made for."""
        return self.vault.councils()

    def council_by_code(self, code: str) -> Council | None:
        return self.vault.council_by_code(code)

    def word(self, report: AnnualReport, marking: str | None = None) -> bytes:
        """The report as a Word document (.docx bytes), headed with ``marking`` or, without
        one, the council's protective marking."""
        from iro_desktop.export.report_docx import build_report  # python-docx: on first use

        if marking is None:
            council = self.vault.council_by_code(report.council_code)
            if council is None:
                raise ReportError(f"There is no council {report.council_code!r} in this vault.")
            marking = CouncilProfileService(self.vault).values(council.id)["marking"]
        return build_report(report, marking=marking)

    def report(self, council_code: str, date_from: date, date_to: date) -> AnnualReport:
        if date_from > date_to:
            raise ReportError(f"The start date {date_from:%d/%m/%Y} is after the end date "
                              f"{date_to:%d/%m/%Y}.")
        council = self.vault.council_by_code(council_code.strip())
        if council is None:
            known = ", ".join(c.code for c in self.vault.councils()) or "none"
            raise ReportError(f"There is no council {council_code.strip().upper()!r} in this "
                              f"vault (councils: {known}).")
        rules = RuleSet.from_dict(self.vault.council_rules(council.id))
        report = AnnualReport(council.code, council.name, date_from, date_to, self.today())
        with self.vault.session(council.id) as s:
            children = {c.id: c for c in s.scalars(select(ChildRow))}
            reviews = list(s.scalars(select(ReviewRow)))
            self._reviews(report, s, children, reviews, rules)
            self._decisions(report, s, reviews)
            self._escalations(report, s)
            self._monitoring(report, s)
            self._caseload(report, s, children)
        return report

    @staticmethod
    def _in(report: AnnualReport, day: date | None) -> bool:
        return day is not None and report.period_from <= day <= report.period_to

    def _reviews(self, report: AnnualReport, s: Session, children: dict[int, ChildRow],
                 reviews: list[ReviewRow], rules: RuleSet) -> None:
        held_on = {(r.child_id, r.number): r.held_date for r in reviews
                   if r.status in _HELD}
        held = [r for r in reviews if r.status in _HELD and self._in(report, r.held_date)]
        report.reviews_held = len(held)
        report.children_reviewed = len({r.child_id for r in held})
        participation = Counter(r.participation_code for r in held if r.participation_code)
        report.participation = {code: participation.get(code, 0) for code in codes.PARTICIPATION}
        report.participation_not_recorded = sum(1 for r in held if not r.participation_code)
        for r in held:
            assert r.held_date is not None
            child = children[r.child_id]
            due = lawful_due(r.number, child.date_became_looked_after,
                             previous_held(r, child, held_on), rules)
            if due is None:
                report.reviews_timeliness_unknown += 1
            elif r.held_date <= due.due:
                report.reviews_on_time += 1
            else:
                report.reviews_late += 1
        ids = [r.id for r in held]
        if ids:
            seen = s.scalars(select(ReviewTextRow.value).where(
                ReviewTextRow.review_id.in_(ids), ReviewTextRow.key == SEEN_KEY))
            report.children_seen_before_review = sum(1 for v in seen if v.strip())

    def _decisions(self, report: AnnualReport, s: Session, reviews: list[ReviewRow]) -> None:
        by_id = {r.id: r for r in reviews}

        def held_in_period(review_id: int) -> bool:
            r = by_id.get(review_id)
            return r is not None and r.status in _HELD and self._in(report, r.held_date)

        def held_by_end(review_id: int) -> bool:
            r = by_id.get(review_id)
            return (r is not None and r.status in _HELD and r.held_date is not None
                    and r.held_date <= report.period_to)

        decisions = list(s.execute(select(DecisionRow.id, DecisionRow.review_id)))
        report.decisions_made = sum(1 for _d, rid in decisions if held_in_period(rid))
        history: dict[int, list[tuple[int, DecisionStatus]]] = {}
        completed: set[int] = set()
        for decision_id, review_id, status in s.execute(
                select(DecisionUpdateRow.decision_id, DecisionUpdateRow.review_id,
                       DecisionUpdateRow.status)):
            status = DecisionStatus(status)
            if status is DecisionStatus.DONE and held_in_period(review_id):
                completed.add(decision_id)
            if held_by_end(review_id):
                history.setdefault(decision_id, []).append((by_id[review_id].number, status))
        report.decisions_completed = len(completed)
        for decision_id, review_id in decisions:
            if not held_by_end(review_id):
                continue
            statuses = [st for _n, st in sorted(history.get(decision_id, []),
                                                key=lambda x: x[0])]
            if statuses and statuses[-1] not in _CLOSED and is_drifting(statuses):
                report.decisions_drifting += 1

    def _escalations(self, report: AnnualReport, s: Session) -> None:
        stages = Counter(stage for stage, raised in s.execute(
            select(EscalationStageRow.stage, EscalationStageRow.raised_on))
            if self._in(report, raised))
        report.escalations_by_stage = {st.value: stages.get(st.value, 0) for st in Stage}
        outcomes: Counter[str] = Counter()
        for opened, outcome, closed in s.execute(
                select(EscalationRow.opened_on, EscalationRow.outcome,
                       EscalationRow.closed_on)):
            if self._in(report, opened):
                report.escalations_raised += 1
            if outcome and self._in(report, closed):
                outcomes[outcome] += 1
            if opened <= report.period_to and (not outcome or closed is None
                                                or closed > report.period_to):
                report.escalations_open_at_end += 1
        report.escalations_by_outcome = {o.value: outcomes.get(o.value, 0) for o in Outcome}

    def _monitoring(self, report: AnnualReport, s: Session) -> None:
        kinds: Counter[str] = Counter()
        changes: Counter[str] = Counter()
        for kind, day, change in s.execute(
                select(MonitoringEntryRow.kind, MonitoringEntryRow.entry_date,
                       MonitoringEntryRow.change_type)):
            if self._in(report, day):
                kinds[kind] += 1
                if change:
                    changes[change] += 1
        report.monitoring_by_kind = {k.value: kinds.get(k.value, 0) for k in EntryKind}
        report.significant_changes_by_type = {c.value: changes.get(c.value, 0)
                                              for c in ChangeType}

    def _caseload(self, report: AnnualReport, s: Session, children: dict[int, ChildRow]
                  ) -> None:
        ended: dict[int, date] = {}
        for detail in s.scalars(select(AuditEvent.detail).where(AuditEvent.code == ENDED_EVENT)
                                .order_by(AuditEvent.id)):
            try:
                data = json.loads(detail)
                ended[int(data["child"])] = date.fromisoformat(str(data["on"]))
            except (ValueError, KeyError, TypeError):
                continue
        for day in month_ends(report.period_from, report.period_to):
            count = 0
            for child in children.values():
                if child.date_became_looked_after > day:
                    continue
                if child.status == "active":
                    count += 1
                else:
                    last = ended.get(child.id, child.last_review_date)
                    count += last is not None and last >= day
            report.caseload_size.append((day, count))
