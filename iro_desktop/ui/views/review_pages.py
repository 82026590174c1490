"""The pages of the review workspace: preparation, attendance, the child's voice, an
agenda item, earlier decisions, new decisions and the next review."""

from __future__ import annotations

import enum
from datetime import date
from typing import TypeVar

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.widgets.controls import buddy as _buddy
from iro_desktop.ui.widgets.controls import editable_combo, line_edit
from iro_desktop.core import codes
from iro_desktop.core.reviews import (
    CHAIRED_CHOICES,
    ENDORSED_CHOICES,
    PERSON_ROLES,
    TEXT_FIELDS,
    UPDATE_CHOICES,
    AttendanceStatus,
    DecisionStatus,
    ItemState,
    for_child_key,
)
from iro_desktop.core.records import RELATIONSHIP_MAX, ReviewRecord
from iro_desktop.ui.views.review_controller import ReviewController
from iro_desktop.ui.widgets.autosave_text import AutoSaveTextEdit
from iro_desktop.ui.widgets.date_edit import DateEdit
from iro_desktop.ui.widgets.tables import read_only_table


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text)
    font = QFont(parent.font())
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def _qdate(value: date | None) -> QDate:
    d = value or date.today()
    return QDate(d.year, d.month, d.day)


_W = TypeVar("_W", bound=QWidget)


def _cell(table: QTableWidget, row: int, column: int, kind: type[_W]) -> _W:
    """The widget a status table holds in a cell (every row is made with its widgets)."""
    widget = table.cellWidget(row, column)
    if not isinstance(widget, kind):
        raise TypeError(f"row {row}, column {column} of the table holds no {kind.__name__}")
    return widget


