"""Escalations kept in a council's file: raising a concern, its stages and responses,
closing it, and the overdue responses the dashboard lists. The rules and the records
(:class:`Stage`, :class:`Outcome`, :class:`Escalation`) are in ``core/escalation.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from iro_desktop.core.escalation import (
    RESPONSE_WORKING_DAYS,
    Escalation,
    Outcome,
    Stage,
    StageRecord,
)
from iro_desktop.core.models import Council
from iro_desktop.core.review_clock import add_working_days
from iro_desktop.core.text import clean_text, one_line, trim
from iro_desktop.security.errors import DatabaseTamperedError, VaultError
from iro_desktop.storage.models import ChildRow, EscalationRow, EscalationStageRow
from iro_desktop.storage.repositories import audit
from iro_desktop.storage.vault import Vault


class EscalationError(VaultError):
    code = "escalation.error"


@dataclass(frozen=True, slots=True)
class OverdueResponse:
    """A stage whose response is late, for the dashboard."""

    council: Council
    child_id: int
    child_ref: str
    child_name: str
    escalation: Escalation
    stage: StageRecord

    def days_overdue(self, today: date) -> int:
        assert self.stage.response_due is not None
        return (today - self.stage.response_due).days


def _escalation(council_id: str, row: EscalationRow, stages: list[EscalationStageRow]
                ) -> Escalation:
    records = tuple(StageRecord(s.id, Stage(s.stage), s.who, s.raised_on, s.response_due,
                                s.response, s.responded_on)
                    for s in sorted(stages, key=lambda s: (s.raised_on, s.id)))
    return Escalation(row.id, council_id, row.child_id, row.concern, row.resolution_wanted,
                      row.timescale, row.opened_on, Outcome(row.outcome) if row.outcome else None,
                      row.outcome_note, row.closed_on, records)


class EscalationService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today) -> None:
        self.vault = vault
        self.today = today

    # ---- reading -------------------------------------------------------------------

    def escalations(self, council_id: str, child_id: int | None = None,
                    open_only: bool = False) -> list[Escalation]:
        """A council's escalations (one child's, if given), newest first."""
        with self.vault.session(council_id) as s:
            query = select(EscalationRow).order_by(EscalationRow.opened_on.desc(),
                                                   EscalationRow.id.desc())
            if child_id is not None:
                query = query.where(EscalationRow.child_id == child_id)
            if open_only:
                query = query.where(EscalationRow.outcome == "")
            rows = list(s.scalars(query))
            return [self._load(s, council_id, r) for r in rows]

    def escalation(self, council_id: str, escalation_id: int) -> Escalation:
        with self.vault.session(council_id) as s:
            return self._load(s, council_id, self._row(s, escalation_id))

    def overdue(self) -> list[OverdueResponse]:
        """Every open escalation stage, in every council, whose response is late; the
        longest overdue first."""
        today = self.today()
        out: list[OverdueResponse] = []
        for council in self.vault.councils():
            try:
                # the open escalations, read without the write lock and kept until the
                # council's records change (the dashboard asks at every F5)
                opened = self.vault.read_cached(
                    council.id, "open_escalations",
                    partial(self._open_escalations, council_id=council.id))
            except DatabaseTamperedError:
                continue
            for esc, child_id, child_ref, name in opened:
                for stage in esc.overdue_stages(today):
                    out.append(OverdueResponse(council, child_id, child_ref, name, esc, stage))
        out.sort(key=lambda o: (o.stage.response_due, o.council.code, o.child_ref))
        return out

    def _open_escalations(self, s: Session, council_id: str
                          ) -> tuple[tuple[Escalation, int, str, str], ...]:
        rows = s.execute(select(EscalationRow, ChildRow)
                         .join(ChildRow, ChildRow.id == EscalationRow.child_id)
                         .where(EscalationRow.outcome == "")).all()
        return tuple((self._load(s, council_id, row), child.id, child.child_ref,
                      f"{child.first_name} {child.last_name}") for row, child in rows)

    # ---- writing -------------------------------------------------------------------

    def raise_concern(self, council_id: str, child_id: int, concern: str,
                      resolution_wanted: str, timescale: date | None, *,
                      opened_on: date | None = None, stage: Stage = Stage.INFORMAL,
                      who: str = "", response_due: date | None = None) -> Escalation:
        """Open an escalation with its first stage (informal, or a formal stage or Cafcass
        if the IRO starts there)."""
        opened = opened_on or self.today()
        self._check_past(opened, "The concern")
        if not concern.strip():
            raise EscalationError("Describe the concern about the child's plan.")
        if not resolution_wanted.strip():
            raise EscalationError("Say what resolution you want.")
        if timescale is not None and timescale < opened:
            raise EscalationError(f"The timescale {timescale:%d/%m/%Y} is before the concern "
                                  f"was raised ({opened:%d/%m/%Y}).")
        now = datetime.now()
        with self.vault.session(council_id) as s:
            if s.get(ChildRow, child_id) is None:
                raise EscalationError("That child is not in this council's records.")
            row = EscalationRow(child_id=child_id, concern=clean_text(trim(concern)),
                                resolution_wanted=clean_text(trim(resolution_wanted)),
                                timescale=timescale, opened_on=opened, outcome="",
                                outcome_note="", created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            self._add_stage(s, row, Stage(stage), who, opened, response_due)
            audit(s, "escalation.raised", escalation=row.id)
            return self._load(s, council_id, row)

    def escalate(self, council_id: str, escalation_id: int, stage: Stage, who: str, *,
                 raised_on: date | None = None, response_due: date | None = None
                 ) -> Escalation:
        """Raise the next stage: a higher formal level (levels may be skipped) or a
        referral to Cafcass (at any stage)."""
        raised = raised_on or self.today()
        self._check_past(raised, "The stage")
        with self.vault.session(council_id) as s:
            row = self._open_row(s, escalation_id)
            self._add_stage(s, row, Stage(stage), who, raised, response_due)
            row.updated_at = datetime.now()
            audit(s, "escalation.stage", escalation=row.id)
            return self._load(s, council_id, row)

    def record_response(self, council_id: str, stage_id: int, response: str,
                        responded_on: date | None = None) -> Escalation:
        """The response to a stage, and when it came."""
        when = responded_on or self.today()
        self._check_past(when, "The response")
        if not response.strip():
            raise EscalationError("Write what the response was.")
        with self.vault.session(council_id) as s:
            stage = s.get(EscalationStageRow, stage_id)
            if stage is None:
                raise EscalationError("That escalation stage is no longer in this council's "
                                      "records.")
            row = self._open_row(s, stage.escalation_id)
            if when < stage.raised_on:
                raise EscalationError(f"The response date {when:%d/%m/%Y} is before the stage "
                                      f"was raised ({stage.raised_on:%d/%m/%Y}).")
            stage.response = clean_text(trim(response))
            stage.responded_on = when
            row.updated_at = datetime.now()
            audit(s, "escalation.response", escalation=row.id)
            return self._load(s, council_id, row)

    def close(self, council_id: str, escalation_id: int, outcome: Outcome, note: str = "",
              closed_on: date | None = None) -> Escalation:
        """End the escalation: resolved, referred to Cafcass or withdrawn. Referring to
        Cafcass here records the referral stage too if it is not there yet."""
        when = closed_on or self.today()
        self._check_past(when, "The outcome")
        outcome = Outcome(outcome)
        with self.vault.session(council_id) as s:
            row = self._open_row(s, escalation_id)
            if when < row.opened_on:
                raise EscalationError(f"The escalation cannot close on {when:%d/%m/%Y}, before "
                                      f"it was opened ({row.opened_on:%d/%m/%Y}).")
            stages = self._stages(s, row.id)
            if outcome is Outcome.REFERRED_TO_CAFCASS and not any(
                    st.stage == Stage.CAFCASS.value for st in stages):
                self._add_stage(s, row, Stage.CAFCASS, "Cafcass", when, None)
            row.outcome = outcome.value
            row.outcome_note = clean_text(trim(note))
            row.closed_on = when
            row.updated_at = datetime.now()
            audit(s, "escalation.closed", escalation=row.id)
            return self._load(s, council_id, row)

    # ---- helpers -------------------------------------------------------------------

    def _add_stage(self, s: Session, row: EscalationRow, stage: Stage, who: str,
                   raised: date, response_due: date | None) -> None:
        who = one_line(who)
        if not who:
            raise EscalationError(f"Say who the {stage.label.lower()} was raised with "
                                  "(name or role).")
        if raised < row.opened_on:
            raise EscalationError(f"A stage cannot be raised on {raised:%d/%m/%Y}, before the "
                                  f"concern was raised ({row.opened_on:%d/%m/%Y}).")
        existing = self._stages(s, row.id)
        if any(st.stage == stage.value for st in existing):
            raise EscalationError(f"{stage.label} has already been raised for this concern.")
        ladder = [Stage(st.stage) for st in existing if st.stage != Stage.CAFCASS.value]
        if stage is Stage.INFORMAL and ladder:
            raise EscalationError("Informal resolution comes before the formal stages; this "
                                  "concern is already at a formal stage.")
        if stage.level >= 1 and ladder and stage.level <= max(st.level for st in ladder):
            top = max(ladder, key=lambda st: st.level)
            raise EscalationError(f"This concern is already at {top.label.lower()}: the next "
                                  "formal stage must be a higher one.")
        latest = max((st.raised_on for st in existing), default=row.opened_on)
        if stage is not Stage.CAFCASS and raised < latest:
            raise EscalationError(f"A new stage cannot be dated {raised:%d/%m/%Y}, before the "
                                  f"last one ({latest:%d/%m/%Y}).")
        if response_due is None and stage is not Stage.CAFCASS:
            response_due = add_working_days(raised, RESPONSE_WORKING_DAYS)
        if response_due is not None and response_due < raised:
            raise EscalationError(f"The response cannot be due ({response_due:%d/%m/%Y}) "
                                  f"before the stage is raised ({raised:%d/%m/%Y}).")
        s.add(EscalationStageRow(escalation_id=row.id, stage=stage.value,
                                 who=clean_text(who, 200, "Who it was raised with"), raised_on=raised,
                                 response_due=response_due, response="",
                                 created_at=datetime.now()))
        s.flush()

    def _check_past(self, day: date, what: str) -> None:
        if day > self.today():
            raise EscalationError(f"{what} cannot be dated in the future ({day:%d/%m/%Y}).")

    @staticmethod
    def _stages(s: Session, escalation_id: int) -> list[EscalationStageRow]:
        return list(s.scalars(select(EscalationStageRow)
                              .where(EscalationStageRow.escalation_id == escalation_id)))

    def _load(self, s: Session, council_id: str, row: EscalationRow) -> Escalation:
        return _escalation(council_id, row, self._stages(s, row.id))

    @staticmethod
    def _row(s: Session, escalation_id: int) -> EscalationRow:
        row = s.get(EscalationRow, escalation_id)
        if row is None:
            raise EscalationError("That escalation is no longer in this council's records.")
        return row

    def _open_row(self, s: Session, escalation_id: int) -> EscalationRow:
        row = self._row(s, escalation_id)
        if row.outcome:
            raise EscalationError(f"This escalation was closed on {row.closed_on:%d/%m/%Y} "
                                  f"({Outcome(row.outcome).label.lower()}); raise a new "
                                  "concern if the issue returns.")
        return row
