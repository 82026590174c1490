"""The review pages about what leaves the laptop: the letter to the child, and which
copy of the record each recipient group gets (with what is withheld from whom).

Both pages work with the keyboard alone: the field lists are tables of check boxes
(arrow keys move, Space ticks), and every button has a mnemonic.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core import redaction
from iro_desktop.core.reviews import TEXT_FIELDS
from iro_desktop.core.records import Person, ReviewRecord
from iro_desktop.ui.views.review_controller import ReviewController
from iro_desktop.ui.views.review_pages import Page, _buddy, _heading
from iro_desktop.ui.widgets.autosave_text import AutoSaveTextEdit
from iro_desktop.ui.widgets.tables import read_only_table

log = logging.getLogger(__name__)
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
VOICE_KEYS = ("voice.views", "voice.wants", "voice.how_gathered")


def text_fields(record: ReviewRecord) -> list[tuple[str, str]]:
    """(key, title) of every text field the record prints, in the record's order."""
    fields = [(key, TEXT_FIELDS[key]) for key in VOICE_KEYS]
    return fields + [(item.text_key, item.title) for item in record.agenda]


def letter_rows(record: ReviewRecord) -> list[tuple[str, str]]:
    """What the IRO ticks for the letter: the child's own words and this review's
    decisions (each agenda item's "for the child" text goes in when it is written)."""
    rows = [(key, TEXT_FIELDS[key]) for key in ("voice.views", "voice.wants")]
    return rows + [(f"decision:{d.id}", f"Decision: {_short(d.text)}") for d in record.decisions]