def _item(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The item a table holds in a cell (every row is made with its items)."""
    item = table.item(row, column)
    if item is None:
        raise TypeError(f"row {row}, column {column} of the table holds no item")
    return item


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _date_edit(name: str) -> DateEdit:
    return DateEdit(name)


_NOT_RECORDED = QDate(2000, 1, 1)


def _optional_date_edit(name: str, on_change) -> DateEdit:  # type: ignore[no-untyped-def]
    """A date that may be "not recorded" (its lowest value); ``on_change(date | None)``."""
    edit = DateEdit(name)
    edit.setMinimumDate(_NOT_RECORDED)
    edit.setSpecialValueText("not recorded")
    edit.editingFinished.connect(lambda: on_change(_optional(edit)))
    return edit


def _optional(edit: DateEdit) -> date | None:
    return None if edit.date() == _NOT_RECORDED else _pydate(edit.date())


def _set_optional(edit: DateEdit, value: date | None) -> None:
    edit.blockSignals(True)
    edit.setDate(_qdate(value) if value else _NOT_RECORDED)
    edit.blockSignals(False)


class Page(QWidget):
    """A page shows part of a record; ``first_field`` takes the focus when it opens.

    A page that stands for an agenda item (attendance for "welcome", decisions for
    "summary" ...) also has ``notes``: the discussion text of that item.
    """

    notes_label = ""

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.c = controller
        self.first_field: QWidget | None = None
        self.notes: AutoSaveTextEdit | None = None
        self.agenda_key = ""
        if self.notes_label:
            self.notes = AutoSaveTextEdit(self.notes_label)
            self.notes.setObjectName(f"{type(self).__name__.lower()}_notes")
            self.notes.setMinimumHeight(self.fontMetrics().height() * 4)

    def load(self, record: ReviewRecord) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def load_notes(self, record: ReviewRecord, agenda_key: str) -> None:
        self.agenda_key = agenda_key
        if self.notes is not None:
            if agenda_key:
                self._bind(self.notes, record, f"agenda:{agenda_key}")
            self.notes.setVisible(bool(agenda_key))
            if self._notes_label_widget is not None:
                self._notes_label_widget.setVisible(bool(agenda_key))

    _notes_label_widget: QLabel | None = None

    def _add_notes(self, layout: QVBoxLayout) -> None:
        if self.notes is not None:
            self._notes_label_widget = _buddy(self.notes_label + ":", self.notes)
            layout.addWidget(self._notes_label_widget)
            layout.addWidget(self.notes)

    def _bind(self, edit: AutoSaveTextEdit, record: ReviewRecord, key: str) -> None:
        edit.set_people({f"person:{p.id}": p.name for p in self.c.network})
        edit.bind(self.c.bridge, (record.council_id, record.id, key), record.texts.get(key, ""),
                  read_only=record.finalised, marks=record.line_marks.get(key))

    # ---- one key on a status table's row (attendance, earlier decisions) ----------------

    ROW_KEYS: dict[str, enum.Enum] = {}  # key typed on the table -> the row's new status

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """On the page's status table itself (not a field in it): one key of ``ROW_KEYS``
        sets the row's status and moves down."""
        table = getattr(self, "table", None)
        if self.ROW_KEYS and isinstance(table, QTableWidget) and watched is table:
            if event.type() == QEvent.Type.FocusIn and table.currentRow() < 0 \
                    and table.rowCount():
                table.setCurrentCell(0, 0)
            elif isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                    and self._on_row_key(table, event):
                return True
        return super().eventFilter(watched, event)

    def _on_row_key(self, table: QTableWidget, event: QKeyEvent) -> bool:
        chord = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier \
            | Qt.KeyboardModifier.MetaModifier
        status = None if event.modifiers() & chord else self.ROW_KEYS.get(event.text().lower())
        row = max(table.currentRow(), 0)
        if status is None or row >= self._status_rows() or self.c.record is None \
                or self.c.record.finalised:
            return False
        if self._set_row_status(row, status) and row + 1 < table.rowCount():
            table.setCurrentCell(row + 1, table.currentColumn())
        return True

    def _status_rows(self) -> int:
        return 0

    def _set_row_status(self, row: int, status: enum.Enum) -> bool:
        """Apply ``status`` to ``row``; True to move on to the next row."""
        raise NotImplementedError


class PreparationPage(Page):
    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.planned = _date_edit("Planned review date")
        self.planned.editingFinished.connect(
            lambda: self.c.update(planned_date=_pydate(self.planned.date())))
        self.venue = QLineEdit()
        self.venue.setAccessibleName("Venue")
        self.venue.setMaxLength(200)
        self.venue.editingFinished.connect(lambda: self.c.update(venue=self.venue.text()))
        self.edits: dict[str, AutoSaveTextEdit] = {}
        # The invitees are the child's network (kept from review to review, with the child
        # and the social worker from the caseload): listed here, added on the attendance page.
        self.invited = QLabel("")
        self.invited.setObjectName("invited_label")
        self.invited.setWordWrap(True)
        self.invited.setTextFormat(Qt.TextFormat.PlainText)
        # the record's front sheet and the social work activity before the review
        self.brought_forward = QCheckBox("Brought forwar&d (earlier than the timetable)")
        self.brought_forward.setObjectName("brought_forward_check")
        self.brought_forward.setAccessibleName("The review was brought forward")
        self.brought_forward.clicked.connect(
            lambda on: self.c.update(brought_forward=bool(on)))
        self.team_manager = QLineEdit()
        self.team_manager.setObjectName("team_manager_edit")
        self.team_manager.setAccessibleName("Team manager")
        self.team_manager.setMaxLength(200)
        self.team_manager.editingFinished.connect(
            lambda: self.c.update(team_manager=" ".join(self.team_manager.text().split())))
        self.dates = {
            name: _optional_date_edit(label, lambda day, name=name: self.c.update(**{name: day}))
            for name, label in (("placement_start", "Placement start date"),
                                ("child_seen_on", "Child last seen by the social worker"),
                                ("child_seen_alone_on", "Child last seen alone"),
                                ("midway_on", "Midway (monitoring) contact"))}
        form = QFormLayout()
        form.addRow(_buddy("&Planned date:", self.planned), self.planned)
        form.addRow(_buddy("Ve&nue:", self.venue), self.venue)
        form.addRow("", self.brought_forward)
        form.addRow(_buddy("Placement &start date:", self.dates["placement_start"]),
                    self.dates["placement_start"])
        form.addRow(_buddy("&Team manager:", self.team_manager), self.team_manager)
        form.addRow(_buddy("Child last seen by the social &worker:",
                           self.dates["child_seen_on"]), self.dates["child_seen_on"])
        form.addRow(_buddy("Child last seen al&one:", self.dates["child_seen_alone_on"]),
                    self.dates["child_seen_alone_on"])
        form.addRow(_buddy("&Midway contact:", self.dates["midway_on"]), self.dates["midway_on"])
        form.addRow(QLabel("Invited:"), self.invited)
        for key in ("invitees", "prep.spoke_alone", "prep.consultation", "prep.reports",
                    "prep.midway"):
            edit = AutoSaveTextEdit(TEXT_FIELDS[key])
            edit.setObjectName(key.replace(".", "_"))
            edit.setMinimumHeight(self.fontMetrics().height() * 3)
            label = "Others invited, outside the network" if key == "invitees" \
                else TEXT_FIELDS[key]
            form.addRow(QLabel(label + ":"), edit)
            self.edits[key] = edit
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Preparation", self))
        layout.addLayout(form)
        self.first_field = self.planned

    def load(self, record: ReviewRecord) -> None:
        self.planned.blockSignals(True)
        self.planned.setDate(_qdate(record.planned_date))
        self.planned.blockSignals(False)
        self.venue.setText(record.venue)
        people = "; ".join(f"{p.name} ({p.role})" for p in self.c.network)
        self.invited.setText((people or "No one yet.") + "\nAdd people on the attendance "
                             "page (Ctrl+PgDown): everyone there is invited.")
        self.brought_forward.setChecked(record.brought_forward)
        self.team_manager.setText(record.team_manager)
        for name, edit in self.dates.items():
            _set_optional(edit, getattr(record, name))
        for widget in (self.planned, self.venue, self.brought_forward, self.team_manager,
                       *self.dates.values()):
            widget.setEnabled(not record.finalised)
        for key, text_edit in self.edits.items():
            self._bind(text_edit, record, key)


class AttendancePage(Page):
    notes_label = "Notes on &welcome and attendance"

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.table = read_only_table(
            ["Name", "Role", "Organisation", "Attendance", "Reason (if excluded)", "Address",
             "Relationship to the child"],
            "attendance_table", "Attendance", fit_others=False, tab_between_cells=True)
        # Only the relationship is edited in place (F2 or a double click); the rest is
        # read-only, and letters keep setting the row's attendance.
        self.table.setEditTriggers(QTableWidget.EditTrigger.EditKeyPressed
                                   | QTableWidget.EditTrigger.DoubleClicked)
        self._relationship_delegate = _RelationshipDelegate(self.table)
        self.table.setItemDelegateForColumn(6, self._relationship_delegate)
        self.table.itemChanged.connect(self._on_item_changed)
        self.name = line_edit("person_name_edit", "New person's name", 200)
        self.role = editable_combo("person_role_combo", "New person's role", PERSON_ROLES)
        self.org = line_edit("", "New person's organisation", 200)
        self.relationship = line_edit("person_relationship_edit",
                                      "New person's relationship to the child",
                                      RELATIONSHIP_MAX)
        self.relationship.setPlaceholderText("e.g. foster carer, mother")
        add = QPushButton("Add to ne&twork")
        add.setObjectName("add_person_button")
        add.setAccessibleName("Add this person to the child's network")
        add.clicked.connect(self._on_add_clicked)
        self.name.returnPressed.connect(self._on_add_clicked)
        self.org.returnPressed.connect(self._on_add_clicked)  # Enter adds from any field
        self.relationship.returnPressed.connect(self._on_add_clicked)
        role_line = self.role.lineEdit()  # an editable combo: it has its line edit
        if role_line is not None:
            role_line.returnPressed.connect(self._on_add_clicked)
        row = QHBoxLayout()
        row.addWidget(_buddy("&Name:", self.name))
        row.addWidget(self.name, 2)
        row.addWidget(_buddy("R&ole:", self.role))
        row.addWidget(self.role, 1)
        row.addWidget(QLabel("Organisation:"))
        row.addWidget(self.org, 1)
        row.addWidget(QLabel("Relationship:"))
        row.addWidget(self.relationship, 1)
        row.addWidget(add)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Welcome and attendance", self))
        hint = QLabel("The child's network is kept for every review; all of it is invited. "
                      "In the table one key sets a row and moves to the next: A attended, "
                      "P apologies, W in writing, I invited, X excluded (then type the "
                      "reason). F2 on a relationship puts it right.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        self.table.installEventFilter(self)
        layout.addLayout(row)
        self._add_notes(layout)
        self.first_field = self.table
        self._people: list[int] = []
        self._review_id = 0

    def load(self, record: ReviewRecord) -> None:
        status_of = {a.person.id: a for a in record.attendance}
        people = [p.id for p in self.c.network]
        if (people == self._people and record.id == self._review_id
                and self.table.rowCount() == len(people)):  # not emptied by a lock
            # Same rows: update values in place so the widget with the focus survives.
            for row, person in enumerate(self.c.network):
                combo = _cell(self.table, row, 3, QComboBox)
                reason = _cell(self.table, row, 4, QLineEdit)
                address = _cell(self.table, row, 5, QLineEdit)
                item, editable = _item(self.table, row, 6), not record.finalised
                if item.text() != person.relationship \
                        or bool(item.flags() & Qt.ItemFlag.ItemIsEditable) != editable:
                    self._set_item(row, 6, person.relationship, editable=editable)
                if not address.hasFocus():
                    address.setText(person.address)
                current = status_of.get(person.id)
                combo.blockSignals(True)
                combo.setCurrentIndex(combo.findData(current.status) if current else 0)
                combo.blockSignals(False)
                if not reason.hasFocus():
                    reason.setText(current.reason if current else "")
                combo.setEnabled(not record.finalised)
                reason.setEnabled(not record.finalised)
            return
        self._people, self._review_id = people, record.id
        self.table.setRowCount(len(self.c.network))
        for row, person in enumerate(self.c.network):
            for col, text in enumerate((person.name, person.role, person.organisation)):
                self._set_item(row, col, text, editable=False)
            self._set_item(row, 6, person.relationship, editable=not record.finalised)
            combo = QComboBox()
            combo.setAccessibleName(f"Attendance of {person.name}")
            combo.addItem("Not set", None)
            for status in AttendanceStatus:
                combo.addItem(status.label, status)
            current = status_of.get(person.id)
            if current is not None:
                combo.setCurrentIndex(combo.findData(current.status))
            reason = QLineEdit(current.reason if current else "")
            reason.setAccessibleName(f"Reason {person.name} was excluded")
            combo.setEnabled(not record.finalised)
            reason.setEnabled(not record.finalised)
            combo.activated.connect(
                lambda _i, p=person.id, c=combo, r=reason: self._on_status_chosen(p, c, r))
            reason.editingFinished.connect(
                lambda p=person.id, c=combo, r=reason: self._on_status_chosen(p, c, r))
            self.table.setCellWidget(row, 3, combo)
            self.table.setCellWidget(row, 4, reason)
            address = QLineEdit(person.address)
            address.setObjectName("person_address_edit")
            address.setAccessibleName(f"Address of {person.name}")
            address.setMaxLength(2000)
            address.setPlaceholderText("for the distribution list")
            address.editingFinished.connect(
                lambda p=person.id, a=address: self._on_address_edited(p, a))
            self.table.setCellWidget(row, 5, address)
        for widget in (self.name, self.role, self.org, self.relationship):
            widget.setEnabled(not record.finalised)

    ROW_KEYS = {"a": AttendanceStatus.ATTENDED, "p": AttendanceStatus.APOLOGIES,
                "w": AttendanceStatus.WRITTEN, "i": AttendanceStatus.INVITED,
                "x": AttendanceStatus.EXCLUDED}

    def _status_rows(self) -> int:
        return len(self._people)

    def _set_row_status(self, row: int, status: enum.Enum) -> bool:
        combo = _cell(self.table, row, 3, QComboBox)
        reason = _cell(self.table, row, 4, QLineEdit)
        combo.setCurrentIndex(combo.findData(status))
        if status is AttendanceStatus.EXCLUDED:
            reason.setFocus()  # saved when the reason is typed (Enter or Tab)
            return False
        self._on_status_chosen(self._people[row], combo, reason)
        return True

    def _set_item(self, row: int, column: int, text: str, *, editable: bool) -> None:
        item = QTableWidgetItem(text)
        flags = item.flags() & ~Qt.ItemFlag.ItemIsEditable
        item.setFlags(flags | Qt.ItemFlag.ItemIsEditable if editable else flags)
        self.table.blockSignals(True)  # a value shown is not an edit
        self.table.setItem(row, column, item)
        self.table.blockSignals(False)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != 6 or item.row() >= len(self._people):
            return
        person_id = self._people[item.row()]
        person = next((p for p in self.c.network if p.id == person_id), None)
        if person is not None and item.text().strip() != person.relationship \
                and self.c.set_person_relationship(person_id, item.text()) is None:
            # Refused (the message is shown): the cell goes back to what is saved.
            self._set_item(item.row(), 6, person.relationship,
                           editable=bool(item.flags() & Qt.ItemFlag.ItemIsEditable))

    def _on_address_edited(self, person_id: int, edit: QLineEdit) -> None:
        person = next((p for p in self.c.network if p.id == person_id), None)
        if person is not None and edit.text().strip() != person.address:
            self.c.set_person_address(person_id, edit.text())

    def _on_status_chosen(self, person_id: int, combo: QComboBox, reason: QLineEdit) -> None:
        data = combo.currentData()
        if data is None:
            return
        status = AttendanceStatus(data)  # Qt hands a StrEnum back as plain str
        if status is AttendanceStatus.EXCLUDED and not reason.text().strip():
            reason.setFocus()
            return
        self.c.set_attendance(person_id, status, reason.text())

    def _on_add_clicked(self) -> None:
        if not self.name.text().strip():
            self.name.setFocus()  # Enter with no name yet: type it first
            return
        if self.c.add_person(self.name.text(), self.role.currentText(), self.org.text(),
                             self.relationship.text()):
            self.name.clear()
            self.org.clear()
            self.relationship.clear()
            self.name.setFocus()


class _RelationshipDelegate(QStyledItemDelegate):
    """The attendance table's in-place relationship editor: as long as the service keeps
    (the field for a new person has the same limit)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: object) -> QWidget:
        editor = QLineEdit(parent)
        editor.setMaxLength(RELATIONSHIP_MAX)
        editor.setAccessibleName("Relationship to the child")
        return editor


class VoicePage(Page):
    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.edits: dict[str, AutoSaveTextEdit] = {}
        form = QFormLayout()
        for key in ("voice.views", "voice.wants", "voice.how_gathered"):
            edit = AutoSaveTextEdit(TEXT_FIELDS[key])
            edit.setObjectName(key.replace(".", "_"))
            edit.setMinimumHeight(self.fontMetrics().height() * (6 if key == "voice.views" else 3))
            form.addRow(QLabel(TEXT_FIELDS[key] + ":"), edit)
            self.edits[key] = edit
        self.advocate_offered = QCheckBox("Advocate &offered")
        self.advocate_offered.setAccessibleName("Advocate offered")
        self.advocate_used = QCheckBox("Advocate &used")
        self.advocate_used.setAccessibleName("Advocate used")
        self.chaired = QComboBox()
        self.chaired.setAccessibleName("Did the child chair the review")
        for value, label in CHAIRED_CHOICES.items():
            self.chaired.addItem(label, value)
        self.code = QComboBox()
        self.code.setObjectName("participation_combo")
        self.code.setAccessibleName("Participation code")
        self.code.addItem("Choose a code...", None)
        for value, label in codes.choices(codes.PARTICIPATION):
            self.code.addItem(label, value)
        self.proposal = QLabel("")
        self.proposal.setWordWrap(True)
        self.advocate_offered.toggled.connect(lambda v: self.c.update(advocate_offered=v))
        self.advocate_used.toggled.connect(lambda v: self.c.update(advocate_used=v))
        self.chaired.activated.connect(
            lambda _i: self.c.update(child_chaired=self.chaired.currentData()))
        self.code.activated.connect(
            lambda _i: self.c.update(participation_code=self.code.currentData()))
        checks = QHBoxLayout()
        checks.addWidget(self.advocate_offered)
        checks.addWidget(self.advocate_used)
        checks.addWidget(_buddy("Chai&red:", self.chaired))
        checks.addWidget(self.chaired)
        checks.addStretch(1)
        form.addRow("", checks)
        form.addRow(_buddy("Participation &code:", self.code), self.code)
        form.addRow("", self.proposal)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("The child's wishes and feelings", self))
        layout.addLayout(form)
        self.first_field = self.edits["voice.views"]

    def load(self, record: ReviewRecord) -> None:
        for key, edit in self.edits.items():
            self._bind(edit, record, key)
        for widget, value in ((self.advocate_offered, record.advocate_offered),
                              (self.advocate_used, record.advocate_used)):
            widget.blockSignals(True)
            widget.setChecked(value)
            widget.blockSignals(False)
        self.chaired.setCurrentIndex(max(0, self.chaired.findData(record.child_chaired)))
        self.code.setCurrentIndex(max(0, self.code.findData(record.participation_code)))
        proposed = record.proposed_code()
        self.proposal.setText(
            f"Proposed: {proposed} (the child is under 4 on the review date)." if proposed
            else "Choose the code that describes how the child took part (PN1-PN7).")
        fields: tuple[QWidget, ...] = (self.advocate_offered, self.advocate_used, self.chaired,
                                       self.code)
        for field in fields:
            field.setEnabled(not record.finalised)


class AgendaItemPage(Page):
    done_and_next = Signal()

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.title = _heading("", self)
        self.guidance = QLabel("")
        self.guidance.setObjectName("agenda_guidance")
        self.guidance.setWordWrap(True)
        self.guidance.setStyleSheet("color: palette(dark);")
        self.edit = AutoSaveTextEdit("Discussion")
        self.edit.setObjectName("agenda_text")
        # written to the child, in the second person: the letter uses only these
        self.for_child = AutoSaveTextEdit("For the child, written to them for their letter")
        self.for_child.setObjectName("for_child_text")
        self.for_child.setMaximumHeight(self.fontMetrics().height() * 6)
        self.jargon = QLabel("")
        self.jargon.setObjectName("for_child_jargon")
        self.jargon.setAccessibleName("Words a child may not know")
        self.jargon.setWordWrap(True)
        self.jargon.setTextFormat(Qt.TextFormat.PlainText)
        self.for_child.textChanged.connect(self._flag_jargon)
        self.endorsed = QComboBox()
        self.endorsed.setObjectName("care_plan_endorsed_combo")
        self.endorsed.setAccessibleName("Care plan endorsed")
        self.endorsed.addItem("Not recorded", "")
        for value, label in ENDORSED_CHOICES.items():
            self.endorsed.addItem(label, value)
        self.endorsed.activated.connect(
            lambda _i: self.c.update(care_plan_endorsed=self.endorsed.currentData()))
        self.endorsement = AutoSaveTextEdit(TEXT_FIELDS["care_plan.endorsement"])
        self.endorsement.setObjectName("care_plan_endorsement")
        self.endorsement.setMaximumHeight(self.fontMetrics().height() * 4)
        self._endorsed_row = QWidget()
        endorsed_row = QHBoxLayout(self._endorsed_row)
        endorsed_row.setContentsMargins(0, 0, 0, 0)
        endorsed_row.addWidget(_buddy("Care &plan endorsed:", self.endorsed))
        endorsed_row.addWidget(self.endorsed)
        endorsed_row.addWidget(self.endorsement, 1)
        self.state = QComboBox()
        self.state.setObjectName("item_state_combo")
        self.state.setAccessibleName("State of this agenda item")
        for state in ItemState:
            self.state.addItem(state.label, state)
        self.state.activated.connect(self._on_state_chosen)
        done = QPushButton("&Done, next item (Ctrl+D)")
        done.setObjectName("item_done_button")
        done.setAccessibleName("Mark this item done and go to the next")
        done.clicked.connect(self.done_and_next)
        row = QHBoxLayout()
        row.addWidget(_buddy("&State:", self.state))
        row.addWidget(self.state)
        row.addStretch(1)
        row.addWidget(done)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.guidance)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self._endorsed_row)
        layout.addWidget(_buddy("For the child, &written to them (only this goes in their "
                                "letter):", self.for_child))
        layout.addWidget(self.for_child)
        layout.addWidget(self.jargon)
        layout.addLayout(row)
        self.key = ""
        self.first_field = self.edit
        self._done_button = done

    def load(self, record: ReviewRecord) -> None:
        item = next((i for i in record.agenda if i.key == self.key), None)
        if item is None:
            return
        self.title.setText(item.title + (" (added at this review)" if item.ad_hoc else ""))
        self.guidance.setText("\n".join(f"\u2022 {g}" for g in item.guidance.splitlines()))
        self.guidance.setVisible(bool(item.guidance))
        self._bind(self.edit, record, item.text_key)
        self._bind(self.for_child, record, for_child_key(item.key))
        self._flag_jargon()
        care_plan = item.key == "care_plan"
        self._endorsed_row.setVisible(care_plan)
        if care_plan:
            self.endorsed.setCurrentIndex(max(0, self.endorsed.findData(
                record.care_plan_endorsed)))
            self.endorsed.setEnabled(not record.finalised)
            self._bind(self.endorsement, record, "care_plan.endorsement")
        self.state.setCurrentIndex(self.state.findData(item.state))
        self.state.setEnabled(not record.finalised)
        self._done_button.setEnabled(not record.finalised)

    def show_item(self, key: str, record: ReviewRecord) -> None:
        self.key = key
        self.load(record)

    def _on_state_chosen(self) -> None:
        self.c.set_item_state(self.key, ItemState(self.state.currentData()))

    def _flag_jargon(self) -> None:
        """Words a child may not know, flagged as the IRO types, with plainer ones."""
        from iro_desktop.core.readability import jargon

        found = jargon(self.for_child.toPlainText())
        self.jargon.setText("" if not found else "A child may not know: " + "; ".join(
            f"\u201c{term}\u201d (try: {plain})" for term, plain in found[:6]))


class EarlierDecisionsPage(Page):
    notes_label = "&Discussion of previous decisions"

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.table = read_only_table(
            ["Decision", "Who", "By when", "Review", "Update at this review", "Comment"],
            "earlier_decisions_table", "Decisions of earlier reviews", stretch=(0, 5),
            tab_between_cells=True)
        self.empty = QLabel("No decisions from earlier reviews are open.")
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Previous decisions: were they carried out?", self))
        layout.addWidget(self.empty)
        layout.addWidget(QLabel("In the table one key updates a row and moves to the next: "
                                "D done, P in progress, N not done, X no longer needed."))
        layout.addWidget(self.table, 1)
        self._add_notes(layout)
        self.first_field = self.table
        self.table.installEventFilter(self)
        self._ids: list[int] = []
        self._review_id = 0

    def load(self, record: ReviewRecord) -> None:
        decisions = record.earlier_decisions
        self.empty.setVisible(not decisions)
        ids = [d.id for d in decisions]
        if (ids == self._ids and record.id == self._review_id
                and self.table.rowCount() == len(ids)):  # not emptied by a lock
            # Same rows: keep the widgets (and the focus); only the values move.
            for row, d in enumerate(decisions):
                item = _item(self.table, row, 0)
                item.setText(self._decision_text(d))
                item.setForeground(Qt.GlobalColor.darkRed if d.drifting
                                   else self.table.palette().text().color())
                combo = _cell(self.table, row, 4, QComboBox)
                combo.blockSignals(True)
                combo.setCurrentIndex(max(0, combo.findData(d.update_status))
                                      if d.update_status else 0)
                combo.blockSignals(False)
                combo.setEnabled(not record.finalised)
                self.table.cellWidget(row, 5).setEnabled(not record.finalised)
            return
        self._ids, self._review_id = ids, record.id
        self.table.setRowCount(len(decisions))
        for row, d in enumerate(decisions):
            item = QTableWidgetItem(self._decision_text(d))
            if d.drifting:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem(d.responsible))
            self.table.setItem(row, 2, QTableWidgetItem(
                d.due_date.strftime("%d/%m/%Y") if d.due_date else ""))
            self.table.setItem(row, 3, QTableWidgetItem(str(d.review_number)))
            combo = QComboBox()
            combo.setAccessibleName(f"Update on decision: {d.text[:60]}")
            combo.addItem("Choose...", None)
            for status in UPDATE_CHOICES:
                combo.addItem(status.label, status)
            if d.update_status is not None:
                combo.setCurrentIndex(combo.findData(d.update_status))
            comment = QLineEdit(d.update_comment)
            comment.setAccessibleName(f"Comment on decision: {d.text[:60]}")
            comment.setMaxLength(4000)
            for widget in (combo, comment):
                widget.setEnabled(not record.finalised)
            combo.activated.connect(lambda _i, i=d.id, c=combo, t=comment: self._save(i, c, t))
            comment.editingFinished.connect(lambda i=d.id, c=combo, t=comment: self._save(i, c, t))
            self.table.setCellWidget(row, 4, combo)
            self.table.setCellWidget(row, 5, comment)

    ROW_KEYS = {"d": DecisionStatus.DONE, "p": DecisionStatus.IN_PROGRESS,
                "n": DecisionStatus.NOT_DONE, "x": DecisionStatus.NO_LONGER_NEEDED}

    def _status_rows(self) -> int:
        return len(self._ids)

    def _set_row_status(self, row: int, status: enum.Enum) -> bool:
        combo = _cell(self.table, row, 4, QComboBox)
        comment = _cell(self.table, row, 5, QLineEdit)
        combo.setCurrentIndex(combo.findData(status))
        self._save(self._ids[row], combo, comment)
        return True

    @staticmethod
    def _decision_text(d) -> str:  # type: ignore[no-untyped-def]
        return d.text + ("  \u26a0 DRIFT: not done at two reviews in a row" if d.drifting
                         else "")

    def _save(self, decision_id: int, combo: QComboBox, comment: QLineEdit) -> None:
        data = combo.currentData()
        if data is not None:  # Qt hands a StrEnum back as plain str
            self.c.update_decision(decision_id, DecisionStatus(data), comment.text())


class NextReviewPage(Page):
    finalise_requested = Signal()
    notes_label = "Distribution and other no&tes"

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.held = _date_edit("Date the review was held")
        self.held.editingFinished.connect(
            lambda: self.c.update(held_date=_pydate(self.held.date())))
        self.next_date = _date_edit("Next review date")
        self.next_date.setObjectName("next_review_date")
        self.venue = QLineEdit()
        self.venue.setAccessibleName("Next review venue")
        self.venue.setMaxLength(200)
        set_button = QPushButton("&Set next review")
        set_button.setObjectName("set_next_review_button")
        set_button.setAccessibleName("Set the next review date")
        set_button.clicked.connect(
            lambda: self.c.set_next_review(_pydate(self.next_date.date()), self.venue.text()))
        self.lawful = QLabel("")
        self.lawful.setObjectName("lawful_label")
        self.lawful.setWordWrap(True)
        self.finalise_button = QPushButton("Finalise the &record (Ctrl+Shift+F)")
        self.finalise_button.setObjectName("finalise_button")
        self.finalise_button.setAccessibleName("Finalise the record")
        self.finalise_button.clicked.connect(self.finalise_requested)
        form = QFormLayout()
        form.addRow(_buddy("Review held &on:", self.held), self.held)
        form.addRow(_buddy("&Next review:", self.next_date), self.next_date)
        form.addRow(_buddy("Ven&ue:", self.venue), self.venue)
        form.addRow("", set_button)
        form.addRow("", self.lawful)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Next review, distribution and finalising", self))
        layout.addLayout(form)
        self._add_notes(layout)
        layout.addStretch(1)
        layout.addWidget(QLabel("Finalising locks the record. Later changes are amendments "
                                "with a reason, and the earlier text is kept."))
        layout.addWidget(self.finalise_button)
        self.first_field = self.next_date

    def load(self, record: ReviewRecord) -> None:
        self.held.setDate(_qdate(record.held_date or record.planned_date))
        lawful = self.c.service.latest_lawful_next(record.council_id, record)
        default_next = record.next_review_date or (lawful.due if lawful else None)
        self.next_date.setDate(_qdate(default_next))
        self.venue.setText(record.texts.get("next.venue", ""))
        if lawful is None:
            self.lawful.setText("Mark the review as held to see the latest lawful date of the "
                                "next one.")
        else:
            text = f"Latest lawful date: {lawful.due:%d/%m/%Y} ({lawful.rule})."
            if record.next_review_date and record.next_review_date > lawful.due:
                text = "\u26a0 The date set is later than the law allows. " + text
            self.lawful.setText(text)
        for widget in (self.held, self.next_date, self.venue, self.finalise_button):
            widget.setEnabled(not record.finalised)


class HistoryPage(Page):
    """Amendments to the finalised record: when, which field, why, and the earlier text."""

    amend_requested = Signal()

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.table = read_only_table(["When", "Field", "Reason", "Earlier text"],
                                     "amendments_table", "Amendments to the finalised record",
                                     stretch=(3,))
        self.table.setWordWrap(True)
        self.amend_button = QPushButton("A&mend the record...")
        self.amend_button.setObjectName("amend_button")
        self.amend_button.setAccessibleName("Amend the finalised record")
        self.amend_button.clicked.connect(self.amend_requested)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        # the team manager's comments and sign-off of the finalised record
        self.manager = QLineEdit()
        self.manager.setObjectName("manager_name_edit")
        self.manager.setAccessibleName("Team manager who signed the record off")
        self.manager.setMaxLength(200)
        self.manager_comments = QLineEdit()
        self.manager_comments.setObjectName("manager_comments_edit")
        self.manager_comments.setAccessibleName("Team manager's comments")
        self.manager_comments.setMaxLength(20000)
        self.sign_off_button = QPushButton("Record the manager's si&gn-off")
        self.sign_off_button.setObjectName("sign_off_button")
        self.sign_off_button.setAccessibleName("Record the team manager's sign-off today")
        self.sign_off_button.clicked.connect(
            lambda: self.c.sign_off(self.manager.text(), self.manager_comments.text()))
        self.signed = QLabel("")
        self.signed.setObjectName("signed_off_label")
        self.signed.setWordWrap(True)
        self.signed.setTextFormat(Qt.TextFormat.PlainText)
        sign_form = QFormLayout()
        sign_form.addRow(_buddy("Team ma&nager:", self.manager), self.manager)
        sign_form.addRow(_buddy("Their c&omments:", self.manager_comments),
                         self.manager_comments)
        sign_form.addRow(self.signed, self.sign_off_button)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("Record history", self))
        layout.addWidget(self.state)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.amend_button)
        layout.addLayout(sign_form)
        self.first_field = self.amend_button

    def load(self, record: ReviewRecord) -> None:
        when = (f"Finalised on {record.finalised_at:%d/%m/%Y at %H:%M}." if record.finalised_at
                else "Not finalised yet: the record can be edited directly.")
        self.state.setText(when)
        self.amend_button.setEnabled(record.finalised)
        self.manager.setText(record.manager_name or record.team_manager)
        self.manager_comments.setText(record.manager_comments)
        self.signed.setText(f"Signed off by {record.manager_name} on "
                            f"{record.manager_signed_on:%d/%m/%Y}." if record.manager_signed_on
                            else "Not signed off by a manager yet.")
        for widget in (self.manager, self.manager_comments, self.sign_off_button):
            widget.setEnabled(record.finalised)
        titles = {f"agenda:{i.key}": i.title for i in record.agenda} | TEXT_FIELDS
        self.table.setRowCount(len(record.amendments))
        for row, a in enumerate(record.amendments):
            earlier = a.old_value if len(a.old_value) <= 2000 else a.old_value[:2000] + "..."
            title = titles.get(a.key, "Decision" if a.key.startswith("decision:") else a.key)
            for col, text in enumerate((a.at.strftime("%d/%m/%Y %H:%M"), title,
                                        a.reason, earlier)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
