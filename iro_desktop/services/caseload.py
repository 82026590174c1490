"""The caseload across every council: listing, due dates and CSV import.

One service under both the window and the command line. It returns plain
domain objects; callers never see SQLAlchemy.

A child leaves the caseload ("ended") when a file says so (``end_date``), when a file
that lists the council's whole caseload no longer has them (``complete=True``), or when
the IRO removes them. The record stays, out of the caseload, until retention
(``services/retention.py``) flags it for purging; a later file that lists the child
without an end date brings them back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.orm import Session

from iro_desktop.core.caseload_csv import (
    CaseloadFile,
    ImportIssue,
    ParsedRow,
    ReferenceCheck,
    parse_caseload,
)
from iro_desktop.core.models import Child, ChildRecord, Council, Nation, display_name
from iro_desktop.core.monitoring import brought_forward
from iro_desktop.core.review_clock import (
    DUE_SOON_DAYS,
    DueDate,
    DueStatus,
    RuleSet,
    due_status,
    next_review_due,
)
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.security.errors import DatabaseTamperedError, VaultError
from iro_desktop.services.monitoring import review_overrides
from iro_desktop.storage.models import AuditEvent, ChildRow
from iro_desktop.storage.repositories import (
    OPEN_DECISION,
    ChildRepository,
    audit,
    drifting_decisions,
    record_from_row,
)
from iro_desktop.storage.vault import Vault

log = logging.getLogger(__name__)

ACTIVE, ENDED = "active", "ended"  # child.status
ENDED_EVENT = "child.ended"  # audit event: {"child": id, "on": ISO date, "how": ...}


# Optional caseload columns whose values stay as held when a file leaves the column out
# (an empty cell in a file that has the column does empty them).
KEPT_WHEN_ABSENT = frozenset({"preferred_name", "social_worker", "notes", "carers"})


@dataclass(frozen=True, slots=True)
class CaseloadEntry:
    council: Council
    child: Child
    due: DueDate
    status: DueStatus
    age: int
    overdue_decisions: int = 0
    drifting_decisions: int = 0

    def days_until_due(self, today: date) -> int:
        return self.due.days_until(today)


@dataclass
class CouncilImportCounts:
    code: str
    name: str
    new: bool
    nation: Nation
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0  # children this import took off the caseload


@dataclass
class ImportReport:
    councils: list[CouncilImportCounts] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(c.added for c in self.councils)

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.councils)

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.councils)

    @property
    def ended(self) -> int:
        return sum(c.ended for c in self.councils)

    def summary(self) -> str:
        ended = f", {self.ended} no longer on the caseload" if self.ended else ""
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged{ended} "
                f"across {len(self.councils)} council{'s' if len(self.councils) != 1 else ''}")


class CaseloadImportError(VaultError):
    """The file was refused; nothing was imported. ``issues`` lists every problem."""

    code = "caseload.import_refused"

    def __init__(self, issues: list[ImportIssue]) -> None:
        count = len(issues)
        super().__init__(f"The caseload file was not imported: {count} problem"
                         f"{'s' if count != 1 else ''} found. Nothing was changed.")
        self.issues = issues


class PartialImportError(VaultError):
    """The import stopped part-way: each council is written in one transaction, so every
    council is either written in full (``written``) or not at all (``not_written``)."""

    code = "caseload.import_partial"

    def __init__(self, written: list[str], not_written: list[str], cause: str,
                 added_empty: list[str] | None = None) -> None:
        done = (f"Written in full: {', '.join(written)}." if written
                else "No council was written.")
        missing = ", ".join(not_written)
        empty = (f" ({', '.join(added_empty)} was added to the vault with no children yet.)"
                 if added_empty else "")
        super().__init__(
            f"The import stopped: {cause} {done} Not written (none of its children were "
            f"saved): {missing}.{empty} Run the same import again once the problem is solved: "
            "it adds what is missing and leaves the councils already written as they are.")
        self.written = written
        self.not_written = not_written


def _cause(exc: BaseException) -> str:
    """What stopped an import, in the IRO's words."""
    import errno

    from iro_desktop.security.errors import DatabaseTamperedError, StorageFullError

    if isinstance(exc, StorageFullError) or getattr(exc, "errno", None) == errno.ENOSPC \
            or "disk is full" in str(getattr(exc, "orig", exc)).lower():
        return "the disk is full (free some space)."
    if isinstance(exc, DatabaseTamperedError):
        return f"{exc}"
    if isinstance(exc, OSError):
        return f"a file could not be written ({exc.strerror or type(exc).__name__})."
    if isinstance(exc, VaultError):
        return str(exc)
    return "the vault could not be written (a database error)."


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def mark_ended(session: Session, row: ChildRow, on: date, how: str) -> bool:
    """Take a child off the caseload as from ``on``; False if already off it. The date is
    kept as an audit event (ids and a date only), which retention counts from."""
    if row.status == ENDED:
        return False
    row.status = ENDED
    row.updated_at = datetime.now()
    session.add(AuditEvent(at=datetime.now(), code=ENDED_EVENT,
                           detail=json.dumps({"child": row.id, "on": on.isoformat(),
                                              "how": how})))
    return True


