"""When each child's next review is due, read through the read-only open
(``storage/readonly.py``): the command line's ``due`` without SQLAlchemy.

The same rows, rules and core functions as ``CaseloadService.due`` (``next_review_due``,
``brought_forward``, ``due_status``), in the same order, so the answer is the same;
``tests/unit/test_cli_read_only.py`` compares the two, child by child and field by field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from iro_desktop.core.models import Child, ChildRecord, Council
from iro_desktop.core.monitoring import ChangeType, ReviewOverride, brought_forward
from iro_desktop.core.review_clock import (
    DUE_SOON_DAYS,
    DueDate,
    DueStatus,
    RuleSet,
    due_status,
    next_review_due,
)
from iro_desktop.storage.readonly import ReadOnlyVault

_RECORD_FIELDS = tuple(f.name for f in fields(ChildRecord))
_DATE_FIELDS = frozenset(f.name for f in fields(ChildRecord)
                         if str(f.type) in ("date", "date | None"))
# The active children, as storage/repositories.py's ChildRepository.active() selects them.
_ACTIVE_CHILDREN = (f"SELECT id, {', '.join(_RECORD_FIELDS)} FROM child "
                    "WHERE status = 'active'")
# The earliest brought-forward date still in force per child, as
# services/monitoring.py's review_overrides() selects it.
_OVERRIDES = (
    "SELECT m.child_id, m.bring_forward_to, m.entry_date, m.id, m.change_type "
    "FROM monitoring_entry m JOIN child c ON c.id = m.child_id "
    "WHERE m.bring_forward_to IS NOT NULL "
    "AND (c.last_review_date IS NULL OR c.last_review_date < m.entry_date) "
    "ORDER BY m.bring_forward_to, m.id")


@dataclass(frozen=True, slots=True)
class DueEntry:
    """One child's next review (the parts of ``CaseloadEntry`` the ``due`` command shows)."""

    council: Council
    child: Child
    due: DueDate
    status: DueStatus


def _day(value: object) -> date | None:
    """A date column as SQLAlchemy stores it (ISO text) -> a date."""
    return None if value is None else date.fromisoformat(str(value))


def _children(vault: ReadOnlyVault, council_id: str) -> list[Child]:
    children = []
    for row in vault.rows(council_id, _ACTIVE_CHILDREN):
        values: dict[str, Any] = {name: (_day(value) if name in _DATE_FIELDS else value)
                                  for name, value in zip(_RECORD_FIELDS, row[1:], strict=True)}
        children.append(Child(id=row[0], council_id=council_id,
                              record=ChildRecord(**values)))
    return children


def _overrides(vault: ReadOnlyVault, council_id: str) -> dict[int, ReviewOverride]:
    out: dict[int, ReviewOverride] = {}
    for child_id, due, reported, entry_id, change in vault.rows(council_id, _OVERRIDES):
        due_day, reported_day = _day(due), _day(reported)
        if due_day is None or reported_day is None:
            continue
        out.setdefault(child_id, ReviewOverride(due_day, reported_day, entry_id,
                                                ChangeType(change) if change else None))
    return out


def due_entries(vault: ReadOnlyVault, today: date, within_days: int | None = None,
                soon_days: int = DUE_SOON_DAYS) -> list[DueEntry]:
    """Every active child's next review, soonest first (overdue or due within
    ``within_days`` only, when given), as ``CaseloadService.due`` lists them."""
    out: list[DueEntry] = []
    for council in vault.councils():
        rules = RuleSet.from_dict(dict(json.loads(vault.rules_json(council.id))))
        overrides = _overrides(vault, council.id)
        for child in _children(vault, council.id):
            rec = child.record
            due = brought_forward(next_review_due(rec.date_became_looked_after,
                                                  rec.reviews_held, rec.last_review_date,
                                                  rules), overrides.get(child.id))
            out.append(DueEntry(council, child, due, due_status(due, today, soon_days)))
    out.sort(key=lambda e: (e.due.due, e.council.code, e.child.record.last_name))
    if within_days is None:
        return out
    return [e for e in out if e.due.is_overdue(today) or e.due.is_due_within(today, within_days)]
