"""Dialogs of an escalation (dispute resolution, IRO Handbook chapter 6).

Raise a concern (the issue, the resolution wanted, the timescale, and the first stage),
raise the next stage, record a response, and close the escalation with its outcome. Each
collects what the IRO types; the escalation panel asks the service to save it, and a
refusal is shown inside the dialog, which stays open.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from iro_desktop.core.escalation import (
    RESPONSE_WORKING_DAYS,
    Escalation,
    Outcome,
    Stage,
    StageRecord,
)
from iro_desktop.core.review_clock import add_working_days
from iro_desktop.ui.dialogs.form_dialog import FormDialog, date_field, plain_text_edit


def next_stages(escalation: Escalation | None) -> list[Stage]:
    """The stages that can be raised now (the service checks them again): informal only
    first; then any higher formal level; Cafcass at any time, once."""
    if escalation is None:
        return list(Stage)
    raised = {s.stage for s in escalation.stages}
    levels = [s.stage.level for s in escalation.stages if s.stage is not Stage.CAFCASS]
    top = max(levels, default=-1)
    out = [s for s in (Stage.FORMAL_1, Stage.FORMAL_2, Stage.FORMAL_3) if s.level > top]
    if Stage.CAFCASS not in raised:
        out.append(Stage.CAFCASS)
    return out


class _StageFields:
    """Stage, raised with, raised on and the response date, shared by two dialogs."""

    def __init__(self, dialog: FormDialog, stages: list[Stage], today: date) -> None:
        self.stage = QComboBox()
        self.stage.setObjectName("escalation_stage_combo")
        self.stage.setAccessibleName("Stage")
        for stage in stages:
            self.stage.addItem(stage.label, stage.value)
        self.who = QLineEdit()
        self.who.setObjectName("escalation_who_edit")
        self.who.setAccessibleName("Raised with (name or role)")
        self.who.setMaxLength(200)
        self.who.setPlaceholderText("e.g. team manager, head of service")
        self.raised = date_field("Raised on", "escalation_raised_edit", today, latest=today)
        self.own_due = QCheckBox("Set the response &date:")
        self.own_due.setObjectName("escalation_own_due_check")
        self.own_due.setAccessibleName("Set the response date yourself")
        self.due = date_field("Response due", "escalation_due_edit",
                              add_working_days(today, RESPONSE_WORKING_DAYS))
        self.due.setEnabled(False)
        self.own_due.toggled.connect(self.due.setEnabled)
        self.due_hint = QLabel("")
        self.due_hint.setObjectName("escalation_due_hint")
        self.due_hint.setWordWrap(True)
        due_row = QHBoxLayout()
        due_row.addWidget(self.own_due)
        due_row.addWidget(self.due, 1)
        dialog.add_row("&Stage:", self.stage)
        dialog.add_row("Raised &with:", self.who)
        dialog.add_row("Raised &on:", self.raised)
        dialog.form.addRow("", due_row)
        dialog.form.addRow("", self.due_hint)
        self.raised.dateChanged.connect(lambda _d: self._update_hint())
        self.stage.currentIndexChanged.connect(lambda _i: self._update_hint())
        self._update_hint()

    def _update_hint(self) -> None:
        if self.chosen is Stage.CAFCASS:
            self.due_hint.setText("A Cafcass referral has no response date unless you set "
                                  "one.")
            return
        default = add_working_days(self.raised.py_date(), RESPONSE_WORKING_DAYS)
        self.due_hint.setText(f"Unless you set it, the response is due "
                              f"{RESPONSE_WORKING_DAYS} working days after the stage is "
                              f"raised: {default:%d/%m/%Y}.")
        if not self.own_due.isChecked():
            self.due.set_py_date(default)

    @property
    def chosen(self) -> Stage:
        return Stage(str(self.stage.currentData()))  # PySide6 gives StrEnum data back as str

    @property
    def response_due(self) -> date | None:
        return self.due.py_date() if self.own_due.isChecked() else None


class RaiseConcernDialog(FormDialog):
    """A new concern about the child's plan, with its first stage."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__("Raise a concern about the child's plan", "&Raise concern", parent)
        self.setObjectName("raise_concern_dialog")
        self.concern = plain_text_edit("The concern", "escalation_concern_edit")
        self.wanted = plain_text_edit("Resolution wanted", "escalation_wanted_edit", lines=3)
        self.has_timescale = QCheckBox("&By:")
        self.has_timescale.setObjectName("escalation_timescale_check")
        self.has_timescale.setAccessibleName("Set a timescale")
        self.timescale = date_field("Timescale for the resolution", "escalation_timescale_edit",
                                    add_working_days(today, 20))
        self.timescale.setEnabled(False)
        self.has_timescale.toggled.connect(self.timescale.setEnabled)
        timescale_row = QHBoxLayout()
        timescale_row.addWidget(self.has_timescale)
        timescale_row.addWidget(self.timescale, 1)
        self.add_row("The &concern:", self.concern)
        self.add_row("Resolution wa&nted:", self.wanted)
        self.form.addRow("Timescale:", timescale_row)
        self.stage_fields = _StageFields(self, next_stages(None), today)


class StageDialog(FormDialog):
    """The next stage of an open escalation."""

    def __init__(self, escalation: Escalation, today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__("Raise the next stage", "&Raise stage", parent)
        self.setObjectName("escalation_stage_dialog")
        reached = escalation.current_stage
        intro = QLabel(f"This concern is at: {reached.label.lower() if reached else 'no stage'}."
                       " Formal stages go up and may skip a level; a referral to Cafcass can "
                       "be made at any stage.")
        intro.setObjectName("escalation_stage_intro")
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.stage_fields = _StageFields(self, next_stages(escalation), today)


class ResponseDialog(FormDialog):
    """The response to one stage still waiting for one."""

    def __init__(self, waiting: list[StageRecord], today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__("Record a response", "Sa&ve response", parent)
        self.setObjectName("escalation_response_dialog")
        self.stage = QComboBox()
        self.stage.setObjectName("response_stage_combo")
        self.stage.setAccessibleName("Stage responded to")
        for record in waiting:
            due = f", due {record.response_due:%d/%m/%Y}" if record.response_due else ""
            self.stage.addItem(f"{record.stage.label} (raised with {record.who}{due})",
                               record.id)
        self.response = plain_text_edit("The response", "response_text_edit")
        self.when = date_field("Response received on", "response_date_edit", today,
                               latest=today)
        self.add_row("&Stage:", self.stage)
        self.add_row("The &response:", self.response)
        self.add_row("Received &on:", self.when)

    @property
    def stage_id(self) -> int:
        return int(self.stage.currentData())


class CloseEscalationDialog(FormDialog):
    """Resolved, referred to Cafcass or withdrawn."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__("Close the escalation", "&Close escalation", parent)
        self.setObjectName("close_escalation_dialog")
        self.outcome = QComboBox()
        self.outcome.setObjectName("escalation_outcome_combo")
        self.outcome.setAccessibleName("Outcome")
        for outcome in Outcome:
            self.outcome.addItem(outcome.label, outcome.value)
        self.note = plain_text_edit("Outcome note", "escalation_note_edit", lines=3)
        self.when = date_field("Closed on", "escalation_closed_edit", today, latest=today)
        self.add_row("&Outcome:", self.outcome)
        self.add_row("&Note:", self.note)
        self.add_row("Close&d on:", self.when)

    @property
    def chosen(self) -> Outcome:
        return Outcome(str(self.outcome.currentData()))