def _flags(rows: CouncilRows, today: date) -> dict[int, tuple[int, int]]:
    """Per child: (open decisions past their date, decisions drifting)."""
    now = today.isoformat()
    flags: dict[int, tuple[int, int]] = {}
    for d in rows.decisions:
        overdue, drifting = flags.get(d.child_id, (0, 0))
        flags[d.child_id] = (overdue + (d.due_iso is not None and d.due_iso < now),
                             drifting + (d.id in rows.drifting))
    return flags


def keep_newer_reviews(incoming: ChildRecord, held: ChildRecord) -> ChildRecord:
    """A council's export can lag behind reviews the IRO has finalised in the app: never
    move reviews held or the last review date backwards on re-import."""
    reviews = max(incoming.reviews_held, held.reviews_held)
    dates = [d for d in (incoming.last_review_date, held.last_review_date) if d is not None]
    return replace(incoming, reviews_held=reviews, last_review_date=max(dates) if dates else None)


# ---- what the caseload and the dashboard read from one council ----------------------

_HELD_NOT_FINAL = (ReviewStatus.HELD.value, ReviewStatus.RECORDING.value)
# Plain SQL (dates come back as ISO text): SQLAlchemy compiles a statement afresh for each
# council database the first time, which landed in the first page after unlock.
_SETTINGS = "SELECT key, value FROM council_setting"
_RULES = "SELECT rules_json FROM council WHERE id = ?"
_CHILDREN = ("SELECT id, child_ref, first_name, last_name, preferred_name, status "
             "FROM child")
_RECORDS = ("SELECT id, child_id, number, status, held_date FROM review WHERE status IN "
            f"{_HELD_NOT_FINAL!r} AND held_date IS NOT NULL")
_OPEN_DECISIONS = (
    "SELECT decision.id, decision.child_id, review.number, decision.text, "
    "decision.person_id, decision.responsible_text, decision.due_date FROM decision "
    "JOIN review ON review.id = decision.review_id WHERE "
    + OPEN_DECISION.replace("status", "decision.status", 1))
_PEOPLE = ("SELECT id, name, role FROM person WHERE id IN (SELECT person_id FROM decision "
           f"WHERE {OPEN_DECISION} AND person_id IS NOT NULL)")
_OUTBOX_READY = "SELECT count(*) FROM outbox_item WHERE state = 'ready'"


@dataclass(frozen=True, slots=True)
class OpenDecision:
    id: int
    child_id: int
    review_number: int
    text: str
    responsible: str  # the person's "name (role)", or the text typed
    due_iso: str | None  # ISO dates compare as text


@dataclass(frozen=True, slots=True)
class CouncilRows:
    """What the caseload and the dashboard read from one council's database. Kept (by
    ``Vault.read_cached``) until the database changes, so nothing here depends on today:
    statuses, ages and what is late are worked out from it on each call."""

    rules: RuleSet
    settings: tuple[tuple[str, str], ...]  # the council's profile, defaults filled in
    active: tuple[tuple[Child, DueDate], ...]  # children on the caseload, review due
    names: dict[int, tuple[str, str]]  # every child: (reference, name as shown)
    records: tuple[tuple[int, int, int, str, str], ...]  # held, not finalised
    decisions: tuple[OpenDecision, ...]  # open decisions, every child
    drifting: frozenset[int]  # ids of open decisions drifting
    outbox_ready: int

    def setting(self, key: str) -> str:
        return dict(self.settings)[key]


