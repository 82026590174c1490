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


class ChildRepository:
    def __init__(self, session: Session, council_id: str) -> None:
        self.session = session
        self.council_id = council_id

    def active(self) -> list[Child]:
        rows = self.session.scalars(select(ChildRow).where(ChildRow.status == "active"))
        return [child_from_row(row, self.council_id) for row in rows]

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


def decision_flags(session: Session, today: date) -> dict[int, tuple[int, int]]:
    """Per child: (open decisions past their date, decisions drifting), for the caseload."""
    from iro_desktop.core.reviews import DecisionStatus, is_drifting
    from iro_desktop.storage.models import DecisionRow, DecisionUpdateRow, ReviewRow

    closed = (DecisionStatus.DONE.value, DecisionStatus.NO_LONGER_NEEDED.value)
    still_open = DecisionRow.status.not_in(closed)
    open_rows = session.execute(
        select(DecisionRow.id, DecisionRow.child_id, DecisionRow.due_date)
        .where(still_open)).all()
    if not open_rows:
        return {}
    history: dict[int, list[DecisionStatus]] = {}
    # a subquery, not a list of ids: thousands of bound values made SQLAlchemy compile the
    # statement afresh on every call
    for decision_id, status in session.execute(
            select(DecisionUpdateRow.decision_id, DecisionUpdateRow.status)
            .join(ReviewRow, ReviewRow.id == DecisionUpdateRow.review_id)
            .where(DecisionUpdateRow.decision_id.in_(select(DecisionRow.id).where(still_open)))
            .order_by(DecisionUpdateRow.decision_id, ReviewRow.number)):
        history.setdefault(decision_id, []).append(DecisionStatus(status))
    flags: dict[int, tuple[int, int]] = {}
    for decision_id, child_id, due in open_rows:
        overdue, drifting = flags.get(child_id, (0, 0))
        flags[child_id] = (overdue + (1 if due is not None and today > due else 0),
                           drifting + (1 if is_drifting(history.get(decision_id, [])) else 0))
    return flags
