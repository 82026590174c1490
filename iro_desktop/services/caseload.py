"""The caseload across every council: listing, due dates and CSV import.

One service under both the window and the command line. It returns plain
domain objects; callers never see SQLAlchemy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.exc import DatabaseError as SADatabaseError

from iro_desktop.core.caseload_csv import CaseloadFile, ImportIssue, parse_caseload
from iro_desktop.core.models import Child, ChildRecord, Council, Nation
from iro_desktop.core.review_clock import DueDate, DueStatus, RuleSet, due_status, next_review_due
from iro_desktop.security.errors import DatabaseTamperedError, VaultError
from iro_desktop.storage.repositories import (
    ChildRepository,
    audit,
    decision_flags,
    record_from_row,
)
from iro_desktop.storage.vault import Vault

log = logging.getLogger(__name__)

DUE_SOON_DAYS = 28


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

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged "
                f"across {len(self.councils)} council{'s' if len(self.councils) != 1 else ''}")


class CaseloadImportError(VaultError):
    """The file was refused; nothing was imported. ``issues`` lists every problem."""

    code = "caseload.import_refused"

    def __init__(self, issues: list[ImportIssue]) -> None:
        count = len(issues)
        super().__init__(f"The caseload file was not imported: {count} problem"
                         f"{'s' if count != 1 else ''} found. Nothing was changed.")
        self.issues = issues


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def keep_newer_reviews(incoming: ChildRecord, held: ChildRecord) -> ChildRecord:
    """A council's export can lag behind reviews the IRO has finalised in the app: never
    move reviews held or the last review date backwards on re-import."""
    reviews = max(incoming.reviews_held, held.reviews_held)
    dates = [d for d in (incoming.last_review_date, held.last_review_date) if d is not None]
    return replace(incoming, reviews_held=reviews, last_review_date=max(dates) if dates else None)


class CaseloadService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today,
                 soon_days: int = DUE_SOON_DAYS) -> None:
        self.vault = vault
        self.today = today
        self.soon_days = soon_days

    # ---- reading -------------------------------------------------------------------

    def rules(self, council_id: str) -> RuleSet:
        return RuleSet.from_dict(self.vault.council_rules(council_id))

    def entries(self, council_id: str | None = None) -> list[CaseloadEntry]:
        """Every active child (of one council, or all), soonest review due first."""
        today = self.today()
        out: list[CaseloadEntry] = []
        for council in self.vault.councils():
            if council_id is not None and council.id != council_id:
                continue
            try:
                rules = self.rules(council.id)
                with self.vault.session(council.id) as session:
                    children = ChildRepository(session, council.id).active()
                    flags = decision_flags(session, today)
            except DatabaseTamperedError:
                # Marked damaged by the vault; the others still show, and the window
                # names the damaged one (Vault.damaged).
                continue
            for child in children:
                rec = child.record
                due = next_review_due(rec.date_became_looked_after, rec.reviews_held,
                                      rec.last_review_date, rules)
                overdue, drifting = flags.get(child.id, (0, 0))
                out.append(CaseloadEntry(council, child, due, due_status(due, today, self.soon_days),
                                         age_on(rec.date_of_birth, today), overdue, drifting))
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

    def import_caseload(self, data: bytes, *, nations: dict[str, Nation] | None = None
                        ) -> ImportReport:
        """Import a council caseload CSV, all or nothing.

        Children are matched by (council, reference): new ones are added, changed ones
        updated, the rest counted unchanged. A council not yet in the vault gets its own
        new database and key. ``nations`` chooses England or Wales for new councils
        (overriding a ``nation`` column); otherwise England is assumed and a warning says so.
        """
        parsed = self.parse(data)
        if not parsed.ok:
            raise CaseloadImportError(parsed.errors)
        nations = {k.upper(): v for k, v in (nations or {}).items()}
        report = ImportReport(warnings=list(parsed.warnings))
        now = datetime.now()

        plan: list[tuple[CouncilImportCounts, list]] = []
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
            plan.append((counts, [r.record for r in parsed.rows if r.council_code == code]))

        created: list[str] = []
        try:
            for counts, records in plan:
                council = self.vault.council_by_code(counts.code)
                if council is None:
                    council = self.vault.add_council(counts.code, counts.name, counts.nation)
                    created.append(council.id)
                self._apply(council, records, counts, now)
                report.councils.append(counts)
        except SADatabaseError:
            log.error("caseload.import_failed")
            raise VaultError("The import could not be written to the vault. Councils already "
                             "written are complete; run the same import again to finish.") from None
        log.info("caseload.imported added=%d updated=%d unchanged=%d councils_new=%d",
                 report.added, report.updated, report.unchanged, len(created))
        return report

    def _apply(self, council: Council, records: list, counts: CouncilImportCounts,
               now: datetime) -> None:
        with self.vault.session(council.id) as session:
            repo = ChildRepository(session, council.id)
            existing = repo.rows_by_ref()
            for record in records:
                row = existing.get(record.child_ref.casefold())
                if row is None:
                    repo.add(record, now)
                    counts.added += 1
                    continue
                record = keep_newer_reviews(record, record_from_row(row))
                if record_from_row(row) != record or row.status != "active":
                    repo.update(row, record, now)
                    counts.updated += 1
                else:
                    counts.unchanged += 1
            audit(session, "caseload.imported", added=counts.added, updated=counts.updated,
                  unchanged=counts.unchanged)