def _read_rows(session: Session, council_id: str) -> CouncilRows:
    from iro_desktop.services.council_profile import PROFILE_SETTINGS

    conn = session.connection()
    rules_json = conn.exec_driver_sql(_RULES, (council_id,)).scalar_one()
    rules = RuleSet.from_dict(json.loads(rules_json))
    stored: dict[str, str] = {k: v for k, v in conn.exec_driver_sql(_SETTINGS)}
    settings = tuple((spec.key, stored.get(spec.key, spec.default)) for spec in PROFILE_SETTINGS)
    names = {cid: (ref, display_name(first, last, preferred)) for
             cid, ref, first, last, preferred, _status in conn.exec_driver_sql(_CHILDREN)}
    overrides = review_overrides(session)  # reviews brought forward
    active = []
    for child in ChildRepository(session, council_id).active():
        rec = child.record
        due = brought_forward(next_review_due(rec.date_became_looked_after, rec.reviews_held,
                                              rec.last_review_date, rules),
                              overrides.get(child.id))
        active.append((child, due))
    records = tuple((int(rid), int(child_id), int(number), str(status), str(held))
                    for rid, child_id, number, status, held in conn.exec_driver_sql(_RECORDS))
    open_rows = conn.exec_driver_sql(_OPEN_DECISIONS).all()
    people = {pid: f"{name} ({role})" for pid, name, role in
              conn.exec_driver_sql(_PEOPLE)} if any(r[4] for r in open_rows) else {}
    decisions = tuple(
        OpenDecision(d_id, child_id, number or 0, what,
                     people.get(person_id or -1) or responsible, due)
        for d_id, child_id, number, what, person_id, responsible, due in open_rows)
    ready = conn.exec_driver_sql(_OUTBOX_READY).scalar() or 0
    return CouncilRows(rules, settings, tuple(active), names, records, decisions,
                       frozenset(drifting_decisions(session)), int(ready))


def council_rows(vault: Vault, council_id: str) -> CouncilRows:
    """One council's :class:`CouncilRows`, read in a read transaction (never waiting for
    a writer) or, when its database has not changed since, as read last time."""
    return vault.read_cached(council_id, "council_rows", lambda s: _read_rows(s, council_id))


