"""Councils coming and going, in the window: add a council, erase one, and purge records
past retention (the hand-over archive and its import are in ``archive_dialogs.py``).

The work is done by ``services/councils.py`` and ``services/retention.py``
(docs/councils.md); these dialogs collect what the IRO chooses and say what happened.
Erasing names what will go, asks for the council's code to be typed exactly, then reports
what went. Purging lists the flagged children and asks a confirmation that names them.
The small helpers at the top are shared with ``archive_dialogs.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.ui.dialogs.dispose import dispose_dialog
from iro_desktop.ui.widgets.controls import buddy, message_label  # noqa: F401 - archive_dialogs
from iro_desktop.core.models import Council, Nation
from iro_desktop.ui.views.caseload_view import council_icon
from iro_desktop.ui.widgets.tables import read_only_table
from iro_desktop.ui.workers import user_message

ERROR, DONE = "color: #b00020;", "color: #1b5e20;"


def council_combo(councils: list[Council], name: str, selected: str = "") -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setAccessibleName("Council")
    size = combo.fontMetrics().height() * 3 // 4
    for c in councils:
        combo.addItem(council_icon(c.colour, size), f"{c.code} \u2014 {c.name}", c.id)
    if selected:
        combo.setCurrentIndex(max(0, combo.findData(selected)))
    return combo


def file_row(edit: QLineEdit, button_text: str, accessible: str,
              choose: Callable[[], None]) -> QWidget:
    """A path field with its Browse button, as one widget (disabled together)."""
    button = QPushButton(button_text)
    button.setAccessibleName(accessible)
    button.clicked.connect(choose)
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    layout.addWidget(button)
    return row


def tab_chain(*widgets: QWidget) -> None:
    """Tab moves through ``widgets`` in this order (the order they are seen in)."""
    for first, second in zip(widgets, widgets[1:]):
        QWidget.setTabOrder(first, second)


def button_of(row: QWidget) -> QWidget:
    button = row.findChild(QPushButton)
    assert button is not None
    return button


def fit_height(dialog: QDialog) -> None:
    """Grow the dialog to show every line of its wrapped messages at its width."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    needed = (layout.heightForWidth(dialog.width()) if layout.hasHeightForWidth()
              else layout.sizeHint().height())
    if needed > dialog.height():
        dialog.resize(dialog.width(), needed)


# ---- adding a council ------------------------------------------------------------------


