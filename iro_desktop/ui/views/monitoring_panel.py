"""The child's monitoring log between reviews, a tab of the child view.

Midway reviews, contacts, visits and significant changes reported (placement move, change
of social worker, missing episode), newest first, each with its date, with whom, what was
checked and the next step. A significant change can bring the next review forward; the
child's due date then changes on the caseload and the dashboard (``due_changed``).

Keys: Alt+G log an entry, Alt+D correct the selected one, Alt+T delete it, Alt+N bring
the next review forward after the selected change (or stop bringing it forward).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.widgets.controls import message_label
from iro_desktop.ui.widgets.controls import button as _button
from iro_desktop.core.monitoring import EntryKind, MonitoringEntry
from iro_desktop.services.monitoring import MonitoringService
from iro_desktop.ui.widgets.tables import read_only_table
from iro_desktop.ui.workers import user_message

if TYPE_CHECKING:
    from iro_desktop.services.reviews import ReviewService

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
ERROR_STYLE, DONE_STYLE = "color: #b00020;", "color: #1b5e20;"


class MonitoringPanel(QWidget):
    due_changed = Signal()  # the next review was brought forward, or no longer is
    entries_changed = Signal(int)  # how many entries the log now has

    def __init__(self, service: MonitoringService, reviews: ReviewService,
                 today: Callable[[], date],
                 parent: QWidget | None = None) -> None:
        """``reviews`` (the window's ReviewService) names the child's network in the forms."""
        super().__init__(parent)
        self.setObjectName("monitoring_panel")
        self.service = service
        self.reviews = reviews
        self.today = today
        self.council_id = ""
        self.child_id = 0
        self.entries: list[MonitoringEntry] = []
        intro = QLabel("Midway reviews, contacts, visits and significant changes reported "
                       "between reviews, newest first.")
        intro.setObjectName("monitoring_intro")
        intro.setWordWrap(True)
        self.table = read_only_table(
            ["Date", "What", "With whom", "What was checked", "Next step",
             "Review brought forward to"], "monitoring_table", "Monitoring log",
            stretch=(3, 4), select_rows=True)
        self.table.setWordWrap(True)
        # Row heights follow the wrapped text once the columns have their final widths.
        self._fit_rows = QTimer(self)
        self._fit_rows.setSingleShot(True)
        self._fit_rows.setInterval(0)
        self._fit_rows.timeout.connect(self.table.resizeRowsToContents)
        self.table.horizontalHeader().sectionResized.connect(
            lambda *_a: self._fit_rows.start())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.activated.connect(lambda _i: self.edit_entry())
        self.add_button = _button("Lo&g an entry...", "monitoring_add_button",
                                  "Log a contact, visit, midway review or change",
                                  self.add_entry)
        self.edit_button = _button("E&dit entry...", "monitoring_edit_button",
                                   "Correct the selected entry", self.edit_entry)
        self.delete_button = _button("Dele&te entry", "monitoring_delete_button",
                                     "Delete the selected entry", self.delete_entry)
        self.forward_button = _button("Bring the &next review forward...",
                                      "monitoring_forward_button",
                                      "Bring the next review forward after the selected change",
                                      self.toggle_bring_forward)
        self.message = message_label(name="monitoring_message")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button,
                       self.forward_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self._update_buttons()

    # ---- loading -------------------------------------------------------------------

    def load(self, council_id: str, child_id: int) -> None:
        if (council_id, child_id) != (self.council_id, self.child_id):
            self.message.clear()
        self.council_id, self.child_id = council_id, child_id
        try:
            self.entries = self.service.entries(council_id, child_id)
        except Exception as exc:  # noqa: BLE001 - the rest of the child view still shows
            self.entries = []
            self._show(f"The monitoring log could not be read: {user_message(exc)}",
                       error=True)
        self._fill()

    def _fill(self) -> None:
        selected = self.selected()
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            what = e.change_type.label if e.change_type else e.kind.label
            if e.kind is EntryKind.SIGNIFICANT_CHANGE:
                what = f"Significant change: {what}"
            values = (f"{e.entry_date:%d/%m/%Y}", what, e.with_whom, e.checked, e.next_step,
                      f"{e.bring_forward_to:%d/%m/%Y}" if e.bring_forward_to else "")
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(ENTRY_ROLE, e.id)
                self.table.setItem(row, col, item)
        self._fit_rows.start()
        if self.entries:
            ids = [e.id for e in self.entries]
            self.table.selectRow(ids.index(selected.id) if selected and selected.id in ids
                                 else 0)
        self._update_buttons()
        self.entries_changed.emit(len(self.entries))

    def clear(self) -> None:
        self.entries = []
        self.council_id, self.child_id = "", 0
        self.table.setRowCount(0)
        self.message.clear()

    def selected(self) -> MonitoringEntry | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        if item is None:
            return None
        entry_id = item.data(ENTRY_ROLE)
        return next((e for e in self.entries if e.id == entry_id), None)

    def _update_buttons(self) -> None:
        entry = self.selected()
        self.edit_button.setEnabled(entry is not None)
        self.delete_button.setEnabled(entry is not None)
        change = entry is not None and entry.kind is EntryKind.SIGNIFICANT_CHANGE
        self.forward_button.setEnabled(change)
        if change and entry is not None and entry.bring_forward_to is not None:
            self.forward_button.setText("Stop bringing the &next review forward")
            self.forward_button.setAccessibleName("Stop bringing the next review forward")
        else:
            self.forward_button.setText("Bring the &next review forward...")
            self.forward_button.setAccessibleName(
                "Bring the next review forward after the selected change")

    # ---- actions -------------------------------------------------------------------

    def _statutory_due(self) -> date | None:
        try:
            return self.service.statutory_due(self.council_id, self.child_id).due
        except Exception:  # noqa: BLE001 - only a hint in the dialog
            return None

    def add_entry(self) -> None:
        from iro_desktop.ui.dialogs.form_dialog import network_names, offer_names
        from iro_desktop.ui.dialogs.monitoring_dialogs import MonitoringEntryDialog

        if not self.council_id:
            return
        dialog = MonitoringEntryDialog(self.today(), self._statutory_due(), self)
        offer_names(dialog.with_whom, network_names(self.reviews, self.council_id,
                                                    self.child_id))
        saved = dialog.run(lambda: self.service.add_entry(
            self.council_id, self.child_id, dialog.entry_kind, dialog.when.py_date(),
            with_whom=dialog.with_whom.text(), checked=dialog.checked.toPlainText(),
            next_step=dialog.next_step.toPlainText(), change_type=dialog.change_type,
            bring_forward_to=dialog.bring_forward_to))
        if saved is None:
            return
        self.load(self.council_id, self.child_id)
        self._select(saved.id)
        note = ""
        if saved.bring_forward_to:
            note = f" The next review is now due by {saved.bring_forward_to:%d/%m/%Y}."
        self._show(f"Logged: {saved.title}.{note}", error=False)
        if saved.bring_forward_to:
            self.due_changed.emit()

    def edit_entry(self) -> None:
        from iro_desktop.ui.dialogs.form_dialog import network_names, offer_names
        from iro_desktop.ui.dialogs.monitoring_dialogs import MonitoringEntryDialog

        entry = self.selected()
        if entry is None:
            return
        dialog = MonitoringEntryDialog(self.today(), None, self, entry=entry)
        offer_names(dialog.with_whom, network_names(self.reviews, self.council_id,
                                                    self.child_id))
        saved = dialog.run(lambda: self.service.update_entry(
            self.council_id, entry.id, entry_date=dialog.when.py_date(),
            with_whom=dialog.with_whom.text(), checked=dialog.checked.toPlainText(),
            next_step=dialog.next_step.toPlainText()))
        if saved is None:
            return
        self.load(self.council_id, self.child_id)
        self._select(saved.id)
        self._show(f"Saved: {saved.title}.", error=False)
        if entry.bring_forward_to and saved.entry_date != entry.entry_date:
            self.due_changed.emit()

    def delete_entry(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        answer = QMessageBox.question(
            self, "Delete the entry",
            f"Delete the entry \u201c{entry.title}\u201d from the monitoring log? This cannot "
            "be undone.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.service.delete_entry(self.council_id, entry.id)
        except Exception as exc:  # noqa: BLE001
            self._show(f"Not deleted: {user_message(exc)}", error=True)
            return
        self.load(self.council_id, self.child_id)
        self._show(f"Deleted: {entry.title}.", error=False)
        if entry.bring_forward_to:
            self.due_changed.emit()

    def toggle_bring_forward(self) -> None:
        from iro_desktop.ui.dialogs.monitoring_dialogs import BringForwardDialog

        entry = self.selected()
        if entry is None or entry.kind is not EntryKind.SIGNIFICANT_CHANGE:
            return
        if entry.bring_forward_to is not None:
            try:
                self.service.cancel_bring_forward(self.council_id, entry.id)
            except Exception as exc:  # noqa: BLE001
                self._show(f"Not changed: {user_message(exc)}", error=True)
                return
            self.load(self.council_id, self.child_id)
            self._select(entry.id)
            self._show("The review is no longer brought forward for this change; the "
                       "review clock's date applies again.", error=False)
            self.due_changed.emit()
            return
        statutory = self._statutory_due()
        if statutory is None:
            self._show("The review clock's date for this child could not be worked out.",
                       error=True)
            return
        dialog = BringForwardDialog(entry, statutory, self.today(), self)
        due = dialog.run(lambda: self.service.bring_forward(self.council_id, entry.id,
                                                            dialog.to.py_date()))
        if due is None:
            return
        self.load(self.council_id, self.child_id)
        self._select(entry.id)
        self._show(f"The next review is now due by {due.due:%d/%m/%Y}.", error=False)
        self.due_changed.emit()

    def _select(self, entry_id: int) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(ENTRY_ROLE) == entry_id:
                self.table.selectRow(row)
                self.table.setFocus()
                return

    def _show(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else DONE_STYLE)
