"""Rules of a review's record: lifecycle, attendance, the child's participation, decisions.

Qt-free and storage-free. The service layer (``services/reviews.py``) applies these.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from iro_desktop.core import codes


class ReviewStatus(enum.StrEnum):
    PLANNED = "planned"
    PREPARATION = "preparation"
    HELD = "held"
    RECORDING = "recording"  # record in progress
    FINALISED = "finalised"

    @property
    def label(self) -> str:
        return {"planned": "Planned", "preparation": "Preparation", "held": "Held",
                "recording": "Record in progress", "finalised": "Finalised"}[self.value]

    @property
    def rank(self) -> int:
        return list(ReviewStatus).index(self)


class AttendanceStatus(enum.StrEnum):
    INVITED = "invited"
    ATTENDED = "attended"
    APOLOGIES = "apologies"
    WRITTEN = "written"  # contributed in writing
    EXCLUDED = "excluded"
    CONSULTED = "consulted"  # views sought before the review; did not attend

    @property
    def label(self) -> str:
        return {"invited": "Invited", "attended": "Attended", "apologies": "Apologies",
                "written": "Contributed in writing", "excluded": "Excluded",
                "consulted": "Consulted, did not attend"}[self.value]


class ItemState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return {"not_started": "Not started", "in_progress": "In progress", "done": "Done",
                "not_applicable": "Not applicable"}[self.value]

    @property
    def mark(self) -> str:
        return {"not_started": "\u25cb", "in_progress": "\u25d0", "done": "\u25cf",
                "not_applicable": "\u2013"}[self.value]


class DecisionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    IN_PROGRESS = "in_progress"
    NOT_DONE = "not_done"
    NO_LONGER_NEEDED = "no_longer_needed"

    @property
    def label(self) -> str:
        return {"open": "Open", "done": "Done", "in_progress": "In progress",
                "not_done": "Not done", "no_longer_needed": "No longer needed"}[self.value]

    @property
    def closed(self) -> bool:
        return self in (DecisionStatus.DONE, DecisionStatus.NO_LONGER_NEEDED)


UPDATE_CHOICES = (DecisionStatus.DONE, DecisionStatus.IN_PROGRESS, DecisionStatus.NOT_DONE,
                  DecisionStatus.NO_LONGER_NEEDED)

PERSON_ROLES = ("Parent", "Carer", "Social worker", "Teacher", "Health", "Advocate",
                "Personal adviser", "Other")

CHAIRED_CHOICES = {"no": "No", "co-chaired": "Co-chaired", "chaired": "Chaired"}

# Did the review endorse the care plan ("" = not recorded yet).
ENDORSED_CHOICES = {"yes": "Yes", "no": "No", "in_part": "In part"}

# A text written to the child about one agenda item, for the letter: "forchild:<item key>".
FOR_CHILD_PREFIX = "forchild:"

# Free-text fields of a review, by key. Agenda item text is "agenda:<item key>".
TEXT_FIELDS: dict[str, str] = {
    "voice.views": "The child's views, in their own words",
    "voice.wants": "What the child wants to happen",
    "voice.how_gathered": "How the views were gathered",
    "prep.spoke_alone": "Spoke to the child alone before the review (when, how, or why not)",
    "prep.consultation": "Consultation forms / Mind of My Own / Viewpoint responses",
    "prep.reports": "Reports received (social worker, care plan, PEP, health, carers) with dates",
    "prep.midway": "Midway contact with the social worker",
    "next.venue": "Venue of the next review",
    "invitees": "Invitees",
    "letter.note": "A note to the child, at the start of their letter",
    "care_plan.endorsement": "Why the care plan was not endorsed, or only in part",
}
MAX_TEXT = 1_000_000  # characters in one field: pasted text beyond this is refused, not lost


def is_text_key(key: str) -> bool:
    return key in TEXT_FIELDS or (key.startswith("agenda:") and 8 <= len(key) <= 60) or (
        key.startswith(FOR_CHILD_PREFIX) and len(FOR_CHILD_PREFIX) < len(key) <= 60)


def for_child_key(item_key: str) -> str:
    """The key of the "for the child" text of an agenda item."""
    return FOR_CHILD_PREFIX + item_key


def review_type(number: int, brought_forward: bool) -> str:
    """'First', 'Second', 'Subsequent', with '(brought forward)' when it was."""
    kind = {1: "First", 2: "Second"}.get(number, "Subsequent")
    return f"{kind} (brought forward)" if brought_forward else kind


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def proposed_participation_code(date_of_birth: date, review_date: date) -> str | None:
    """PN0 is proposed for a child under 4 on the review date; otherwise the IRO chooses."""
    return "PN0" if age_on(date_of_birth, review_date) < 4 else None


def resolve_within_weeks(review_date: date, weeks: int) -> date:
    if not 1 <= weeks <= 104:
        raise ValueError("'within N weeks' takes 1 to 104 weeks")
    return review_date + timedelta(weeks=weeks)


def is_drifting(updates: list[DecisionStatus]) -> bool:
    """A decision reported not done at two reviews in a row is drifting."""
    return any(a is DecisionStatus.NOT_DONE and b is DecisionStatus.NOT_DONE
               for a, b in zip(updates, updates[1:]))


@dataclass(frozen=True, slots=True)
class FinaliseCheck:
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def held_date_problem(held: date, looked_after: date, today: date) -> str | None:
    if held < looked_after:
        return (f"the review date {held:%d/%m/%Y} is before the child became looked after "
                f"({looked_after:%d/%m/%Y})")
    if held > today:
        return f"the review date {held:%d/%m/%Y} is in the future"
    return None


def finalise_check(*, status: ReviewStatus, held_date: date | None,
                   participation_code: str | None, date_of_birth: date,
                   looked_after: date | None = None, today: date | None = None) -> FinaliseCheck:
    problems: list[str] = []
    participation_code = (codes.normalise(codes.PARTICIPATION, participation_code)
                          if participation_code else None)
    if status.rank < ReviewStatus.HELD.rank:
        problems.append("the review has not been marked as held")
    if held_date is None:
        problems.append("the date the review was held is missing")
    elif looked_after is not None and today is not None:
        problem = held_date_problem(held_date, looked_after, today)
        if problem:
            problems.append(problem)
    if not participation_code:
        problems.append("a participation code (PN0-PN7) is needed for a held review")
    elif held_date is not None:
        under_four = age_on(date_of_birth, held_date) < 4
        if under_four and participation_code != "PN0":
            problems.append("the child was under 4 on the review date: the code is PN0")
        if not under_four and participation_code == "PN0":
            problems.append("PN0 is only for a child under 4 on the review date")
    return FinaliseCheck(tuple(problems))
