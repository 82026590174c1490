"""Monitoring a child's plan between reviews: the kinds of entry in the IRO's log, the
significant changes, and the rule that brings the next review forward (see
``services/monitoring.py`` for the log kept in a council's file, and
docs/between-reviews.md).

Qt-free and storage-free.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from iro_desktop.core.review_clock import DueDate


class EntryKind(enum.StrEnum):
    MIDWAY_REVIEW = "midway_review"
    CONTACT = "contact"
    VISIT = "visit"
    SIGNIFICANT_CHANGE = "significant_change"

    @property
    def label(self) -> str:
        return {"midway_review": "Midway review", "contact": "Contact", "visit": "Visit",
                "significant_change": "Significant change"}[self.value]


class ChangeType(enum.StrEnum):
    PLACEMENT_MOVE = "placement_move"
    SOCIAL_WORKER_CHANGE = "social_worker_change"
    MISSING_EPISODE = "missing_episode"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"placement_move": "Placement move",
                "social_worker_change": "Change of social worker",
                "missing_episode": "Missing episode", "other": "Other change"}[self.value]


@dataclass(frozen=True, slots=True)
class MonitoringEntry:
    id: int
    child_id: int
    kind: EntryKind
    entry_date: date
    with_whom: str
    checked: str
    next_step: str
    change_type: ChangeType | None
    bring_forward_to: date | None

    @property
    def title(self) -> str:
        kind = self.change_type.label if self.change_type else self.kind.label
        return f"{kind}, {self.entry_date:%d/%m/%Y}"


@dataclass(frozen=True, slots=True)
class ReviewOverride:
    """The next review brought forward after a significant change."""

    due: date
    reported_on: date
    entry_id: int
    change_type: ChangeType | None


def brought_forward(due: DueDate, override: ReviewOverride | None) -> DueDate:
    """``due`` replaced by the brought-forward date when that is earlier."""
    if override is None or override.due >= due.due:
        return due
    what = override.change_type.label.lower() if override.change_type else "a significant change"
    return DueDate(override.due, due.review_number,
                   f"Brought forward after {what} reported on {override.reported_on:%d/%m/%Y} "
                   f"(latest lawful date {due.due:%d/%m/%Y})",
                   override.reported_on, "brought_forward")
