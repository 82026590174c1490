"""The decisions of this review: the IRO summary, the table of decisions and the form
under it that adds one, or brings one back to correct it.

Enter (or F2) on a row puts the decision back in the form, Delete removes it, until the
record is finalised; after that Enter amends it with a reason, the earlier wording kept in
the record's history. The form starts again at "within 4 weeks" after every decision, and
a due date on or before the review is refused with a message.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core.records import ReviewRecord
from iro_desktop.core.reviews import resolve_within_weeks
from iro_desktop.ui.views.review_controller import ReviewController
from iro_desktop.ui.views.review_pages import Page, _date_edit, _heading, _pydate, _qdate
from iro_desktop.ui.widgets.controls import buddy as _buddy
from iro_desktop.ui.widgets.controls import editable_combo, line_edit
from iro_desktop.ui.widgets.tables import read_only_table

DEFAULT_WEEKS = 4
ADD_TEXT = "Add decisi&on (Ctrl+Enter)"


class DecisionsPage(Page):
    """The decisions of this review: added with the form under the table; Enter (or F2) on
    a row brings it back into the form to correct it, Delete removes it, until the record is
    finalised. After that Enter on a row amends it, with a reason."""

    notes_label = "IRO &summary"

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.table = read_only_table(["Decision", "Who", "By when", "Agenda item"],
                                     "decisions_table", "Decisions of this review",
                                     select_rows=True)
        self.table.installEventFilter(self)
        self.text = line_edit("decision_text_edit", "Decision", 4000)
        self.who = editable_combo("decision_who_combo", "Who is responsible")  # the network
        self.by_date = QRadioButton("By &date")
        self.by_date.setAccessibleName("Due by a date")
        self.within = QRadioButton("Wi&thin")
        self.within.setAccessibleName("Due within a number of weeks")
        self.within.setChecked(True)
        self.due = _date_edit("Due date")
        self.due.dateChanged.connect(self._on_due_changed)
        self.weeks = QSpinBox()
        self.weeks.setObjectName("decision_weeks_spin")
        self.weeks.setRange(1, 104)
        self.weeks.setValue(DEFAULT_WEEKS)
        self.weeks.setSuffix(" weeks")
        self.weeks.setAccessibleName("Due within weeks")
        self.weeks.valueChanged.connect(lambda _v: self.within.setChecked(True))
        self.item = QComboBox()
        self.item.setAccessibleName("Agenda item of the decision")
        self.add = QPushButton(ADD_TEXT)
        self.add.setObjectName("add_decision_button")
        self.add.setAccessibleName("Add the decision")
        self.add.clicked.connect(self._on_add_clicked)
        self.cancel = QPushButton("Cancel the change")
        self.cancel.setObjectName("cancel_decision_edit_button")
        self.cancel.setAccessibleName("Cancel the change to the decision")
        self.cancel.clicked.connect(self._reset_form)
        self.cancel.hide()
        self.text.returnPressed.connect(self._on_add_clicked)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, self._on_add_clicked,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.hint = QLabel("In the table: Enter or F2 corrects a decision, Delete removes it "
                           "(until the record is finalised; then Enter amends it).")
        self.hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_buddy("Decisio&n:", self.text), self.text)
        form.addRow(_buddy("&Who:", self.who), self.who)
        due_row = QHBoxLayout()
        due_row.addWidget(self.within)
        due_row.addWidget(self.weeks)
        due_row.addWidget(self.by_date)
        due_row.addWidget(self.due)
        due_row.addStretch(1)
        form.addRow("By when:", due_row)
        form.addRow(_buddy("A&genda item:", self.item), self.item)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        form.addRow("", buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(_heading("IRO summary and decisions", self))
        self._add_notes(layout)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        # Tab: text, who, weeks, date, agenda item, add (the radios follow the field used).
        # Set once the fields are in this page: before, Qt ignores it.
        for first, second in ((self.text, self.who), (self.who, self.weeks),
                              (self.weeks, self.due), (self.due, self.item),
                              (self.item, self.add), (self.add, self.cancel),
                              (self.cancel, self.within), (self.within, self.by_date)):
            QWidget.setTabOrder(first, second)
        self.first_field = self.text
        self._record: ReviewRecord | None = None
        self._editing: int | None = None  # id of the decision in the form, or None

    def load(self, record: ReviewRecord) -> None:
        new_review = self._record is None or self._record.id != record.id
        self._record = record
        self.table.setRowCount(len(record.decisions))
        titles = {i.key: i.title for i in record.agenda}
        for row, d in enumerate(record.decisions):
            values = (d.text, d.responsible, d.due_date.strftime("%d/%m/%Y") if d.due_date else "",
                      titles.get(d.agenda_key, ""))
            for col, text in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(text))
        who_text = self.who.currentText()
        self.who.blockSignals(True)
        self.who.clear()
        self.who.addItem("", None)
        for person in self.c.network:
            self.who.addItem(f"{person.name} ({person.role})", person.id)
        self.who.setEditText("" if new_review else who_text)
        self.who.blockSignals(False)
        item_key = self.item.currentData()
        self.item.clear()
        self.item.addItem("(none)", "")
        for agenda_item in record.agenda:
            self.item.addItem(agenda_item.title, agenda_item.key)
        if not new_review and item_key:
            self.item.setCurrentIndex(max(0, self.item.findData(item_key)))
        if new_review:
            self._reset_form()
        for widget in (self.text, self.who, self.by_date, self.within, self.due, self.weeks,
                       self.item, self.add):
            widget.setEnabled(not record.finalised)

    def _base(self) -> date:
        record = self._record
        return (record.review_date if record and record.review_date else date.today())

    def _reset_form(self) -> None:
        """An empty form for the next decision: due within the usual weeks (a date chosen for
        one decision is not carried to the next, nor to another child's review)."""
        self._editing = None
        self.text.clear()
        self.who.setCurrentIndex(0)
        self.who.setEditText("")
        self.item.setCurrentIndex(0)
        self.weeks.blockSignals(True)
        self.weeks.setValue(DEFAULT_WEEKS)
        self.weeks.blockSignals(False)
        self.due.blockSignals(True)
        self.due.setDate(_qdate(resolve_within_weeks(self._base(), DEFAULT_WEEKS)))
        self.due.blockSignals(False)
        self.within.setChecked(True)
        self.add.setText(ADD_TEXT)
        self.add.setAccessibleName("Add the decision")
        self.cancel.hide()

    def _on_due_changed(self) -> None:
        if self.due.hasFocus():  # a date typed or picked: it is due by that date
            self.by_date.setChecked(True)

    def _person_choice(self) -> tuple[int | None, str]:
        who_text = self.who.currentText().strip()
        index = self.who.findText(who_text)
        person_id = self.who.itemData(index) if index > 0 else None
        return person_id, "" if person_id else who_text

    def _on_add_clicked(self) -> None:
        record = self._record
        if record is None or record.finalised:
            return
        from iro_desktop.services.reviews import due_date_problem

        person_id, responsible = self._person_choice()
        base = self._base()
        due = (resolve_within_weeks(base, self.weeks.value()) if self.within.isChecked()
               else _pydate(self.due.date()))
        problem = due_date_problem(base, due)
        if problem:
            self.c.error.emit(problem)
            self.due.setFocus()
            return
        agenda_key = str(self.item.currentData() or "")
        if self._editing is not None:
            saved = self.c.edit_decision(self._editing, self.text.text(), person_id=person_id,
                                         responsible=responsible, due_date=due,
                                         agenda_key=agenda_key)
        else:
            saved = self.c.add_decision(self.text.text(), person_id=person_id,
                                        responsible=responsible, due_date=due,
                                        agenda_key=agenda_key)
        if saved:
            self._reset_form()
            self.text.setFocus()

    # ---- the table: correct, delete, amend --------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table and isinstance(event, QKeyEvent) \
                and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
                self.edit_row(self.table.currentRow())
                return True
            if key == Qt.Key.Key_Delete:
                self.delete_row(self.table.currentRow())
                return True
        return super().eventFilter(watched, event)

    def _decision_at(self, row: int):  # type: ignore[no-untyped-def]
        record = self._record
        if record is None or not 0 <= row < len(record.decisions):
            return None
        return record.decisions[row]

    def edit_row(self, row: int) -> None:
        """The decision back in the form (or, once finalised, the amend dialog)."""
        d = self._decision_at(row)
        if d is None:
            return
        if self._record is not None and self._record.finalised:
            self.amend_row(row)
            return
        self._editing = d.id
        self.text.setText(d.text)
        index = self.who.findData(d.person_id) if d.person_id is not None else -1
        if index > 0:
            self.who.setCurrentIndex(index)
        else:
            self.who.setEditText(d.responsible)
        if d.due_date is not None:
            self.due.setDate(_qdate(d.due_date))
            self.by_date.setChecked(True)
        self.item.setCurrentIndex(max(0, self.item.findData(d.agenda_key)))
        self.add.setText("Save the decisi&on (Ctrl+Enter)")
        self.add.setAccessibleName("Save the changed decision")
        self.cancel.show()
        self.text.setFocus()
        self.text.selectAll()

    def delete_row(self, row: int) -> None:
        from PySide6.QtWidgets import QMessageBox

        d = self._decision_at(row)
        if d is None or self._record is None or self._record.finalised:
            return
        answer = QMessageBox.question(
            self, "Delete the decision", f"Delete this decision?\n\n{d.text[:200]}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes and self.c.delete_decision(d.id):
            if self._editing == d.id:
                self._reset_form()
            self.table.setFocus()
            self.table.selectRow(min(row, self.table.rowCount() - 1))

    def amend_row(self, row: int) -> None:
        from iro_desktop.ui.dialogs.form_dialog import FormDialog, date_field

        d = self._decision_at(row)
        if d is None:
            return
        dialog = FormDialog("Amend a decision of the finalised record", "&Amend", self)
        dialog.setObjectName("amend_decision_dialog")
        text = QLineEdit(d.text)
        text.setAccessibleName("Decision")
        text.setMaxLength(4000)
        who = QLineEdit(d.responsible)
        who.setAccessibleName("Who is responsible")
        who.setMaxLength(200)
        due = date_field("Due date", "amend_due_edit", d.due_date or self._base())
        reason = QLineEdit()
        reason.setObjectName("amend_decision_reason")
        reason.setAccessibleName("Reason for the amendment")
        reason.setMaxLength(4000)
        dialog.add_row("&Decision:", text)
        dialog.add_row("&Who:", who)
        dialog.add_row("&By:", due)
        dialog.add_row("&Reason:", reason)
        text.setFocus()

        def amend() -> object:
            same_person = d.person_id is not None and who.text().strip() == d.responsible
            return self.c.amend_decision(
                d.id, text.text(), reason.text(),
                person_id=d.person_id if same_person else None,
                responsible="" if same_person else who.text(),
                due_date=due.py_date() if d.due_date or due.py_date() != self._base()
                else None, agenda_key=d.agenda_key)

        if dialog.run(amend) is not None:
            self.table.setFocus()
            self.table.selectRow(row)
