"""Dialogs of the monitoring log: log (or correct) an entry, bring the next review forward.

They collect what the IRO types; the monitoring panel asks the service to save it, and a
refusal (a date in the future, a review date not earlier than the one already due...) is
shown inside the dialog, which stays open.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from iro_desktop.core.monitoring import ChangeType, EntryKind, MonitoringEntry
from iro_desktop.ui.dialogs.form_dialog import FormDialog, date_field, plain_text_edit


class MonitoringEntryDialog(FormDialog):
    """A new entry (kind chosen here) or a correction of ``entry`` (date and text only)."""

    def __init__(self, today: date, statutory_due: date | None, parent: QWidget | None = None,
                 entry: MonitoringEntry | None = None) -> None:
        super().__init__("Correct a monitoring entry" if entry else "Log monitoring",
                         "&Save" if entry else "&Log it", parent)
        self.setObjectName("monitoring_entry_dialog")
        self.kind = QComboBox()
        self.kind.setObjectName("monitoring_kind_combo")
        self.kind.setAccessibleName("What happened")
        for kind in EntryKind:
            self.kind.addItem(kind.label, kind.value)
        self.change = QComboBox()
        self.change.setObjectName("monitoring_change_combo")
        self.change.setAccessibleName("What changed")
        for change in ChangeType:
            self.change.addItem(change.label, change.value)
        self.when = date_field("Date", "monitoring_date_edit", today, latest=today)
        self.with_whom = QLineEdit()
        self.with_whom.setObjectName("monitoring_with_whom_edit")
        self.with_whom.setAccessibleName("With whom")
        self.with_whom.setMaxLength(2000)
        self.with_whom.setPlaceholderText("e.g. social worker, carer, the child")
        self.checked = plain_text_edit("What was checked", "monitoring_checked_edit")
        self.next_step = plain_text_edit("Next step", "monitoring_next_step_edit", lines=3)
        self.forward = QCheckBox("&Bring the next review forward to:")
        self.forward.setObjectName("monitoring_forward_check")
        self.forward.setAccessibleName("Bring the next review forward")
        self.forward_to = date_field("Bring the next review forward to", "monitoring_forward_edit",
                                     today)
        self.forward_to.setEnabled(False)
        self.forward.toggled.connect(self.forward_to.setEnabled)
        forward_row = QHBoxLayout()
        forward_row.addWidget(self.forward)
        forward_row.addWidget(self.forward_to, 1)
        self.forward_hint = QLabel(
            f"By the review clock the next review is due by {statutory_due:%d/%m/%Y}."
            if statutory_due else "")
        self.forward_hint.setObjectName("monitoring_forward_hint")
        self.forward_hint.setWordWrap(True)

        self.add_row("&What happened:", self.kind)
        self.add_row("What &changed:", self.change)
        self.add_row("&Date:", self.when)
        self.add_row("With wh&om:", self.with_whom)
        self.add_row("What was chec&ked:", self.checked)
        self.add_row("&Next step:", self.next_step)
        self.form.addRow("", forward_row)
        self.form.addRow("", self.forward_hint)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        if entry is not None:
            self.kind.setCurrentIndex(self.kind.findData(entry.kind.value))
            if entry.change_type is not None:
                self.change.setCurrentIndex(self.change.findData(entry.change_type.value))
            self.kind.setEnabled(False)
            self.change.setEnabled(False)
            self.when.set_py_date(entry.entry_date)
            self.with_whom.setText(entry.with_whom)
            self.checked.setPlainText(entry.checked)
            self.next_step.setPlainText(entry.next_step)
            for widget in (self.forward, self.forward_to, self.forward_hint):
                widget.hide()  # bringing forward has its own button in the panel
        self._on_kind_changed()

    def _on_kind_changed(self) -> None:
        significant = self.entry_kind is EntryKind.SIGNIFICANT_CHANGE
        self.change.setEnabled(significant and self.kind.isEnabled())
        self.forward.setEnabled(significant)
        if not significant:
            self.forward.setChecked(False)

    @property
    def entry_kind(self) -> EntryKind:
        return EntryKind(str(self.kind.currentData()))  # PySide6 hands StrEnum data back as str

    @property
    def change_type(self) -> ChangeType | None:
        if self.entry_kind is not EntryKind.SIGNIFICANT_CHANGE:
            return None
        return ChangeType(str(self.change.currentData()))

    @property
    def bring_forward_to(self) -> date | None:
        return self.forward_to.py_date() if self.forward.isChecked() else None


class BringForwardDialog(FormDialog):
    """The date the next review is brought forward to after a significant change."""

    def __init__(self, change: MonitoringEntry, statutory_due: date, today: date,
                 parent: QWidget | None = None) -> None:
        super().__init__("Bring the next review forward", "&Bring forward", parent)
        self.setObjectName("bring_forward_dialog")
        what = change.change_type.label.lower() if change.change_type else "significant change"
        intro = QLabel(f"After the {what} reported on {change.entry_date:%d/%m/%Y}. By the "
                       f"review clock the next review is due by {statutory_due:%d/%m/%Y}; "
                       "choose an earlier date. Until a review is held, this date shows on "
                       "the caseload and the dashboard.")
        intro.setObjectName("bring_forward_intro")
        intro.setWordWrap(True)
        start = max(change.entry_date, min(today, statutory_due))
        self.to = date_field("Review brought forward to", "bring_forward_date_edit", start)
        self.form.addRow(intro)
        self.add_row("&Review by:", self.to)