def _short(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "\u2026"


SHARE_ADDRESS = "share_address"  # the column that prints a person's address in copies


def withholdable(record: ReviewRecord, network: list[Person] | None = None
                 ) -> list[tuple[str, str]]:
    """Everything that can be withheld from a recipient: text fields, this review's and
    earlier decisions (a mark follows a decision to every review), the people of the
    child's network."""
    items = text_fields(record)
    items += [(f"decision:{d.id}", f"Decision: {_short(d.text)}") for d in record.decisions]
    items += [(f"decision:{d.id}", f"Earlier decision (review {d.review_number}): "
               f"{_short(d.text)}") for d in record.earlier_decisions]
    people = {a.person.id: a.person for a in record.attendance}
    for person in network or []:
        people.setdefault(person.id, person)
    items += [(f"person:{p.id}", f"Person: {p.name} ({p.role})") for p in people.values()]
    return items


def _check_item(checked: bool, key: str, mark: str, enabled: bool) -> QTableWidgetItem:
    item = QTableWidgetItem()
    flags = Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable
    if enabled:
        flags |= Qt.ItemFlag.ItemIsEnabled
    item.setFlags(flags)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    item.setData(KEY_ROLE, (key, mark))
    return item


class _MarkTable(QTableWidget):
    """Rows of fields with check boxes that set a mark on the field when ticked."""

    def __init__(self, controller: ReviewController, headers: list[str], object_name: str,
                 accessible_name: str) -> None:
        super().__init__(0, len(headers))
        self.c = controller
        self.setObjectName(object_name)
        self.setAccessibleName(accessible_name)
        self.setHorizontalHeaderLabels(headers)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.horizontalHeader().setStretchLastSection(False)
        self.horizontalHeader().setSectionResizeMode(0, self.horizontalHeader().ResizeMode.Stretch)
        self._loading = False
        self.itemChanged.connect(self._on_changed)

    def fill(self, rows: list[tuple[str, str]], marks: dict[str, set[str]],
             columns: list[str], editable: bool,
             headers: list[str] | None = None) -> None:
        self._loading = True
        if headers is not None:
            self.setColumnCount(len(headers))
            self.setHorizontalHeaderLabels(headers)
        self.setRowCount(len(rows))
        for row, (key, title) in enumerate(rows):
            label = QTableWidgetItem(title)
            label.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.setItem(row, 0, label)
            for col, mark in enumerate(columns, start=1):
                applies = mark != SHARE_ADDRESS or key.startswith("person:")
                if not applies:
                    blank = QTableWidgetItem("")
                    blank.setFlags(Qt.ItemFlag.ItemIsSelectable)
                    self.setItem(row, col, blank)
                    continue
                self.setItem(row, col, _check_item(mark in marks.get(key, set()), key, mark,
                                                   editable))
        for col in range(1, len(columns) + 1):
            self.resizeColumnToContents(col)
        header = self.horizontalHeader()
        if len(columns) > 2:  # many recipients: the names keep their width, the table scrolls
            header.setSectionResizeMode(0, header.ResizeMode.Interactive)
            self.setColumnWidth(0, self.fontMetrics().averageCharWidth() * 34)
        else:
            header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        self._loading = False

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Space:
            item = self.currentItem()
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable \
                    and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                item.setCheckState(Qt.CheckState.Unchecked
                                   if item.checkState() == Qt.CheckState.Checked
                                   else Qt.CheckState.Checked)
                return
        super().keyPressEvent(event)

    def _on_changed(self, item: QTableWidgetItem) -> None:
        data = item.data(KEY_ROLE)
        if self._loading or not data:
            return
        key, mark = data
        # deferred: the service reloads the record, which refills this table
        checked = item.checkState() == Qt.CheckState.Checked
        QTimer.singleShot(0, lambda: self.c.set_mark(key, mark, checked))


class LetterPage(Page):
    """The letter to the child: the IRO's note, the sections ticked for the letter, a
    preview in plain text and how easy it is to read."""

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.intro = QLabel("")
        self.intro.setWordWrap(True)
        self.note = AutoSaveTextEdit(TEXT_FIELDS["letter.note"])
        self.note.setObjectName("letter_note")
        self.note.setMinimumHeight(self.fontMetrics().height() * 4)
        self.edits = {"letter.note": self.note}
        self.sections = _MarkTable(controller, ["Section", "In the letter"], "letter_sections",
                                   "The child's own words and decisions in the letter")
        self.readability = QLabel("")
        self.readability.setObjectName("letter_readability")
        self.readability.setAccessibleName("How easy the letter is to read")
        self.readability.setWordWrap(True)
        self.readability.setTextFormat(Qt.TextFormat.PlainText)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("letter_preview")
        self.preview.setAccessibleName("Preview of the letter to the child")
        self.preview.setReadOnly(True)
        self.preview.setTabChangesFocus(True)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Letter to the child", self))
        layout.addWidget(self.intro)
        layout.addWidget(_buddy("A &note to the child (first in the letter):", self.note))
        layout.addWidget(self.note)
        layout.addWidget(_buddy("Their own words and decisions in the letter (&Space ticks):",
                                self.sections))
        layout.addWidget(self.sections, 1)
        layout.addWidget(self.readability)
        layout.addWidget(_buddy("&Preview:", self.preview))
        layout.addWidget(self.preview, 2)
        self.first_field = self.note
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(600)
        self._refresh.timeout.connect(self.refresh_preview)
        controller.bridge.saved.connect(lambda _batch: self._schedule())

    def load(self, record: ReviewRecord) -> None:
        child = record.child.record
        name = child.preferred_name or child.first_name
        self.intro.setText(
            f"The letter is written to {name}, in plain words. It holds each agenda item's "
            "\u201cfor the child\u201d text, and the child's own words and decisions you tick "
            "here; the next review, how to reach you, advocacy and complaints are always "
            "there. Paragraphs withheld from the child are left out.")
        self._bind(self.note, record, "letter.note")
        self.sections.fill(letter_rows(record), record.marks, [redaction.LETTER_MARK],
                           not record.finalised)
        self.refresh_preview()

    def _schedule(self) -> None:
        if self.isVisible():
            self._refresh.start()

    def refresh_preview(self) -> None:
        record = self.c.record
        if record is None:
            self.preview.clear()
            self.readability.clear()
            return
        try:
            from iro_desktop.core.chair import Chair
            from iro_desktop.core.readability import readability
            from iro_desktop.services.export import ExportError, ExportService

            settings = getattr(self.window(), "settings", None)
            chair = Chair.from_settings(settings) if settings is not None else Chair()
            text = ExportService.of_reviews(self.c.service, chair).letter_text(
                record.council_id, record.id)
        except ExportError as exc:  # e.g. no letter before the review is held
            self.preview.clear()
            self.readability.setText(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a preview problem must not stop typing
            log.warning("letter.preview_failed: %s", type(exc).__name__)
            self.readability.setText("The preview could not be made; the letter is saved.")
            return
        self.preview.setPlainText(text)
        figure = readability(text)
        self.readability.setText(" ".join([figure.summary, *figure.advice]))

    def clear(self) -> None:
        self.note.unbind()
        self.sections.setRowCount(0)
        self.preview.clear()
        self.readability.clear()


class CopiesPage(Page):
    """Who gets which copy, what is withheld from whom, and putting copies in the outbox."""

    outbox_requested = Signal()

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.confidential = QCheckBox("The placement address is confide&ntial: print it only "
                                      "in the council's record, and no carer's address in "
                                      "parents' copies")
        self.confidential.setObjectName("placement_confidential")
        self.confidential.setAccessibleName("Placement address is confidential")
        self.address = QLineEdit()
        self.address.setObjectName("placement_address")
        self.address.setAccessibleName("Placement address")
        self.address.setMaxLength(2000)
        save_address = QPushButton("Save a&ddress")
        save_address.setAccessibleName("Save the placement address")
        save_address.clicked.connect(self._save_placement)
        self.address.returnPressed.connect(self._save_placement)
        self.confidential.toggled.connect(lambda _v: self._save_placement())
        self.withhold = _MarkTable(
            controller, ["Section"] + [f"Withhold from {label.lower()}"
                                       for label in redaction.GROUPS.values()],
            "withhold_table", "What is withheld from each recipient, and whose address "
            "is printed in copies")
        self.tags = QLabel("")
        self.tags.setObjectName("paragraph_tags")
        self.tags.setWordWrap(True)
        self.tags.setTextFormat(Qt.TextFormat.PlainText)
        self.copies = read_only_table(["Copy", "For", "In the outbox"], "copies_table",
                                      "Copies of the record and who they are for",
                                      stretch=(1,))
        self.outbox_button = QPushButton("Put copies in the &outbox...")
        self.outbox_button.setObjectName("outbox_button")
        self.outbox_button.setAccessibleName("Put copies of this record in the outbox")
        self.outbox_button.clicked.connect(self.outbox_requested)
        address_row = QHBoxLayout()
        address_row.addWidget(_buddy("Placement address:", self.address))
        address_row.addWidget(self.address, 1)
        address_row.addWidget(save_address)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Copies and who gets them", self))
        layout.addWidget(self.confidential)
        layout.addLayout(address_row)
        layout.addWidget(_buddy("&Withhold sections, decisions and people from a group or "
                                "one person; share a person's address beyond the "
                                "council's record (Space ticks):", self.withhold))
        layout.addWidget(self.withhold, 2)
        layout.addWidget(self.tags)
        layout.addWidget(_buddy("Co&pies:", self.copies))
        layout.addWidget(self.copies, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.outbox_button)
        layout.addLayout(buttons)
        self.first_field = self.withhold
        self._loading = False

    def load(self, record: ReviewRecord) -> None:
        self._loading = True
        self.confidential.setChecked(record.placement_confidential)
        self.address.setText(record.placement_address)
        self._loading = False
        network = self.c.network
        columns = [redaction.WITHHOLD_PREFIX + g for g in redaction.GROUPS]
        columns += [redaction.WITHHOLD_PREFIX + f"person:{p.id}" for p in network]
        headers = (["Section"] + [f"From {label.lower()}" for label in redaction.GROUPS.values()]
                   + [f"From {p.name}" for p in network] + ["Share address"])
        marks = {key: set(value) for key, value in record.marks.items()}
        for person in network:
            if person.share_address:
                marks.setdefault(f"person:{person.id}", set()).add(SHARE_ADDRESS)
        self.withhold.fill(withholdable(record, network), marks, columns + [SHARE_ADDRESS],
                           True, headers)
        self.tags.setText(self._line_summary(record))
        self._fill_copies(record)

    def _line_summary(self, record: ReviewRecord) -> str:
        names = {f"person:{p.id}": p.name for p in self.c.network}
        found: dict[str, list[str]] = {}
        for key, title in text_fields(record):
            for recipients in record.line_marks.get(key, {}).values():
                for recipient in recipients:
                    found.setdefault(recipient, []).append(title)
        hint = ("To withhold one line, put the cursor on it and press Ctrl+Shift+W: it is "
                "highlighted, and the margin names whom it is withheld from.")
        from iro_desktop.services.export import tag_problems

        problems = tag_problems(record, self.c.network)
        if problems:
            hint = ("No copy can be made yet: text that looks like a typed withholding tag "
                    "is in " + "; ".join(problems[:5]) + (" and more" if len(problems) > 5
                                                          else "")
                    + ". Typed tags withhold nothing: delete the tag and use Ctrl+Shift+W. "
                    + hint)
        if not found:
            return hint + " No line is withheld yet."

        def label(recipient: str) -> str:
            return names.get(recipient) or redaction.GROUPS.get(recipient, recipient).lower()

        parts = [f"from {label(r)}: {len(t)} ({', '.join(dict.fromkeys(t))})"
                 for r, t in sorted(found.items())]
        return hint + " Lines withheld " + "; ".join(parts) + "."

    def _fill_copies(self, record: ReviewRecord) -> None:
        rows: list[tuple[str, str, str]] = []
        try:
            from iro_desktop.services.export import copies_with_recipients
            from iro_desktop.ui.dialogs.outbox_dialogs import variant_label

            states = self._outbox_states(record)
            for copy, who in copies_with_recipients(record, self.c.network):
                if copy.variant == "full":
                    who = self.c.service.council(record.council_id).name
                label = variant_label(copy.variant) + (
                    " (nothing withheld)" if copy.variant.startswith("redacted:")
                    and not copy.withheld else "")
                rows.append((label, f"{copy.label}: {who}",
                             states.get(copy.variant, "not yet")))
        except Exception as exc:  # noqa: BLE001 - the list is a guide; the record is safe
            log.warning("copies.list_failed: %s", type(exc).__name__)
        self.copies.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for col, text in enumerate(values):
                self.copies.setItem(row, col, QTableWidgetItem(text))

    def _outbox_states(self, record: ReviewRecord) -> dict[str, str]:
        from iro_desktop.services.outbox import OutboxService

        states: dict[str, str] = {}
        for entry in OutboxService.of_reviews(self.c.service).distribution(record.council_id,
                                                                           record.id):
            states[entry.variant] = entry.state_text
        return states

    def _save_placement(self) -> None:
        if self._loading or self.c.record is None:
            return
        self.c.set_placement(self.confidential.isChecked(), self.address.text())

    def clear(self) -> None:
        self.withhold.setRowCount(0)
        self.copies.setRowCount(0)
        self.address.clear()
        self.tags.clear()
