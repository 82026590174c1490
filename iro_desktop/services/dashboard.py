"""What needs the IRO's attention, across every council, when the app opens.

* reviews overdue, and reviews due within N days (28 by default; the window passes its
  ``due_soon_days`` setting), by the review clock or a date brought forward;
* records not yet finalised (reviews held but not finalised) with their distribution
  deadlines: decisions within ``decisions_within_working_days`` and the full record within
  ``record_within_working_days`` working days of the review (the council's profile; 5 and
  20 by default), and whether each has passed;
* open decisions past their date, and children with decisions drifting (not done at two
  reviews in a row), for children on the caseload;
* outbox items waiting to be delivered (state "ready"), per council;
* escalation stages whose response is overdue.

Plain dataclasses out; no Qt. See docs/between-reviews.md for each rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from iro_desktop.core.models import Council
from iro_desktop.core.review_clock import DueDate, DueStatus, add_working_days, due_status
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.security.errors import DatabaseTamperedError
from iro_desktop.services.caseload import DUE_SOON_DAYS, CouncilRows, council_rows
from iro_desktop.services.escalation import EscalationService, OverdueResponse
from iro_desktop.storage.vault import Vault

@dataclass(frozen=True, slots=True)
class ChildLine:
    """Who an item is about: enough to show a line and open the child."""

    council: Council
    child_id: int
    child_ref: str
    child_name: str


@dataclass(frozen=True, slots=True)
class DueReview:
    child: ChildLine
    due: DueDate
    status: DueStatus
    days: int  # until due; negative when overdue


@dataclass(frozen=True, slots=True)
class RecordDeadline:
    """A review held but not finalised, with its distribution deadlines."""

    child: ChildLine
    review_id: int
    review_number: int
    held_date: date
    status: ReviewStatus
    decisions_due: date
    record_due: date
    decisions_late: bool  # the decisions deadline has passed
    record_late: bool


@dataclass(frozen=True, slots=True)
class LateDecision:
    child: ChildLine
    decision_id: int
    review_number: int
    text: str
    responsible: str
    due_date: date
    drifting: bool


@dataclass(frozen=True, slots=True)
class DriftingChild:
    child: ChildLine
    drifting: int  # decisions drifting


@dataclass(frozen=True, slots=True)
class OutboxWaiting:
    council: Council
    ready: int


@dataclass
class Dashboard:
    today: date
    due_soon_days: int
    overdue: list[DueReview] = field(default_factory=list)
    due_soon: list[DueReview] = field(default_factory=list)
    records: list[RecordDeadline] = field(default_factory=list)
    late_decisions: list[LateDecision] = field(default_factory=list)
    drifting: list[DriftingChild] = field(default_factory=list)
    outbox: list[OutboxWaiting] = field(default_factory=list)
    escalations_overdue: list[OverdueResponse] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)  # council codes not read

    @property
    def outbox_ready(self) -> int:
        return sum(o.ready for o in self.outbox)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.records or self.late_decisions
                    or self.drifting or self.outbox or self.escalations_overdue)


def _copy(board: Dashboard) -> Dashboard:
    """The same board in new lists (the items are frozen)."""
    return Dashboard(board.today, board.due_soon_days, list(board.overdue),
                     list(board.due_soon), list(board.records), list(board.late_decisions),
                     list(board.drifting), list(board.outbox), list(board.escalations_overdue),
                     list(board.damaged))


class DashboardService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today,
                 due_soon_days: int = DUE_SOON_DAYS) -> None:
        if due_soon_days < 0:
            raise ValueError("due_soon_days must be 0 or more")
        self.vault = vault
        self.today = today
        self.due_soon_days = due_soon_days
        # The last board and what it was made from: F5 with nothing changed (the same
        # CouncilRows objects from Vault.read_cached, the same day) makes nothing again.
        # Forgotten when the vault locks (it holds children's names).
        self._last: tuple[tuple[object, ...], tuple[CouncilRows | None, ...],
                          Dashboard] | None = None
        vault.locked_listeners.append(self._forget)

    def _forget(self) -> None:
        self._last = None

    def dashboard(self) -> Dashboard:
        today = self.today()
        reads: list[tuple[Council, CouncilRows | None]] = []
        for council in self.vault.councils():
            try:
                # One read per council for every list (the caseload's too): read twice, a
                # write between the two (the search indexer's) made the second read again.
                reads.append((council, council_rows(self.vault, council.id)))
            except DatabaseTamperedError:
                reads.append((council, None))
        escalations = EscalationService(self.vault, lambda: today).overdue()
        key = (today, self.due_soon_days, tuple(escalations), tuple(c for c, _r in reads))
        last = self._last
        if last is not None and last[0] == key and all(
                rows is kept for (_c, rows), kept in zip(reads, last[1], strict=True)):
            return _copy(last[2])
        board = Dashboard(today, self.due_soon_days)
        due: list[tuple[tuple[date, str, str], DueReview]] = []
        for council, rows in reads:
            if rows is None:
                board.damaged.append(council.code)
                continue
            for child, when in rows.active:
                status = due_status(when, today, self.due_soon_days)
                if status in (DueStatus.OVERDUE, DueStatus.DUE_SOON):
                    rec = child.record
                    line = ChildLine(council, child.id, rec.child_ref, rec.display_name)
                    due.append(((when.due, council.code, rec.last_name),
                                DueReview(line, when, status, when.days_until(today))))
            self._council(board, council, rows, today)
        due.sort(key=lambda d: d[0])  # as the caseload: soonest first
        for _key, item in due:
            (board.overdue if item.status is DueStatus.OVERDUE else board.due_soon).append(item)
        board.escalations_overdue = escalations
        board.records.sort(key=lambda r: (r.decisions_due, r.child.council.code,
                                          r.child.child_ref))
        board.late_decisions.sort(key=lambda d: (d.due_date, d.child.council.code,
                                                 d.child.child_ref))
        board.drifting.sort(key=lambda d: (-d.drifting, d.child.council.code,
                                           d.child.child_ref))
        self._last = (key, tuple(rows for _c, rows in reads), _copy(board))
        return board

    def _council(self, board: Dashboard, council: Council, rows: CouncilRows,
                 today: date) -> None:
        # What the caseload reads (kept until the database changes): only what depends on
        # today is worked out here.
        decisions_days = int(rows.setting("decisions_within_working_days"))
        record_days = int(rows.setting("record_within_working_days"))
        lines: dict[int, ChildLine] = {}

        def line(child_id: int) -> ChildLine:
            found = lines.get(child_id)
            if found is None:
                ref, name = rows.names[child_id]
                found = lines[child_id] = ChildLine(council, child_id, ref, name)
            return found

        for rid, child_id, number, status, held_text in rows.records:
            held = date.fromisoformat(held_text)
            decisions_due = add_working_days(held, decisions_days)
            record_due = add_working_days(held, record_days)
            board.records.append(RecordDeadline(
                line(child_id), rid, number, held, ReviewStatus(status),
                decisions_due, record_due, today > decisions_due, today > record_due))
        active = {child.id for child, _due in rows.active}
        now = today.isoformat()
        drifting: dict[int, int] = {}
        for d in rows.decisions:
            if d.child_id not in active:  # off the caseload: nothing more to chase
                continue
            drift = d.id in rows.drifting
            if drift:
                drifting[d.child_id] = drifting.get(d.child_id, 0) + 1
            if d.due_iso is not None and now > d.due_iso:  # ISO dates compare as text
                board.late_decisions.append(LateDecision(
                    line(d.child_id), d.id, d.review_number, d.text, d.responsible,
                    date.fromisoformat(d.due_iso), drift))
        board.drifting.extend(DriftingChild(line(c), n) for c, n in drifting.items())
        if rows.outbox_ready:
            board.outbox.append(OutboxWaiting(council, rows.outbox_ready))
