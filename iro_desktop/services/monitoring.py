"""Monitoring a child's plan between reviews (IRO Handbook; Children Act 2008).

The IRO's log per child: midway reviews with the social worker, contacts, visits, and
significant changes reported (placement move, change of social worker, missing episode,
other). Each entry has a date, with whom, what was checked and the next step.

A significant change may bring the next review forward. The rule is kept simple (see
docs/between-reviews.md): the IRO picks the date, which must be on or after the day the
change was reported and earlier than the date the review clock already gives. Until a
review is held on or after the day the change was reported, that earlier date is the
child's due date on the caseload and the dashboard (``core.monitoring.brought_forward``);
finalising such a review ends it. Timeliness in the annual report is still measured against the
statutory clock, not against a brought-forward date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from iro_desktop.core.monitoring import (
    ChangeType,
    EntryKind,
    MonitoringEntry,
    ReviewOverride,
    brought_forward,
)
from iro_desktop.core.review_clock import DueDate, RuleSet, next_review_due
from iro_desktop.core.text import clean_text, trim
from iro_desktop.security.errors import VaultError
from iro_desktop.storage.models import ChildRow, MonitoringEntryRow
from iro_desktop.storage.repositories import audit
from iro_desktop.storage.vault import Vault

MAX_WITH_WHOM = 2000


class MonitoringError(VaultError):
    code = "monitoring.error"


def review_overrides(session: Session) -> dict[int, ReviewOverride]:
    """Per child of one council: the earliest brought-forward date still in force (no
    review finalised on or after the day the change was reported)."""
    rows = session.execute(
        select(MonitoringEntryRow.child_id, MonitoringEntryRow.bring_forward_to,
               MonitoringEntryRow.entry_date, MonitoringEntryRow.id,
               MonitoringEntryRow.change_type)
        .join(ChildRow, ChildRow.id == MonitoringEntryRow.child_id)
        .where(MonitoringEntryRow.bring_forward_to.is_not(None),
               or_(ChildRow.last_review_date.is_(None),
                   ChildRow.last_review_date < MonitoringEntryRow.entry_date))
        .order_by(MonitoringEntryRow.bring_forward_to, MonitoringEntryRow.id)).all()
    out: dict[int, ReviewOverride] = {}
    for child_id, due, reported, entry_id, change in rows:
        if due is None:  # not asked for by the query; narrows the type
            continue
        out.setdefault(child_id, ReviewOverride(due, reported, entry_id,
                                                ChangeType(change) if change else None))
    return out


def _entry(row: MonitoringEntryRow) -> MonitoringEntry:
    return MonitoringEntry(row.id, row.child_id, EntryKind(row.kind), row.entry_date,
                           row.with_whom, row.checked, row.next_step,
                           ChangeType(row.change_type) if row.change_type else None,
                           row.bring_forward_to)


class MonitoringService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today) -> None:
        self.vault = vault
        self.today = today

    def entries(self, council_id: str, child_id: int) -> list[MonitoringEntry]:
        """The child's monitoring log, newest first."""
        with self.vault.session(council_id) as s:
            rows = s.scalars(select(MonitoringEntryRow)
                             .where(MonitoringEntryRow.child_id == child_id)
                             .order_by(MonitoringEntryRow.entry_date.desc(),
                                       MonitoringEntryRow.id.desc()))
            return [_entry(r) for r in rows]

    def add_entry(self, council_id: str, child_id: int, kind: EntryKind, entry_date: date, *,
                  with_whom: str = "", checked: str = "", next_step: str = "",
                  change_type: ChangeType | None = None,
                  bring_forward_to: date | None = None) -> MonitoringEntry:
        """Log a midway review, contact, visit or significant change. A significant change
        needs its type, and may bring the next review forward to ``bring_forward_to``."""
        kind = EntryKind(kind)
        self._check_date(entry_date)
        if kind is EntryKind.SIGNIFICANT_CHANGE:
            if change_type is None:
                raise MonitoringError("Say what changed: placement move, change of social "
                                      "worker, missing episode or other.")
            change_type = ChangeType(change_type)
        elif change_type is not None or bring_forward_to is not None:
            raise MonitoringError("Only a significant change has a change type or brings the "
                                  "next review forward.")
        if not (with_whom.strip() or checked.strip() or next_step.strip()):
            raise MonitoringError("Write at least one of: with whom, what was checked, the "
                                  "next step.")
        rules = self._rules(council_id)
        now = datetime.now()
        with self.vault.session(council_id) as s:
            child = self._child(s, child_id)
            row = MonitoringEntryRow(
                child_id=child_id, kind=kind.value, entry_date=entry_date,
                with_whom=clean_text(trim(with_whom), MAX_WITH_WHOM, "With whom"),
                checked=clean_text(trim(checked)), next_step=clean_text(trim(next_step)),
                change_type=change_type.value if change_type else "", created_at=now,
                updated_at=now)
            if bring_forward_to is not None:
                self._check_forward(child, entry_date, bring_forward_to, rules)
                row.bring_forward_to = bring_forward_to
            s.add(row)
            s.flush()
            audit(s, "monitoring.added", entry=row.id)
            return _entry(row)

    def update_entry(self, council_id: str, entry_id: int, *, entry_date: date | None = None,
                     with_whom: str | None = None, checked: str | None = None,
                     next_step: str | None = None) -> MonitoringEntry:
        """Correct an entry's date or text (its kind and change type stay)."""
        if entry_date is not None:
            self._check_date(entry_date)
        with self.vault.session(council_id) as s:
            row = self._row(s, entry_id)
            if entry_date is not None:
                if row.bring_forward_to is not None and entry_date > row.bring_forward_to:
                    raise MonitoringError("The change cannot be dated after the date the review "
                                          "was brought forward to.")
                row.entry_date = entry_date
            if with_whom is not None:
                row.with_whom = clean_text(trim(with_whom), MAX_WITH_WHOM, "With whom")
            if checked is not None:
                row.checked = clean_text(trim(checked))
            if next_step is not None:
                row.next_step = clean_text(trim(next_step))
            if not (row.with_whom or row.checked or row.next_step):
                raise MonitoringError("Write at least one of: with whom, what was checked, "
                                      "the next step.")
            row.updated_at = datetime.now()
            return _entry(row)

    def delete_entry(self, council_id: str, entry_id: int) -> None:
        with self.vault.session(council_id) as s:
            s.delete(self._row(s, entry_id))
            audit(s, "monitoring.deleted", entry=entry_id)

    # ---- bringing the next review forward ------------------------------------------

    def statutory_due(self, council_id: str, child_id: int) -> DueDate:
        """The latest lawful date of the child's next review, by the review clock alone."""
        rules = self._rules(council_id)
        with self.vault.session(council_id) as s:
            child = self._child(s, child_id)
            return next_review_due(child.date_became_looked_after, child.reviews_held,
                                   child.last_review_date, rules)

    def bring_forward(self, council_id: str, entry_id: int, to: date) -> DueDate:
        """Bring the next review forward to ``to`` because of this significant change;
        returns the child's due date now."""
        rules = self._rules(council_id)
        with self.vault.session(council_id) as s:
            row = self._row(s, entry_id)
            if row.kind != EntryKind.SIGNIFICANT_CHANGE.value:
                raise MonitoringError("Only a significant change brings the next review "
                                      "forward.")
            child = self._child(s, row.child_id)
            due = self._check_forward(child, row.entry_date, to, rules)
            row.bring_forward_to = to
            row.updated_at = datetime.now()
            audit(s, "monitoring.brought_forward", entry=entry_id)
            return brought_forward(due, review_overrides(s).get(child.id))

    def cancel_bring_forward(self, council_id: str, entry_id: int) -> None:
        with self.vault.session(council_id) as s:
            row = self._row(s, entry_id)
            row.bring_forward_to = None
            row.updated_at = datetime.now()
            audit(s, "monitoring.bring_forward_cancelled", entry=entry_id)

    def next_review_override(self, council_id: str, child_id: int) -> ReviewOverride | None:
        """The brought-forward date in force for the child, if any."""
        with self.vault.session(council_id) as s:
            return review_overrides(s).get(child_id)

    # ---- helpers -------------------------------------------------------------------

    def _rules(self, council_id: str) -> RuleSet:
        return RuleSet.from_dict(self.vault.council_rules(council_id))

    def _check_date(self, day: date) -> None:
        if day > self.today():
            raise MonitoringError(f"{day:%d/%m/%Y} is in the future: log what has happened, "
                                  "and put what is planned in the next step.")

    @staticmethod
    def _check_forward(child: ChildRow, reported: date, to: date, rules: RuleSet) -> DueDate:
        if to < reported:
            raise MonitoringError(f"The review cannot be brought forward to {to:%d/%m/%Y}, "
                                  f"before the change was reported ({reported:%d/%m/%Y}).")
        if child.last_review_date is not None and child.last_review_date >= reported:
            raise MonitoringError(f"A review was held on {child.last_review_date:%d/%m/%Y}, "
                                  "on or after this change: there is nothing to bring forward.")
        due = next_review_due(child.date_became_looked_after, child.reviews_held,
                              child.last_review_date, rules)
        if to >= due.due:
            raise MonitoringError(f"{to:%d/%m/%Y} is not earlier than the date the review is "
                                  f"already due ({due.due:%d/%m/%Y}).")
        return due

    @staticmethod
    def _child(s: Session, child_id: int) -> ChildRow:
        row = s.get(ChildRow, child_id)
        if row is None:
            raise MonitoringError("That child is not in this council's records.")
        return row

    @staticmethod
    def _row(s: Session, entry_id: int) -> MonitoringEntryRow:
        row = s.get(MonitoringEntryRow, entry_id)
        if row is None:
            raise MonitoringError("That monitoring entry is no longer in this council's "
                                  "records.")
        return row
