"""The records of a review, as plain objects: what the service hands to the window, the
command line and the Word export (``export/``), which reads them and never the database.

Qt-free and storage-free. ``services/reviews.py`` builds them from the council's file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from iro_desktop.core.models import Child
from iro_desktop.core.redaction import LineMarks
from iro_desktop.core.review_clock import DueDate
from iro_desktop.core.reviews import (
    AttendanceStatus,
    DecisionStatus,
    ItemState,
    ReviewStatus,
    proposed_participation_code,
)


RELATIONSHIP_MAX = 100  # characters of a person's relationship to the child


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: str
    organisation: str
    address: str = ""
    share_address: bool = False  # printed in copies other than the council's record
    relationship: str = ""  # to the child: "foster carer", "mother"


@dataclass(frozen=True, slots=True)
class AgendaItem:
    id: int
    key: str
    title: str
    guidance: str
    state: ItemState
    ad_hoc: bool

    @property
    def text_key(self) -> str:
        return f"agenda:{self.key}"


@dataclass(frozen=True, slots=True)
class Attendance:
    person: Person
    status: AttendanceStatus
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    review_id: int
    review_number: int
    text: str
    responsible: str
    person_id: int | None
    due_date: date | None
    agenda_key: str
    status: DecisionStatus
    drifting: bool = False
    update_status: DecisionStatus | None = None  # its status as updated at the review shown
    update_comment: str = ""

    def is_overdue(self, today: date) -> bool:
        return (not self.status.closed and self.due_date is not None and today > self.due_date)


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    id: int
    number: int
    status: ReviewStatus
    planned_date: date | None
    held_date: date | None
    participation_code: str | None

    @property
    def date(self) -> date | None:
        return self.held_date or self.planned_date


@dataclass(frozen=True, slots=True)
class Amendment:
    key: str
    old_value: str
    new_value: str
    reason: str
    at: datetime


@dataclass
class ReviewRecord:
    council_id: str
    id: int
    child: Child
    number: int
    status: ReviewStatus
    planned_date: date | None
    held_date: date | None
    venue: str
    participation_code: str | None
    advocate_offered: bool
    advocate_used: bool
    child_chaired: str
    next_review_date: date | None
    finalised_at: datetime | None
    texts: dict[str, str] = field(default_factory=dict)
    agenda: list[AgendaItem] = field(default_factory=list)
    attendance: list[Attendance] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    earlier_decisions: list[Decision] = field(default_factory=list)
    amendments: list[Amendment] = field(default_factory=list)
    # field key -> marks ("letter", "withhold:parents", ...); "decision:<id>" and
    # "person:<id>" -> their withholding marks, kept per child (see core.redaction)
    marks: dict[str, set[str]] = field(default_factory=dict)
    # text key -> line index -> recipients the line is withheld from
    line_marks: dict[str, LineMarks] = field(default_factory=dict)
    placement_confidential: bool = False
    placement_address: str = ""
    # front sheet, social work activity and sign-off (migration 0006)
    brought_forward: bool = False
    care_plan_endorsed: str = ""  # "", or a key of core.reviews.ENDORSED_CHOICES
    child_seen_on: date | None = None
    child_seen_alone_on: date | None = None
    midway_on: date | None = None
    placement_start: date | None = None
    team_manager: str = ""
    manager_name: str = ""
    manager_comments: str = ""
    manager_signed_on: date | None = None
    last_review_date: date | None = None  # the previous review's, or the caseload's

    @property
    def finalised(self) -> bool:
        return self.status is ReviewStatus.FINALISED

    @property
    def review_date(self) -> date | None:
        return self.held_date or self.planned_date

    def proposed_code(self) -> str | None:
        day = self.review_date
        return proposed_participation_code(self.child.record.date_of_birth, day) if day else None


@dataclass(frozen=True, slots=True)
class NextReviewCheck:
    latest_lawful: DueDate
    later_than_lawful: bool

    @property
    def warning(self) -> str:
        if not self.later_than_lawful:
            return ""
        return (f"This is later than the latest lawful date, "
                f"{self.latest_lawful.due:%d/%m/%Y}: {self.latest_lawful.rule}.")
