"""Queries on one council database, returning domain objects (never ORM rows to callers)."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from iro_desktop.core.models import Child, ChildRecord
from iro_desktop.storage.models import AuditEvent, ChildRow

_RECORD_FIELDS = tuple(f.name for f in fields(ChildRecord))


def record_from_row(row: ChildRow) -> ChildRecord:
    return ChildRecord(**{name: getattr(row, name) for name in _RECORD_FIELDS})


def child_from_row(row: ChildRow, council_id: str) -> Child:
    return Child(id=row.id, council_id=council_id, record=record_from_row(row))


def _active_children():  # type: ignore[no-untyped-def]
    columns = [ChildRow.id, *(getattr(ChildRow, name) for name in _RECORD_FIELDS)]
    return select(*columns).where(ChildRow.status == "active")


class ChildRepository:
    def __init__(self, session: Session, council_id: str) -> None:
        self.session = session
        self.council_id = council_id

    def active(self) -> list[Child]:
        # Plain rows of the columns a Child holds, not ORM objects: the caseload and the
        # dashboard read every child, and making ORM rows was most of their time.
        rows = self.session.execute(_active_children())
        return [child_from_row(row, self.council_id) for row in rows]  # type: ignore[arg-type]

    def rows_by_ref(self) -> dict[str, ChildRow]:
        """Every child keyed by reference folded to one case (the importer treats
        ``nb1`` and ``NB1`` as the same child, so matching must too)."""
        return {row.child_ref.casefold(): row for row in self.session.scalars(select(ChildRow))}

    def add(self, record: ChildRecord, now: datetime) -> None:
        self.session.add(ChildRow(**{n: getattr(record, n) for n in _RECORD_FIELDS},
                                  status="active", created_at=now, updated_at=now))

    @staticmethod
    def update(row: ChildRow, record: ChildRecord, now: datetime) -> None:
        for name in _RECORD_FIELDS:
            setattr(row, name, getattr(record, name))
        row.status = "active"
        row.updated_at = now


def audit(session: Session, code: str, **counts: int | str) -> None:
    """Record an event with counts or ids only: never names, references or free text."""
    session.add(AuditEvent(at=datetime.now(), code=code, detail=json.dumps(counts)))


# The open decisions (DecisionStatus's closed ones left out), word for word the condition
# of the partial index ix_decision_open, which SQLite uses only for that condition.
OPEN_DECISION = "status NOT IN ('done', 'no_longer_needed')"

# Open decisions reported not done at two reviews in a row (core.reviews.is_drifting),
# found by SQLite: only the drifting ids come back, not every update of every decision.
# Only a decision with two "not done" updates can drift, so the window runs over those
# few (c) rather than over every update of every open decision: read after a write (no
# page cached), 11-13 ms -> 2.4 ms per council at ten years of records.
_DRIFTING = (
    "WITH c AS (SELECT decision_id AS id FROM decision_update WHERE status = 'not_done' "
    "GROUP BY decision_id HAVING count(*) > 1) "
    "SELECT DISTINCT decision_id FROM (SELECT u.decision_id, u.status, lag(u.status) OVER "
    "(PARTITION BY u.decision_id ORDER BY r.number) AS before FROM c "
    f"JOIN decision d ON d.id = c.id AND d.{OPEN_DECISION} "
    "JOIN decision_update u ON u.decision_id = c.id JOIN review r ON r.id = u.review_id) "
    "WHERE status = 'not_done' AND before = 'not_done'")


def drifting_decisions(session: Session) -> set[int]:
    """Ids of the open decisions that are drifting (not done at two reviews in a row)."""
    return {r[0] for r in session.connection().exec_driver_sql(_DRIFTING)}


def decision_flags(session: Session, today: date) -> dict[int, tuple[int, int]]:
    """Per child: (open decisions past their date, decisions drifting), for the caseload."""
    conn = session.connection()
    drifting = drifting_decisions(session)
    flags: dict[int, tuple[int, int]] = {}
    # dates are stored as ISO text, so they compare as text
    for child_id, overdue, ids in conn.exec_driver_sql(
            "SELECT child_id, sum(due_date IS NOT NULL AND due_date < ?), "
            f"group_concat(id) FROM decision WHERE {OPEN_DECISION} GROUP BY child_id",
            (today.isoformat(),)):
        drift = sum(1 for i in ids.split(",") if int(i) in drifting) if drifting else 0
        flags[child_id] = (int(overdue or 0), drift)
    return flags