class CaseloadService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today,
                 soon_days: int = DUE_SOON_DAYS) -> None:
        self.vault = vault
        self.today = today
        self.soon_days = soon_days

    # ---- reading -------------------------------------------------------------------

    def rules(self, council_id: str) -> RuleSet:
        return RuleSet.from_dict(self.vault.council_rules(council_id))

    def entries(self, council_id: str | None = None, *,
                decision_flags: bool = True) -> list[CaseloadEntry]:
        """Every active child (of one council, or all), soonest review due first. A review
        brought forward after a significant change is due on that earlier date. Without
        ``decision_flags`` the counts of late and drifting decisions are left at 0 (the
        dashboard lists those decisions itself)."""
        today = self.today()
        out: list[CaseloadEntry] = []
        for council in self.vault.councils():
            if council_id is not None and council.id != council_id:
                continue
            try:
                rows = council_rows(self.vault, council.id)
            except DatabaseTamperedError:
                # Marked damaged by the vault; the others still show, and the window
                # names the damaged one (Vault.damaged).
                continue
            flags = _flags(rows, today) if decision_flags else {}
            for child, due in rows.active:
                overdue, drifting = flags.get(child.id, (0, 0))
                out.append(CaseloadEntry(council, child, due, due_status(due, today, self.soon_days),
                                         age_on(child.record.date_of_birth, today), overdue,
                                         drifting))
        out.sort(key=lambda e: (e.due.due, e.council.code, e.child.record.last_name))
        return out

    def due(self, within_days: int | None = None) -> list[CaseloadEntry]:
        """Children whose review is overdue or due within ``within_days`` (all if None)."""
        today = self.today()
        entries = self.entries()
        if within_days is None:
            return entries
        return [e for e in entries
                if e.due.is_overdue(today) or e.due.is_due_within(today, within_days)]

    # ---- importing -----------------------------------------------------------------

    def parse(self, data: bytes) -> CaseloadFile:
        return parse_caseload(data, today=self.today())

    def import_caseload(self, data: bytes, *, nations: dict[str, Nation] | None = None,
                        complete: bool = False) -> ImportReport:
        """Import a council caseload CSV, all or nothing.

        Children are matched by (council, reference): new ones are added, changed ones
        updated, the rest counted unchanged. A council not yet in the vault gets its own
        new database and key. ``nations`` chooses England or Wales for new councils
        (overriding a ``nation`` column); otherwise England is assumed and a warning says so.

        A row with an ``end_date`` takes that child off the caseload (a child not held is
        not added). With ``complete`` the file is each council's whole caseload: children
        held but not in it are taken off the caseload as from today. References must fit
        the council's reference pattern, if it has one, or the whole file is refused.
        """
        parsed = self.parse(data)
        if not parsed.ok:
            raise CaseloadImportError(parsed.errors)
        pattern_issues = self._reference_issues(parsed)
        if pattern_issues:
            raise CaseloadImportError(pattern_issues)
        nations = {k.upper(): v for k, v in (nations or {}).items()}
        report = ImportReport(warnings=list(parsed.warnings))
        now = datetime.now()

        plan: list[tuple[CouncilImportCounts, list[ParsedRow]]] = []
        for code, pc in parsed.councils.items():
            existing = self.vault.council_by_code(code)
            nation = existing.nation if existing else nations.get(code) or pc.nation
            if nation is None:
                nation = Nation.ENGLAND
                report.warnings.append(ImportIssue(0, "nation", (
                    f"{code} ({pc.name}) is new and the file does not say which nation it is in: "
                    "England's review timescales are used. Change it in the council's settings "
                    "if it is a Welsh council.")))
            counts = CouncilImportCounts(code, pc.name, existing is None, nation)
            plan.append((counts, [r for r in parsed.rows if r.council_code == code]))

        created: list[str] = []
        try:
            for counts, records in plan:
                council = self.vault.council_by_code(counts.code)
                if council is None:
                    council = self.vault.add_council(counts.code, counts.name, counts.nation)
                    created.append(council.id)
                self._apply(council, records, counts, now, complete, report.warnings,
                            keep=KEPT_WHEN_ABSENT - parsed.columns)
                report.councils.append(counts)
        except (SADatabaseError, VaultError, OSError) as exc:
            log.error("caseload.import_failed kind=%s", type(exc).__name__)
            written = [c.code for c in report.councils]
            added_empty = [self.vault.council(cid).code for cid in created
                           if self.vault.council(cid).code not in written]
            raise PartialImportError(written, [c.code for c, _ in plan if c.code not in written],
                                     _cause(exc), added_empty) from None
        log.info("caseload.imported added=%d updated=%d unchanged=%d ended=%d councils_new=%d",
                 report.added, report.updated, report.unchanged, report.ended, len(created))
        return report

    def _reference_issues(self, parsed: CaseloadFile) -> list[ImportIssue]:
        """Rows whose reference does not fit their council's pattern (councils already in
        the vault; a new council has no pattern yet)."""
        from iro_desktop.services.council_profile import CouncilProfileService

        profiles = CouncilProfileService(self.vault)
        patterns: dict[str, str] = {}
        for code in parsed.councils:
            council = self.vault.council_by_code(code)
            if council is not None:
                patterns[code] = profiles.values(council.id)["reference_pattern"]
        checks = {code: ReferenceCheck(pattern) for code, pattern in patterns.items()}
        issues = []
        for row in parsed.rows:
            check = checks.get(row.council_code)
            if check is None:
                continue
            if check.too_slow:  # said once; the rest of that council's rows are not tried
                continue
            problem = check.problem(row.record.child_ref)
            if problem:
                issues.append(ImportIssue(row.line, "child_ref", problem))
        return issues

    def _apply(self, council: Council, rows: list[ParsedRow], counts: CouncilImportCounts,
               now: datetime, complete: bool, warnings: list[ImportIssue], *,
               keep: frozenset[str] = frozenset()) -> None:
        """``keep``: optional columns the file does not have, whose values already held stay
        (a file from a case system that does not export them empties nothing)."""
        today = self.today()
        with self.vault.session(council.id) as session:
            repo = ChildRepository(session, council.id)
            existing = repo.rows_by_ref()
            for parsed in rows:
                record = parsed.record
                row = existing.pop(record.child_ref.casefold(), None)
                if parsed.ended is not None:
                    if row is None:
                        warnings.append(ImportIssue(parsed.line, "end_date", (
                            "this child has an end date and is not held in the app, so the "
                            "row was not added")))
                    elif mark_ended(session, row, parsed.ended, "file"):
                        counts.ended += 1
                    else:
                        counts.unchanged += 1
                    continue
                if row is None:
                    repo.add(record, now)
                    counts.added += 1
                    continue
                record = keep_newer_reviews(record, record_from_row(row))
                if keep:
                    record = replace(record, **{name: getattr(row, name) for name in keep})
                if record_from_row(row) != record or row.status != ACTIVE:
                    repo.update(row, record, now)
                    counts.updated += 1
                else:
                    counts.unchanged += 1
            if complete:
                for row in existing.values():  # held, but not in this council's file
                    if mark_ended(session, row, today, "missing"):
                        counts.ended += 1
            audit(session, "caseload.imported", added=counts.added, updated=counts.updated,
                  unchanged=counts.unchanged, ended=counts.ended)

    # ---- leaving the caseload --------------------------------------------------------

    def end_child(self, council_id: str, child_id: int, on: date | None = None) -> bool:
        """Remove a child from the caseload (the record stays until retention purges it).
        Returns False if the child was already off the caseload."""
        when = on or self.today()
        if when > self.today():
            raise VaultError("A child can be taken off the caseload from today or an earlier "
                             "date, not a future one.")
        with self.vault.session(council_id) as session:
            row = session.get(ChildRow, child_id)
            if row is None:
                raise VaultError("That child is not in this council's records.")
            return mark_ended(session, row, when, "removed")
