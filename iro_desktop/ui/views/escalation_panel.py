"""The child's escalations (dispute resolution), a tab of the child view.

A list of the concerns raised about the child's plan, newest first, and for the selected
one: the concern, the resolution wanted, the timescale, the 20-working-day formal deadline,
and each stage (who, date raised, response due, response). A response past its date says
"Overdue" in words and colour; it also shows on the dashboard.

Keys: Alt+N new concern, Alt+S raise the next stage, Alt+D record a response, Alt+O close
with an outcome (resolved, referred to Cafcass, withdrawn).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.widgets.controls import message_label
from iro_desktop.ui.widgets.controls import button as _button
from iro_desktop.core.escalation import Escalation, Stage
from iro_desktop.services.escalation import EscalationService
from iro_desktop.ui.widgets.tables import read_only_table
from iro_desktop.ui.workers import user_message

if TYPE_CHECKING:
    from iro_desktop.services.reviews import ReviewService

ESCALATION_ROLE = Qt.ItemDataRole.UserRole + 1
LATE = Qt.GlobalColor.darkRed
ERROR_STYLE, DONE_STYLE = "color: #b00020;", "color: #1b5e20;"


def status_text(escalation: Escalation, today: date) -> str:
    if escalation.outcome is not None:
        when = f" {escalation.closed_on:%d/%m/%Y}" if escalation.closed_on else ""
        return f"{escalation.outcome.label}{when}"
    if escalation.overdue_stages(today):
        return "Open - response overdue"
    return "Open"


def _next_due(escalation: Escalation) -> str:
    waiting = [s.response_due for s in escalation.stages
               if not s.answered and s.response_due is not None]
    return f"{min(waiting):%d/%m/%Y}" if waiting and escalation.is_open else ""


class EscalationPanel(QWidget):
    escalations_changed = Signal(int)  # how many are open

    def __init__(self, service: EscalationService, reviews: ReviewService,
                 today: Callable[[], date],
                 parent: QWidget | None = None) -> None:
        """``reviews`` (the window's ReviewService) names the child's network in the forms."""
        super().__init__(parent)
        self.setObjectName("escalation_panel")
        self.service = service
        self.reviews = reviews
        self.today = today
        self.council_id = ""
        self.child_id = 0
        self.escalations: list[Escalation] = []
        self.table = read_only_table(["Raised", "Concern", "Stage reached", "Status",
                                      "Next response due"], "escalations_table",
                                     "Escalations about this child's plan", stretch=(1,),
                                     select_rows=True)
        self.table.setWordWrap(False)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.details = QLabel("")
        self.details.setObjectName("escalation_details")
        self.details.setAccessibleName("The selected escalation")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stages = read_only_table(["Stage", "Raised with", "Raised", "Response due",
                                       "Response", "Received", "Flag"], "escalation_stages_table",
                                      "Stages of the selected escalation", stretch=(4,),
                                      select_rows=True)
        self.stages.setWordWrap(True)
        self._fit_rows = QTimer(self)  # row heights follow the wrapped responses
        self._fit_rows.setSingleShot(True)
        self._fit_rows.setInterval(0)
        self._fit_rows.timeout.connect(self.stages.resizeRowsToContents)
        self.stages.horizontalHeader().sectionResized.connect(lambda *_a: self._fit_rows.start())
        self.new_button = _button("&New concern...", "escalation_new_button",
                                  "Raise a new concern about the child's plan", self.raise_concern)
        self.stage_button = _button("Raise the next &stage...", "escalation_stage_button",
                                    "Raise the next stage of the selected escalation",
                                    self.raise_stage)
        self.response_button = _button("Recor&d a response...", "escalation_response_button",
                                       "Record a response to a stage", self.record_response)
        self.close_button = _button("Close with an &outcome...", "escalation_close_button",
                                    "Close the selected escalation with its outcome",
                                    self.close_escalation)
        self.message = message_label(name="escalation_message")

        buttons = QHBoxLayout()
        for button in (self.new_button, self.stage_button, self.response_button,
                       self.close_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.details)
        lower_layout.addWidget(self.stages, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self._update_buttons()

    # ---- loading -------------------------------------------------------------------

    def load(self, council_id: str, child_id: int, select_id: int | None = None) -> None:
        if (council_id, child_id) != (self.council_id, self.child_id):
            self.message.clear()
        self.council_id, self.child_id = council_id, child_id
        current = self.selected()
        try:
            self.escalations = self.service.escalations(council_id, child_id)
        except Exception as exc:  # noqa: BLE001 - the rest of the child view still shows
            self.escalations = []
            self._show(f"The escalations could not be read: {user_message(exc)}", error=True)
        self._fill(select_id if select_id is not None else (current.id if current else None))

    def _fill(self, select_id: int | None) -> None:
        today = self.today()
        self.table.setRowCount(len(self.escalations))
        for row, e in enumerate(self.escalations):
            reached = e.current_stage.label if e.current_stage else ""
            if e.referred_to_cafcass and e.current_stage is not None and \
                    e.current_stage.level >= 0:
                reached += " (and Cafcass)"
            values = (f"{e.opened_on:%d/%m/%Y}", " ".join(e.concern.split()), reached,
                      status_text(e, today), _next_due(e))
            late = bool(e.overdue_stages(today))
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(ESCALATION_ROLE, e.id)
                if late:
                    item.setForeground(LATE)
                self.table.setItem(row, col, item)
        ids = [e.id for e in self.escalations]
        if ids:
            self.table.selectRow(ids.index(select_id) if select_id in ids else 0)
        self._on_selection_changed()
        self.escalations_changed.emit(sum(1 for e in self.escalations if e.is_open))

    def clear(self) -> None:
        self.escalations = []
        self.council_id, self.child_id = "", 0
        self.table.setRowCount(0)
        self.stages.setRowCount(0)
        self.details.clear()
        self.message.clear()

    def selected(self) -> Escalation | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        if item is None:
            return None
        escalation_id = item.data(ESCALATION_ROLE)
        return next((e for e in self.escalations if e.id == escalation_id), None)

    def _on_selection_changed(self) -> None:
        e = self.selected()
        today = self.today()
        if e is None:
            self.details.setText("No concern raised about this child's plan. Alt+N raises one."
                                 if self.council_id else "")
            self.stages.setRowCount(0)
            self._update_buttons()
            return
        lines = [f"Concern: {e.concern}", f"Resolution wanted: {e.resolution_wanted}"]
        facts = [f"Raised {e.opened_on:%d/%m/%Y}"]
        if e.timescale:
            facts.append(f"timescale {e.timescale:%d/%m/%Y}")
        if e.formal_deadline:
            facts.append(f"formal stages to be resolved by {e.formal_deadline:%d/%m/%Y} "
                         "(20 working days)")
        facts.append(status_text(e, today))
        lines.append(" \u2022 ".join(facts))
        if e.outcome_note:
            lines.append(f"Outcome: {e.outcome_note}")
        self.details.setText("\n".join(lines))
        self.stages.setRowCount(len(e.stages))
        for row, s in enumerate(e.stages):
            overdue = e.is_open and s.is_overdue(today)
            values = (s.stage.label, s.who, f"{s.raised_on:%d/%m/%Y}",
                      f"{s.response_due:%d/%m/%Y}" if s.response_due else "",
                      s.response or ("Waiting" if e.is_open else ""),
                      f"{s.responded_on:%d/%m/%Y}" if s.responded_on else "",
                      f"Overdue by {(today - s.response_due).days} days"
                      if overdue and s.response_due else "")
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if overdue:
                    item.setForeground(LATE)
                self.stages.setItem(row, col, item)
        self._fit_rows.start()
        self._update_buttons()

    def _update_buttons(self) -> None:
        from iro_desktop.ui.dialogs.escalation_dialogs import next_stages

        e = self.selected()
        is_open = e is not None and e.is_open
        self.new_button.setEnabled(bool(self.council_id))
        self.stage_button.setEnabled(is_open and bool(next_stages(e)))
        self.response_button.setEnabled(is_open and e is not None
                                        and any(not s.answered for s in e.stages))
        self.close_button.setEnabled(is_open)

    # ---- actions -------------------------------------------------------------------

    def raise_concern(self) -> None:
        from iro_desktop.ui.dialogs.escalation_dialogs import RaiseConcernDialog
        from iro_desktop.ui.dialogs.form_dialog import network_names, offer_names

        if not self.council_id:
            return
        dialog = RaiseConcernDialog(self.today(), self)
        fields = dialog.stage_fields
        offer_names(fields.who, network_names(self.reviews, self.council_id,
                                              self.child_id))
        saved = dialog.run(lambda: self.service.raise_concern(
            self.council_id, self.child_id, dialog.concern.toPlainText(),
            dialog.wanted.toPlainText(),
            dialog.timescale.py_date() if dialog.has_timescale.isChecked() else None,
            opened_on=fields.raised.py_date(), stage=fields.chosen, who=fields.who.text(),
            response_due=fields.response_due))
        if saved is not None:
            self._saved(saved, f"Concern raised: {saved.stages[0].stage.label.lower()} with "
                               f"{saved.stages[0].who}.")

    def raise_stage(self) -> None:
        from iro_desktop.ui.dialogs.escalation_dialogs import StageDialog
        from iro_desktop.ui.dialogs.form_dialog import network_names, offer_names

        e = self.selected()
        if e is None or not e.is_open:
            return
        dialog = StageDialog(e, self.today(), self)
        fields = dialog.stage_fields
        offer_names(fields.who, network_names(self.reviews, self.council_id,
                                              self.child_id))
        chosen: list[Stage] = []

        def escalate() -> Escalation:
            chosen[:] = [fields.chosen]
            return self.service.escalate(self.council_id, e.id, fields.chosen,
                                         fields.who.text(), raised_on=fields.raised.py_date(),
                                         response_due=fields.response_due)

        saved = dialog.run(escalate)
        stage = saved.stage(chosen[0]) if saved is not None and chosen else None
        if saved is not None and stage is not None:
            self._saved(saved, f"{stage.stage.label} raised with {stage.who}.")

    def record_response(self) -> None:
        from iro_desktop.ui.dialogs.escalation_dialogs import ResponseDialog

        e = self.selected()
        if e is None or not e.is_open:
            return
        waiting = [s for s in e.stages if not s.answered]
        if not waiting:
            return
        dialog = ResponseDialog(waiting, self.today(), self)
        saved = dialog.run(lambda: self.service.record_response(
            self.council_id, dialog.stage_id, dialog.response.toPlainText(),
            dialog.when.py_date()))
        if saved is not None:
            self._saved(saved, "Response recorded.")

    def close_escalation(self) -> None:
        from iro_desktop.ui.dialogs.escalation_dialogs import CloseEscalationDialog

        e = self.selected()
        if e is None or not e.is_open:
            return
        dialog = CloseEscalationDialog(self.today(), self)
        saved = dialog.run(lambda: self.service.close(
            self.council_id, e.id, dialog.chosen, dialog.note.toPlainText(),
            dialog.when.py_date()))
        if saved is not None and saved.outcome is not None:
            self._saved(saved, f"Escalation closed: {saved.outcome.label.lower()}.")

    def _saved(self, escalation: Escalation, text: str) -> None:
        self.load(self.council_id, self.child_id, escalation.id)
        self.table.setFocus()
        self._show(text, error=False)

    def _show(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else DONE_STYLE)
