"""Escalation (dispute resolution, IRO Handbook chapter 6).

The IRO raises a concern about a child's plan: the issue, the resolution wanted and the
timescale. It is tracked through an informal stage (social worker / team manager) and
formal stages up the management levels, each raised with someone on a date with a
response due, to resolution, withdrawal or referral to Cafcass.

Rules kept here:

* formal stages only go up (1, 2, 3) and may skip levels; the informal stage comes first
  or not at all (the IRO may start formally);
* a Cafcass referral may be made at any stage, alongside the others;
* a stage's response is due 10 working days after it is raised unless the IRO sets
  another date (one council expects a reply in 10 working days);
* formal resolution should take at most 20 working days overall, counted from the first
  formal stage (:attr:`Escalation.formal_deadline`);
* a response is overdue when its due date has passed with no response recorded, while the
  escalation is open.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from iro_desktop.core.review_clock import add_working_days

RESPONSE_WORKING_DAYS = 10
FORMAL_OVERALL_WORKING_DAYS = 20


class Stage(enum.StrEnum):
    INFORMAL = "informal"
    FORMAL_1 = "formal_1"
    FORMAL_2 = "formal_2"
    FORMAL_3 = "formal_3"
    CAFCASS = "cafcass"

    @property
    def label(self) -> str:
        return {"informal": "Informal resolution", "formal_1": "Formal stage 1",
                "formal_2": "Formal stage 2", "formal_3": "Formal stage 3",
                "cafcass": "Referral to Cafcass"}[self.value]

    @property
    def level(self) -> int:
        """Informal 0, formal stages 1-3; Cafcass stands apart (-1)."""
        return {"informal": 0, "formal_1": 1, "formal_2": 2, "formal_3": 3,
                "cafcass": -1}[self.value]


class Outcome(enum.StrEnum):
    RESOLVED = "resolved"
    REFERRED_TO_CAFCASS = "referred_to_cafcass"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"resolved": "Resolved", "referred_to_cafcass": "Referred to Cafcass",
                "withdrawn": "Withdrawn"}[self.value]


@dataclass(frozen=True, slots=True)
class StageRecord:
    id: int
    stage: Stage
    who: str
    raised_on: date
    response_due: date | None
    response: str
    responded_on: date | None

    @property
    def answered(self) -> bool:
        return self.responded_on is not None

    def is_overdue(self, today: date) -> bool:
        return (not self.answered and self.response_due is not None
                and today > self.response_due)


@dataclass(frozen=True, slots=True)
class Escalation:
    id: int
    council_id: str
    child_id: int
    concern: str
    resolution_wanted: str
    timescale: date | None
    opened_on: date
    outcome: Outcome | None
    outcome_note: str
    closed_on: date | None
    stages: tuple[StageRecord, ...]

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    @property
    def current_stage(self) -> Stage | None:
        """The highest management level reached (Cafcass if that is all there is)."""
        ladder = [s for s in self.stages if s.stage is not Stage.CAFCASS]
        if ladder:
            return max(ladder, key=lambda s: s.stage.level).stage
        return Stage.CAFCASS if self.stages else None

    @property
    def referred_to_cafcass(self) -> bool:
        return any(s.stage is Stage.CAFCASS for s in self.stages)

    @property
    def formal_deadline(self) -> date | None:
        """20 working days from the first formal stage, if one was raised."""
        formal = [s.raised_on for s in self.stages if s.stage.level >= 1]
        return add_working_days(min(formal), FORMAL_OVERALL_WORKING_DAYS) if formal else None

    def overdue_stages(self, today: date) -> list[StageRecord]:
        return [s for s in self.stages if s.is_overdue(today)] if self.is_open else []

    def stage(self, stage: Stage) -> StageRecord | None:
        return next((s for s in self.stages if s.stage is stage), None)
