"""The outbox in the window: what is waiting, what went to whom, Send now and purge; and
the dialog that puts copies of one review in the outbox.

Copies in the outbox stay inside the encrypted vault until they are sent to the
council's delivery folder. Every message says where files went.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.widgets.controls import message_label
from iro_desktop.services.outbox import OutboxService
from iro_desktop.ui.widgets.tables import read_only_table
from iro_desktop.ui.workers import run_in_background, user_message

VARIANT_LABELS = {"full": "Full record", "decisions": "Decisions only",
                  "letter": "Letter to the child", "data": "Review data (JSON)"}


def variant_label(variant: str) -> str:
    if variant.startswith("redacted:"):
        from iro_desktop.core.redaction import GROUPS

        group = variant.partition(":")[2]
        if group.startswith("person:"):
            return "Own copy (something is withheld from them by name)"
        return f"Copy for {GROUPS.get(group, group).lower()}"
    return VARIANT_LABELS.get(variant, variant)


def short_state(item) -> str:  # type: ignore[no-untyped-def]
    """The state for a table cell: the folder is in the tooltip and the message."""
    if item.state == "ready" or item.delivered_at is None:
        return "Ready to send" + (" (last try failed)" if item.last_error else "")
    text = f"Sent {item.delivered_at:%d/%m/%Y %H:%M}"
    return text + (", purged" if item.state == "purged" else "")


class OutboxDialog(QDialog):
    """Every item of every council (or one), with Send now and Purge."""

    def __init__(self, service: OutboxService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outbox_dialog")
        self.setWindowTitle("Outbox")
        self.service = service
        self.council = QComboBox()
        self.council.setObjectName("outbox_council_combo")
        self.council.setAccessibleName("Council")
        self.council.addItem("All councils", "")
        for c in service.councils():
            self.council.addItem(f"{c.code} \u2014 {c.name}", c.id)
        self.council.currentIndexChanged.connect(lambda _i: self.load())
        self.show_all = QCheckBox("Show &delivered items too")
        self.show_all.setAccessibleName("Show delivered items too")
        self.show_all.setChecked(True)
        self.show_all.toggled.connect(lambda _v: self.load())
        self.table = read_only_table(
            ["Council", "Child ref", "Review", "Copy", "For", "State"],
            "outbox_table", "Items in the outbox", stretch=(4,), select_rows=True)
        self.summary = QLabel("")
        self.summary.setObjectName("outbox_summary")
        self.summary.setWordWrap(True)
        self.message = message_label(name="outbox_message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.send_button = QPushButton("&Send now")
        self.send_button.setObjectName("outbox_send_button")
        self.send_button.setAccessibleName("Send the ready items to each council's folder")
        self.send_button.clicked.connect(self.send)
        self.purge_button = QPushButton("&Purge delivered items past retention")
        self.purge_button.setObjectName("outbox_purge_button")
        self.purge_button.setAccessibleName("Purge delivered items kept longer than the "
                                            "council's retention period")
        self.purge_button.clicked.connect(self.purge)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        top = QHBoxLayout()
        label = QLabel("&Council:")
        label.setBuddy(self.council)
        top.addWidget(label)
        top.addWidget(self.council, 1)
        top.addWidget(self.show_all)
        buttons = QHBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.purge_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 170,
                    self.fontMetrics().height() * 30)
        self.load()

    def load(self) -> None:
        council_id = self.council.currentData() or None
        items = self.service.items(council_id, None if self.show_all.isChecked() else "ready")
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            values = (item.council_code, item.child_ref, str(item.review_number),
                      variant_label(item.variant) + (" (draft)" if item.review_status == "draft"
                                                     and item.kind == "docx" else ""),
                      item.recipients, short_state(item))
            for col, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if col == 5:  # where it went and the file name, or why the last try failed
                    cell.setToolTip(f"{item.state_text}\n{item.filename}"
                                    + (f"\n{item.last_error}" if item.last_error else ""))
                self.table.setItem(row, col, cell)
        ready = sum(1 for i in items if i.state == "ready")
        self.summary.setText(f"{ready} item{'s' if ready != 1 else ''} ready to send. Items "
                             "stay encrypted in the vault until they are sent.")
        self.send_button.setEnabled(ready > 0)

    def send(self) -> None:
        council_id = self.council.currentData() or None
        try:
            report = self.service.send(council_id)
        except Exception as exc:  # noqa: BLE001 - shown; the outbox is unchanged
            self._show(f"Not sent: {user_message(exc)}", error=True)
            return
        lines = []
        for c in report.councils:
            if c.error:
                lines.append(c.error)
            elif c.files:
                lines.append(f"{c.council_code}: {len(c.files)} file"
                             f"{'s' if len(c.files) != 1 else ''} and the manifest "
                             f"{c.manifest} written to {c.folder}.")
        self._show("\n".join(lines) or "Nothing was waiting to be sent.", error=not report.ok)
        self.load()

    def purge(self) -> None:
        council_id = self.council.currentData() or None
        try:
            report = self.service.purge(council_id)
        except Exception as exc:  # noqa: BLE001
            self._show(f"Not purged: {user_message(exc)}", error=True)
            return
        parts = [f"{c.council_code}: {c.purged} (kept {c.retention_days} days)"
                 for c in report.councils if c.purged]
        self._show("Purged the content of delivered items: " + "; ".join(parts) + ". The list "
                   "of which copy went to whom is kept." if parts else
                   "No delivered item is older than its council's retention period.",
                   error=False)
        self.load()

    def _show(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")


class QueueDialog(QDialog):
    """Choose which copies of the open review go in the outbox. Ticked by default: the
    council's own copies and the copies for the groups in the council's "copies sent by
    default" setting. Each line says who the copy is for."""

    def __init__(self, controller, chair, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        from iro_desktop.services.export import ExportService, copies_with_recipients

        self.setObjectName("queue_dialog")
        self.setWindowTitle("Put copies in the outbox")
        self.c = controller
        record = controller.record
        exports = ExportService.of_reviews(controller.service, chair)
        self.service = OutboxService.of_exports(exports)
        defaults = set(exports.profiles.values(
            record.council_id)["distribution_groups"].split(","))
        intro = QLabel(
            f"Review {record.number}"
            + ("" if record.finalised else " (not finalised yet: the copies are drafts)")
            + ". The copies are made now and kept encrypted in the outbox until they are "
              "sent to the council's delivery folder. The review data (JSON) for the "
              "council's return goes with them.")
        intro.setWordWrap(True)
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        lines = [("full", "Full record, for the council's case record", True),
                 ("decisions", "Decisions only, for the council's case record", True)]
        for copy, who in copies_with_recipients(record, controller.network):
            if copy.variant == "full":
                continue
            what = variant_label(copy.variant)
            if copy.variant.startswith("redacted:") and not copy.withheld:
                what += " (nothing withheld)"
            group = copy.group
            if group.startswith("person:"):  # a person's own copy: ticked with their group
                from iro_desktop.core.redaction import ROLE_GROUPS

                person = next((p for p in controller.network
                               if f"person:{p.id}" == group), None)
                group = ROLE_GROUPS.get(person.role, "") if person else ""
            lines.append((copy.variant, f"{what}: {who}", group in defaults))
        for variant, text, ticked in lines:
            box = QCheckBox(text)
            box.setObjectName(f"queue_{variant.replace(':', '_')}")
            box.setAccessibleName(text)
            box.setChecked(ticked)
            layout.addWidget(box)
            self.boxes[variant] = box
        self.message = QLabel("")
        self.message.setObjectName("queue_message")
        self.message.setAccessibleName("Message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Put in the &outbox")
        buttons.accepted.connect(self.queue)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._buttons = buttons
        self.result_text = ""
        self.busy = False

    def chosen(self) -> list[str]:
        return [variant for variant, box in self.boxes.items() if box.isChecked()]

    def queue(self) -> None:
        """Make the chosen copies on a worker thread (several Word documents of a long
        record took half a second on the GUI thread); the dialog says it is making them,
        and closes when they are in the outbox or says why nothing was put there."""
        if self.busy:
            return
        record, chosen = self.c.record, self.chosen()
        service = self.service
        self._set_busy(True)
        self.message.setStyleSheet("")
        self.message.setText("Making the copies and the review data…")
        run_in_background(lambda: service.queue(record.council_id, record.id, chosen),
                          self._queued, self._not_queued)

    def _queued(self, items) -> None:  # type: ignore[no-untyped-def]
        self._set_busy(False)
        copies = sum(1 for i in items if i.kind == "docx")
        self.result_text = (f"{copies} cop{'ies' if copies != 1 else 'y'} and the review data "
                            "are in the outbox, encrypted. Send them from File > Outbox "
                            "(Ctrl+Shift+B).")
        self.accept()

    def _not_queued(self, exc: BaseException) -> None:  # shown; nothing is in the outbox
        self._set_busy(False)
        self.message.setStyleSheet("color: #b00020;")
        self.message.setText(f"Nothing was put in the outbox: {user_message(exc)}")

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for box in self.boxes.values():
            box.setEnabled(not busy)
        self._buttons.setEnabled(not busy)

    def reject(self) -> None:
        if not self.busy:  # not closed while the copies are being made
            super().reject()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)