class AddCouncilDialog(QDialog):
    """Code, name and nation of a new council (its own database and key are made on OK)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("add_council_dialog")
        self.setWindowTitle("Add a council")
        self.code = QLineEdit()
        self.code.setObjectName("new_council_code")
        self.code.setAccessibleName("Council code")
        self.code.setMaxLength(10)
        self.code.setPlaceholderText("for example NBK, as in its caseload files")
        self.name = QLineEdit()
        self.name.setObjectName("new_council_name")
        self.name.setAccessibleName("Council name")
        self.name.setMaxLength(200)
        self.nation = QComboBox()
        self.nation.setObjectName("new_council_nation")
        self.nation.setAccessibleName("Nation whose review rules the council follows")
        for option in Nation:
            self.nation.addItem(option.label, option.value)
        form = QFormLayout()
        form.addRow(buddy("Cod&e:", self.code), self.code)
        form.addRow(buddy("&Name:", self.name), self.name)
        form.addRow(buddy("Na&tion:", self.nation), self.nation)
        self.message = message_label("", "add_council_message")
        self.message.setStyleSheet(ERROR)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Add council")
        ok.setAccessibleName("Add the council")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(message_label(
            "The council gets its own encrypted database under a new key. Its review periods "
            "follow the nation you choose (change them in Council settings for a local "
            "variant)."))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 70, self.sizeHint().height())

    @property
    def chosen_nation(self) -> Nation:
        return Nation(self.nation.currentData())

    def show_error(self, message: str) -> None:
        self.message.setText(message)


# ---- erase ---------------------------------------------------------------------------


class EraseCouncilDialog(QDialog):
    """Names what will be erased, asks for the council's code, erases, reports."""

    def __init__(self, service, council_id: str = "",  # type: ignore[no-untyped-def]
                 before_erase: Callable[[str], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("erase_council_dialog")
        self.setWindowTitle("Erase a council")
        self.service = service
        self.before_erase = before_erase
        self.report: Any = None  # services.councils.EraseReport once erased
        self.erased_id = ""
        self.summaries = {s.council.id: s for s in service.list()}
        councils = [s.council for s in self.summaries.values()]
        councils += service.damaged()  # a damaged council can be erased too
        self._councils = {c.id: c for c in councils}  # read once: the vault may lock
        self.council = council_combo(councils, "erase_council_combo", council_id)
        self.council.currentIndexChanged.connect(self._describe)
        self.what = message_label("", "what_will_be_erased")
        self.confirm = QLineEdit()
        self.confirm.setObjectName("erase_confirm_code")
        self.confirm.setMaxLength(10)
        self.confirm.textChanged.connect(self._update)
        self.confirm_label = buddy("", self.confirm)
        self.message = message_label("", "erase_message")
        self.erase_button = QPushButton("")
        self.erase_button.setObjectName("erase_button")
        self.erase_button.setStyleSheet("QPushButton:enabled { color: #b00020; font-weight: bold; }")
        self.erase_button.setAutoDefault(False)
        self.erase_button.clicked.connect(self.erase)
        self.close_button = QPushButton("Cancel")
        self.close_button.setAccessibleName("Cancel: erase nothing")
        self.close_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(buddy("&Council:", self.council), self.council)
        confirm_form = QFormLayout()
        confirm_form.addRow(self.confirm_label, self.confirm)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.erase_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.what)
        layout.addLayout(confirm_form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._describe()
        self.confirm.setFocus()
        self.resize(self.fontMetrics().averageCharWidth() * 90, self.sizeHint().height())

    @property
    def council_id(self) -> str:
        return self.council.currentData() or ""

    def _describe(self) -> None:
        if not self.council_id:
            self.what.setText("There are no councils in this vault.")
            self._update()
            return
        council = self._councils[self.council_id]
        summary = self.summaries.get(self.council_id)
        if summary is None:
            held = "Its database is damaged, so what it holds cannot be counted."
        else:
            held = (f"It holds {summary.active_children + summary.ended_children} child "
                    f"record(s) ({summary.active_children} on the caseload, "
                    f"{summary.ended_children} who have left it), {summary.reviews} review(s) "
                    f"and {summary.outbox_items} outbox document(s), with its profile, "
                    "templates and audit log.")
        self.what.setText(
            f"Erasing {council.code} ({council.name}) destroys its key and deletes its "
            f"database from this laptop for good. {held} The other councils are not "
            f"touched. This cannot be undone: if the council, or you on another laptop, "
            f"still need these records, make a hand-over archive first.")
        self.confirm_label.setText(f"&Type {council.code} to confirm:")
        self.confirm.setAccessibleName(f"Type the council code {council.code} to confirm")
        self.erase_button.setText(f"&Erase {council.code}")
        self.erase_button.setAccessibleName(f"Erase {council.code} for good")
        self.confirm.clear()
        self._update()

    def _update(self) -> None:
        council = self._councils.get(self.council_id)
        self.erase_button.setEnabled(council is not None and self.report is None
                                     and self.confirm.text() == council.code)

    def erase(self) -> None:
        if not self.erase_button.isEnabled():
            return
        council_id, typed = self.council_id, self.confirm.text()
        try:
            if self.before_erase is not None:
                self.before_erase(council_id)
            self.report = self.service.erase(council_id, typed)
            self.erased_id = council_id
        except Exception as exc:  # noqa: BLE001 - named in the dialog; nothing was erased
            self.message.setStyleSheet(ERROR)
            self.message.setText(user_message(exc))
            return
        lines = [self.report.summary()]
        if not self.report.archived:
            lines.append(f"No hand-over archive of {self.report.code} had been made from this "
                         "vault.")
        lines.append("Copies of the vault folder made before now (backups) still hold it: ask "
                     "for those to be deleted too.")
        self.message.setStyleSheet(DONE)
        self.message.setText("\n".join(lines))
        self.what.clear()
        for widget in (self.council, self.confirm, self.erase_button):
            widget.setEnabled(False)
        self.close_button.setText("Close")
        self.close_button.setAccessibleName("Close")
        self.close_button.setFocus()
        fit_height(self)


# ---- retention --------------------------------------------------------------------------


def confirm_purge(parent: QWidget, question: str, names: str) -> bool:
    """Yes or no to a purge that names every child in it; No is the default."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Purge records for good", question,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setInformativeText(names)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.Yes).setText("&Purge")
    try:
        return box.exec() == QMessageBox.StandardButton.Yes
    finally:
        dispose_dialog(box)


class RetentionDialog(QDialog):
    """Children off a council's caseload whose retention period is over, to purge."""

    COLUMNS = ["Council", "Reference", "Name", "Left the caseload", "Flagged since"]

    def __init__(self, service, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setObjectName("retention_dialog")
        self.setWindowTitle("Records to purge")
        self.service = service
        self.purged: list[Any] = []  # services.retention.PurgeReport, one per council
        self._rows: list[Any] = []  # EndedChild per table row
        councils = service.councils()
        self.council = council_combo(councils, "retention_council_combo")
        self.council.insertItem(0, f"All councils ({len(councils)})", None)
        self.council.setCurrentIndex(0)
        self.council.currentIndexChanged.connect(self.load)
        self.periods = message_label("", "retention_periods")
        self.table = read_only_table(self.COLUMNS, "retention_table",
                                     "Records due for purging; check the ones to purge",
                                     stretch=(2,), select_rows=True)
        self.later = message_label("", "retention_later")
        self.message = message_label("", "retention_message")
        select_all = QPushButton("Select &all")
        select_all.setAutoDefault(False)
        select_all.setAccessibleName("Check every record in the list")
        select_all.clicked.connect(lambda: self._check_all(True))
        select_none = QPushButton("Select n&one")
        select_none.setAutoDefault(False)
        select_none.setAccessibleName("Uncheck every record")
        select_none.clicked.connect(lambda: self._check_all(False))
        self.purge_button = QPushButton("&Purge the checked records...")
        self.purge_button.setObjectName("purge_button")
        self.purge_button.setAccessibleName("Purge the checked records for good")
        self.purge_button.setAutoDefault(False)
        self.purge_button.clicked.connect(self.purge)
        self.table.itemChanged.connect(lambda _i: self._update())
        self.table.installEventFilter(self)
        close = QPushButton("Close")
        close.setAccessibleName("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(select_all)
        buttons.addWidget(select_none)
        buttons.addStretch(1)
        buttons.addWidget(self.purge_button)
        buttons.addWidget(close)
        form = QFormLayout()
        form.addRow(buddy("&Council:", self.council), self.council)
        layout = QVBoxLayout(self)
        layout.addWidget(message_label(
            "When a child leaves a council's caseload their record is kept for that council's "
            "retention period, then listed here. Purging deletes the record with the child's "
            "reviews, network, decisions, monitoring notes, escalations and outbox documents, "
            "for good. Nothing is purged until you confirm."))
        layout.addLayout(form)
        layout.addWidget(self.periods)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.later)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        fm = self.fontMetrics()
        self.resize(fm.averageCharWidth() * 110, fm.height() * 30)
        self.load()

    def load(self) -> None:
        council_id = self.council.currentData()
        today = self.service.today()
        days = [f"{c.code}: {self.service.days(c.id)} days" for c in self.service.councils()
                if council_id in (None, c.id)]
        self.periods.setText("Kept after leaving the caseload (set in Council settings): "
                             + ", ".join(days) + ".")
        ended = self.service.ended(council_id)
        self._rows = [e for e in ended if e.flagged(today)]
        waiting = [e for e in ended if not e.flagged(today)]
        icon = self.table.fontMetrics().height() * 3 // 4
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._rows))
        for row, entry in enumerate(self._rows):
            rec = entry.child.record
            texts = (entry.council.code, rec.child_ref, rec.display_name,
                     entry.ended_on.strftime("%d/%m/%Y"), entry.purge_from.strftime("%d/%m/%Y"))
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if column == 0:  # the council's colour and code, and the check box
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Unchecked)
                    item.setIcon(council_icon(entry.council.colour, icon))
                    item.setToolTip(entry.council.name)
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        if not self._rows:
            self.later.setText("No records are due for purging.")
        else:
            self.later.setText(f"{len(self._rows)} record(s) due for purging. Check the ones to "
                               "purge (Space checks the selected row).")
        if waiting:
            self.later.setText(self.later.text() + f" {len(waiting)} more child(ren) have left "
                               f"the caseload; the next is due on "
                               f"{min(e.purge_from for e in waiting):%d/%m/%Y}.")
        self._update()

    def checked(self) -> list[Any]:
        return [entry for row, entry in enumerate(self._rows)
                if (box := self.table.item(row, 0)) is not None
                and box.checkState() == Qt.CheckState.Checked]

    def _check_all(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for row in range(self.table.rowCount()):
            box = self.table.item(row, 0)
            if box is not None:
                box.setCheckState(state)

    def _update(self) -> None:
        count = len(self.checked())
        self.purge_button.setEnabled(count > 0)
        self.purge_button.setText(f"&Purge {count} checked record(s)..." if count
                                  else "&Purge the checked records...")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Space in the list checks or unchecks the selected row, whichever cell is current."""
        if watched is self.table and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Space \
                and self.table.currentRow() >= 0:
            item = self.table.item(self.table.currentRow(), 0)
            if item is None:
                return False
            item.setCheckState(Qt.CheckState.Unchecked
                               if item.checkState() == Qt.CheckState.Checked
                               else Qt.CheckState.Checked)
            return True
        return super().eventFilter(watched, event)

    def purge(self) -> None:
        chosen = self.checked()
        if not chosen:
            return
        by_council: dict[str, list[Any]] = {}
        for entry in chosen:
            by_council.setdefault(entry.council.id, []).append(entry)
        names = "\n".join(f"{e.council.code}: {e.child.record.display_name} "
                          f"({e.child.record.child_ref})" for e in chosen[:25])
        if len(chosen) > 25:
            names += f"\n... and {len(chosen) - 25} more"
        question = (f"Purge {len(chosen)} record(s) for good? Each child's reviews, network, "
                    "decisions, monitoring notes, escalations and outbox documents go with "
                    "them. This cannot be undone.")
        if not confirm_purge(self, question, names):
            self.message.setStyleSheet("")
            self.message.setText("Nothing was purged.")
            return
        lines, failed = [], False
        for council_id, entries in by_council.items():
            try:
                report = self.service.purge(council_id, [e.child.id for e in entries],
                                            confirm=True)
            except Exception as exc:  # noqa: BLE001 - named; other councils still purged
                failed = True
                lines.append(user_message(exc))
                continue
            self.purged.append(report)
            lines.append(report.summary())
        self.load()
        self.message.setStyleSheet(ERROR if failed else DONE)
        self.message.setText("\n".join(lines))
        fit_height(self)
