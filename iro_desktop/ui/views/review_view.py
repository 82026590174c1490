"""The review workspace: a navigator of sections and agenda items beside the page for each.

Keyboard: Ctrl+PgDown / Ctrl+PgUp next / previous section (Alt+Down is left to combo boxes
and date fields, where it opens the list or calendar),
Ctrl+D mark the agenda item done and go on, F6 switch between navigator and page,
Ctrl+Shift+N add an ad hoc agenda item, Ctrl+Shift+H mark the review held,
Ctrl+Shift+F finalise, Ctrl+Shift+W withhold the paragraph at the cursor from a group,
Ctrl+Shift+O put copies in the outbox, Ctrl+Shift+E save a Word copy, Escape back to the
child.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from iro_desktop.core import codes
from iro_desktop.core.chair import Chair
from iro_desktop.core.records import ReviewRecord
from iro_desktop.core.reviews import ItemState, ReviewStatus
from iro_desktop.ui.autosave_bridge import SavedBatch
from iro_desktop.ui.dialogs.dispose import dispose_dialog
from iro_desktop.ui.views.copies_pages import CopiesPage, LetterPage
from iro_desktop.ui.views.decisions_page import DecisionsPage
from iro_desktop.ui.views.review_controller import ReviewController
from iro_desktop.ui.views.review_pages import (
    AgendaItemPage,
    AttendancePage,
    EarlierDecisionsPage,
    HistoryPage,
    NextReviewPage,
    Page,
    PreparationPage,
    VoicePage,
)

NAV_ROLE = Qt.ItemDataRole.UserRole + 1
# Agenda items whose discussion belongs with a structured page of the record.
STRUCTURED = {"welcome": "attendance", "wishes": "voice", "previous_decisions": "earlier",
              "summary": "decisions", "next_review": "next"}
FALLBACK_TITLES = {"attendance": "Attendance", "voice": "Child's views",
                   "earlier": "Previous decisions", "decisions": "IRO summary and decisions",
                   "next": "Next review and finalise"}
# Forward steps of the lifecycle the IRO can choose (finalising has its own button).
STATUS_CHOICES = (ReviewStatus.PLANNED, ReviewStatus.PREPARATION, ReviewStatus.HELD,
                  ReviewStatus.RECORDING)


class ReviewView(QWidget):
    back_requested = Signal()

    def __init__(self, controller: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review_view")
        self.c = controller
        self.header = QLabel("")
        self.header.setObjectName("review_header")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.header.setFont(font)
        self.chip = QLabel("")
        self.chip.setObjectName("council_chip")
        self.sub = QLabel("")
        self.sub.setObjectName("review_subheader")
        self.sub.setTextFormat(Qt.TextFormat.PlainText)
        self.save_state = QLabel("All changes saved")
        self.save_state.setMinimumWidth(self.fontMetrics().horizontalAdvance("NOT SAVED - retrying") + 12)
        self.save_state.setObjectName("save_state")
        self.save_state.setAccessibleName("Save state")
        self.held_button = QPushButton("Mar&k held")
        self.held_button.setObjectName("mark_held_button")
        self.held_button.setAccessibleName("Mark the review as held")
        self.held_button.clicked.connect(self._on_mark_held)
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("review_status_combo")
        self.status_combo.setAccessibleName("Stage of the review")
        for status in STATUS_CHOICES:
            self.status_combo.addItem(status.label, status.value)
        self.status_combo.activated.connect(self._on_status_chosen)
        self.export_button = QPushButton("Save a Word cop&y...")
        self.export_button.setObjectName("export_button")
        self.export_button.setAccessibleName("Save a Word copy of this record")
        self.export_button.clicked.connect(self.export_copy)
        back = QPushButton("\u2190 &Back to child")
        back.setAccessibleName("Back to the child")
        back.clicked.connect(self.back_requested)

        top = QHBoxLayout()
        top.addWidget(self.chip)
        top.addWidget(self.header, 1)
        top.addWidget(self.save_state)
        status_label = QLabel("Stag&e:")
        status_label.setBuddy(self.status_combo)
        top.addWidget(status_label)
        top.addWidget(self.status_combo)
        top.addWidget(self.held_button)
        top.addWidget(self.export_button)
        top.addWidget(back)

        self.nav = QListWidget()
        self.nav.setObjectName("review_navigator")
        self.nav.setAccessibleName("Review sections and agenda items")
        self.nav.setWordWrap(True)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.nav.setSpacing(2)
        self.nav.currentRowChanged.connect(self._on_nav_changed)
        self.nav.itemActivated.connect(lambda _i: self._focus_page())
        self.pages = QStackedWidget()
        self.preparation = PreparationPage(controller)
        self.attendance = AttendancePage(controller)
        self.voice = VoicePage(controller)
        self.earlier = EarlierDecisionsPage(controller)
        self.agenda_page = AgendaItemPage(controller)
        self.decisions = DecisionsPage(controller)
        self.next_review = NextReviewPage(controller)
        self.letter = LetterPage(controller)
        self.copies = CopiesPage(controller)
        self.copies.outbox_requested.connect(self.put_in_outbox)
        self.history = HistoryPage(controller)
        self.history.amend_requested.connect(self.amend)
        for page in (self.preparation, self.attendance, self.voice, self.earlier,
                     self.agenda_page, self.decisions, self.next_review, self.letter,
                     self.copies, self.history):
            self.pages.addWidget(page)
        for edit in self._text_edits():
            edit.too_long.connect(self._on_too_long)
        self.agenda_page.done_and_next.connect(self.mark_item_done_and_next)
        self.next_review.finalise_requested.connect(self.finalise)

        split = QSplitter()
        split.addWidget(self.nav)
        split.addWidget(self.pages)
        split.setStretchFactor(1, 1)
        split.setSizes([self.fontMetrics().averageCharWidth() * 46, 900])

        self.message = QLabel("")
        self.message.setObjectName("review_message")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Review message")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.sub)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)

        self._shortcut("Ctrl+PgDown", lambda: self.step(1))
        self._shortcut("Ctrl+PgUp", lambda: self.step(-1))
        self._shortcut("Ctrl+D", self.mark_item_done_and_next)
        self._shortcut("F6", self._toggle_focus)
        self._shortcut("Ctrl+Shift+N", self.add_item)
        self._shortcut("Ctrl+Shift+H", self._on_mark_held)
        self._shortcut("Ctrl+Shift+F", self.finalise)
        self._shortcut("Escape", self.back_requested.emit)
        self._shortcut("Ctrl+Shift+E", self.export_copy)
        self._shortcut("Ctrl+Shift+W", self.withhold_paragraph)
        self._shortcut("Ctrl+Shift+O", self.put_in_outbox)

        controller.record_changed.connect(self._on_record_changed)
        controller.error.connect(lambda text: self._show(text, error=True))
        controller.notice.connect(lambda text: self._show(text, error=True))
        controller.bridge.saved.connect(self._on_saved)
        controller.bridge.failed.connect(self._on_save_failed)
        controller.bridge.edited.connect(lambda: self.save_state.setText("Saving..."))
        self._nav_keys: list[tuple[str, str]] = []
        self._failure_shown = False
        self.current_item_key = ""

    def _shortcut(self, keys: str, slot) -> None:  # type: ignore[no-untyped-def]
        QShortcut(QKeySequence(keys), self, slot,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # ---- loading -------------------------------------------------------------------

    def open(self, council_id: str, review_id: int) -> None:
        self._nav_keys = []
        self.message.clear()
        self.c.open(council_id, review_id)
        self.nav.setCurrentRow(0)

    def clear(self) -> None:
        """Forget the record (vault locked): every field emptied."""
        for page in (self.preparation, self.voice):
            for edit in page.edits.values():
                edit.unbind()
        self.agenda_page.edit.unbind()
        self.preparation.invited.clear()
        self.letter.clear()
        self.copies.clear()
        for notes_page in (self.attendance, self.earlier, self.decisions, self.next_review):
            if notes_page.notes is not None:
                notes_page.notes.unbind()
        self.current_item_key = ""
        self.nav.clear()
        self.header.clear()
        self.sub.clear()
        self.message.clear()
        for table in (self.attendance.table, self.earlier.table, self.decisions.table):
            table.setRowCount(0)
        # One-line fields (venue, a decision or a person being typed) and the network's
        # names in "who": nothing of the record stays in a widget while locked.
        from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit

        for line in self.findChildren(QLineEdit):  # not a date, a number or a role
            if not isinstance(line.parentWidget(), (QAbstractSpinBox, QComboBox)):
                line.blockSignals(True)
                line.clear()
                line.blockSignals(False)
        for combo in (self.decisions.who, self.decisions.item):
            combo.blockSignals(True)
            combo.clear()
            combo.blockSignals(False)
        self._nav_keys = []

    def _on_record_changed(self, record: ReviewRecord) -> None:
        child = record.child.record
        self.chip.setText(f" {record.child.council_id and self._council_code()} ")
        self.header.setText(f"{child.display_name} \u2014 review {record.number}")
        when = record.review_date.strftime("%d/%m/%Y") if record.review_date else "no date yet"
        self.sub.setText(f"{child.child_ref} \u2022 born {child.date_of_birth:%d/%m/%Y} \u2022 "
                         f"{codes.short_label(codes.LEGAL_STATUS, child.legal_status)} \u2022 "
                         f"{codes.short_label(codes.PLACEMENT_TYPE, child.placement_type)} \u2022 "
                         f"{record.status.label} \u2022 {when}")
        self.held_button.setEnabled(record.status.rank < ReviewStatus.HELD.rank)
        self.status_combo.blockSignals(True)
        finalised = record.status is ReviewStatus.FINALISED
        if finalised and self.status_combo.findData("finalised") < 0:
            self.status_combo.addItem(ReviewStatus.FINALISED.label, "finalised")
        elif not finalised and self.status_combo.findData("finalised") >= 0:
            self.status_combo.removeItem(self.status_combo.findData("finalised"))
        self.status_combo.setCurrentIndex(self.status_combo.findData(record.status.value))
        self.status_combo.setEnabled(not finalised)
        self.status_combo.blockSignals(False)
        self._rebuild_nav(record)
        current = self.pages.currentWidget()
        if isinstance(current, Page):
            current.load(record)
            if current is not self.agenda_page:
                current.load_notes(record, self.current_item_key)

    def _council_code(self) -> str:
        council = self.c.service.council(self.c.council_id)
        self.chip.setStyleSheet(f"background: {council.colour}; color: white; padding: 4px; "
                                "font-weight: bold;")
        self.chip.setAccessibleName(f"Council {council.code}, {council.name}")
        return council.code

    def _rebuild_nav(self, record: ReviewRecord) -> None:
        counts = {"attendance": len(record.attendance), "earlier": len(record.earlier_decisions),
                  "decisions": len(record.decisions)}

        def label(kind: str, title: str) -> str:
            if kind in counts:
                return f"{title} ({counts[kind]})"
            if kind == "voice" and record.participation_code:
                return f"{title} \u2022 {record.participation_code}"
            return title

        entries: list[tuple[str, str, str]] = [("preparation", "", "Preparation")]
        claimed: set[str] = set()
        for item in record.agenda:
            kind = STRUCTURED.get(item.key, "agenda")
            claimed.add(kind)
            entries.append((kind, item.key, f"{item.state.mark} {label(kind, item.title)}"))
        # A council agenda without these items still reaches every part of the record.
        entries += [(kind, "", label(kind, title)) for kind, title in FALLBACK_TITLES.items()
                    if kind not in claimed]
        entries.append(("letter", "", "Letter to the child"))
        entries.append(("copies", "", "Copies and who gets them"))
        entries.append(("history", "", f"History ({len(record.amendments)} amendment"
                                       f"{'s' if len(record.amendments) != 1 else ''})"))
        keys = [(kind, key) for kind, key, _ in entries]
        row = max(self.nav.currentRow(), 0)
        self.nav.blockSignals(True)
        if keys != self._nav_keys:
            self.nav.clear()
            for kind, key, text in entries:
                nav_item = QListWidgetItem(text)
                nav_item.setData(NAV_ROLE, (kind, key))
                self.nav.addItem(nav_item)
            self._nav_keys = keys
        else:
            for index, (_kind, _key, text) in enumerate(entries):
                shown = self.nav.item(index)
                if shown is not None:  # the same keys: one item per entry
                    shown.setText(text)
        self.nav.setCurrentRow(min(row, self.nav.count() - 1))
        self.nav.blockSignals(False)

    # ---- navigation ----------------------------------------------------------------

    def _on_nav_changed(self, row: int) -> None:
        if row < 0 or self.c.record is None:
            return
        self.c.bridge.flush()
        kind, key = self.nav.item(row).data(NAV_ROLE)
        page: Page = {"preparation": self.preparation, "attendance": self.attendance,
                      "voice": self.voice, "earlier": self.earlier, "agenda": self.agenda_page,
                      "decisions": self.decisions, "next": self.next_review,
                      "letter": self.letter, "copies": self.copies,
                      "history": self.history}[kind]
        if kind == "agenda":
            self.agenda_page.show_item(key, self.c.record)
        else:
            page.load(self.c.record)
            page.load_notes(self.c.record, key)
        self.current_item_key = key
        self.pages.setCurrentWidget(page)

    def step(self, delta: int) -> None:
        row = self.nav.currentRow() + delta
        if 0 <= row < self.nav.count():
            self.nav.setCurrentRow(row)
            self._focus_page()

    def _focus_page(self) -> None:
        page = self.pages.currentWidget()
        if isinstance(page, Page) and page.first_field is not None:
            page.first_field.setFocus()

    def _toggle_focus(self) -> None:
        if self.nav.hasFocus():
            self._focus_page()
        else:
            self.nav.setFocus()

    # ---- actions -------------------------------------------------------------------

    def mark_item_done_and_next(self) -> None:
        if self.current_item_key and self.c.record and not self.c.record.finalised:
            self.c.set_item_state(self.current_item_key, ItemState.DONE)
        self.step(1)

    def add_item(self) -> None:
        title, ok = QInputDialog.getText(self, "Add an agenda item", "Title of the new item:")
        if ok and title.strip():
            self.c.add_item(title)

    def _text_edits(self):  # type: ignore[no-untyped-def]
        edits = [*self.preparation.edits.values(), *self.voice.edits.values(),
                 self.agenda_page.edit, self.letter.note]
        return edits + [p.notes for p in (self.attendance, self.earlier, self.decisions,
                                          self.next_review) if p.notes is not None]

    def _on_too_long(self, length: int) -> None:
        self._show(f"That text is {length:,} characters long; one field holds at most "
                   "1,000,000. It was not saved: shorten it (Ctrl+Z undoes the paste). "
                   "What was saved before is kept.", error=True)

    def _on_status_chosen(self) -> None:
        chosen = ReviewStatus(self.status_combo.currentData())
        record = self.c.record
        if record is None or chosen is record.status:
            return
        if chosen.rank < record.status.rank:
            self._show("A review's stage only moves forward.", error=True)
            self.status_combo.setCurrentIndex(self.status_combo.findData(record.status.value))
            return
        self.c.set_status(chosen)

    def amend(self, key: str = "", line: int = 0) -> None:
        record = self.c.record
        if record is None or not record.finalised:
            return
        from iro_desktop.core.reviews import TEXT_FIELDS
        from iro_desktop.ui.dialogs.amend_dialog import AmendDialog
        fields = [(f"agenda:{i.key}", i.title) for i in record.agenda]
        fields += [(k, t) for k, t in TEXT_FIELDS.items() if not k.startswith("prep.")]
        dialog = AmendDialog(fields, record.texts, self, line_marks=record.line_marks,
                             people={f"person:{p.id}": p.name for p in self.c.network},
                             withhold=self.withhold_line_in)
        if key:
            dialog.select(key, line)
        try:
            while dialog.exec():
                if self.c.amend(dialog.key, dialog.marked_text(), dialog.reason.text()):
                    self._show("Amended; the earlier text is kept in the history.", error=False)
                    break
                dialog.show_error(self.message.text())
        finally:
            dispose_dialog(dialog)

    def export_copy(self) -> None:
        """Save a copy of the record as a Word file where the IRO chooses; says it is not
        encrypted and where it went. Built in memory, written atomically, owner-only."""
        record = self.c.record
        if record is None:
            return
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from iro_desktop.core.redaction import GROUPS
        from iro_desktop.fsutil import atomic_write
        from iro_desktop.services.export import ExportService
        from iro_desktop.ui.workers import user_message

        choices = {"Full record (for the council)": "full",
                   "Decisions only": "decisions",
                   "Letter to the child": "letter"}
        choices |= {f"Copy for {label.lower()} (withheld parts left out)": f"redacted:{key}"
                    for key, label in GROUPS.items()}
        choice, ok = QInputDialog.getItem(self, "Save a Word copy", "Which copy?",
                                          list(choices), 0, False)
        if not ok:
            return
        variant = choices[choice]
        self.c.bridge.flush()
        exports = ExportService.of_reviews(self.c.service, self._chair())
        try:
            suggested = exports.filename(record.council_id, record.id, variant)
        except Exception:  # noqa: BLE001 - only the suggested name
            suggested = f"review-{record.number}.docx"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save a Word copy (NOT encrypted)", suggested, "Word documents (*.docx)")
        if not path:
            return
        target = Path(path if path.lower().endswith(".docx") else path + ".docx")
        try:
            data = exports.export_review(record.council_id, record.id, variant)
            atomic_write(target, data)
        except Exception as exc:  # noqa: BLE001 - the record in the vault is untouched
            self._show(f"The copy was not saved: {user_message(exc)}", error=True)
            return
        self._show(f"Saved an unencrypted Word copy to {target}. Keep it only as long as "
                   "you need it, as your council requires. Copies for the council go "
                   "through the outbox (Ctrl+Shift+O), which keeps them encrypted.",
                   error=False)

    def _chair(self) -> Chair:
        settings = getattr(self.window(), "settings", None)
        return Chair.from_settings(settings) if settings is not None else Chair()

    def withhold_paragraph(self) -> None:
        """Withhold the line under the cursor (or every line of the selection) of the
        focused field from a recipient chosen from a menu, or stop withholding it. The
        mark is kept beside the text (highlighted, labelled in the margin) and autosaved
        with it; in a finalised record it is changed through an amendment."""
        from iro_desktop.ui.widgets.autosave_text import MarkedTextEdit

        edit = self.focusWidget()
        if not isinstance(edit, MarkedTextEdit):
            self._show("Put the cursor on the line to withhold (in a text field of the "
                       "record), then press Ctrl+Shift+W.", error=True)
            return
        if edit.isReadOnly():
            record = self.c.record
            key = getattr(edit, "key", "")
            if record is None or not record.finalised or not key:
                self._show("This field cannot be changed here.", error=True)
                return
            # A finalised record changes by amendment: open it on this field and line.
            self._show("The record is finalised: what is withheld changes by an amendment "
                       "(Ctrl+Shift+W on the line, then give a reason).", error=False)
            self.amend(key, edit.selected_lines()[0])
            return
        self.withhold_line_in(edit)

    def withhold_line_in(self, edit: QWidget) -> None:
        """The Ctrl+Shift+W menu on ``edit`` (a MarkedTextEdit) and its effect."""
        lines = edit.selected_lines()  # type: ignore[attr-defined]
        choice = self.ask_group(edit)
        if choice is None:
            return
        where = (f"Line {lines[0] + 1}" if len(lines) == 1
                 else f"Lines {lines[0] + 1}-{lines[-1] + 1}")
        if choice == "":
            edit.clear_marks()  # type: ignore[attr-defined]
            self._show(f"{where}: withheld from nobody now.", error=False)
            return
        on = edit.toggle_mark(choice)  # type: ignore[attr-defined]
        who = edit.describe(frozenset({choice}))  # type: ignore[attr-defined]
        self._show(f"{where}: {'withheld from' if on else 'no longer withheld from'} {who}.",
                   error=False)

    def ask_group(self, edit: QWidget) -> str | None:
        """A menu at the text cursor: withhold the line from a group or one person of the
        network, or from nobody. Returns the recipient, "" for nobody, None if cancelled."""
        from PySide6.QtWidgets import QMenu

        from iro_desktop.core.redaction import GROUPS

        lines = edit.selected_lines()  # type: ignore[attr-defined]
        current = edit.line_marks()  # type: ignore[attr-defined]
        marked = set().union(*(current.get(i, frozenset()) for i in lines))
        menu = QMenu(self)
        menu.setObjectName("withhold_menu")
        menu.setAccessibleName("Withhold this line from")
        for number, (key, label) in enumerate(GROUPS.items(), start=1):
            tick = "\u2713 " if key in marked else ""
            menu.addAction(f"&{number} {tick}Withhold from {label.lower()}").setData(key)
        if self.c.network:
            menu.addSeparator()
        for number, person in enumerate(self.c.network, start=len(GROUPS) + 1):
            key = f"person:{person.id}"
            tick = "\u2713 " if key in marked else ""
            mnemonic = f"&{number} " if number <= 9 else ""
            menu.addAction(f"{mnemonic}{tick}Withhold from {person.name} ({person.role})"
                           ).setData(key)
        menu.addSeparator()
        menu.addAction("&0 Withhold from nobody").setData("")
        rect = edit.cursorRect()  # type: ignore[attr-defined]
        chosen = menu.exec(edit.viewport().mapToGlobal(rect.bottomLeft()))  # type: ignore[attr-defined]
        menu.deleteLater()
        return None if chosen is None else chosen.data()

    def put_in_outbox(self) -> None:
        record = self.c.record
        if record is None:
            return
        from iro_desktop.ui.dialogs.outbox_dialogs import QueueDialog
        self.c.bridge.flush()
        dialog = QueueDialog(self.c, self._chair(), self)
        try:
            if dialog.exec() and dialog.result_text:
                self._show(dialog.result_text, error=False)
                self.c.reload()
        finally:
            dispose_dialog(dialog)

    def _on_mark_held(self) -> None:
        if self.c.record and self.c.record.status.rank < ReviewStatus.HELD.rank:
            self.c.set_status(ReviewStatus.HELD)

    def finalise(self) -> None:
        if self.c.record is None or self.c.record.finalised:
            return
        if self.c.finalise():
            self._show("The record is finalised. Later changes are amendments with a reason.",
                       error=False)

    # ---- messages ------------------------------------------------------------------

    def _show(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")

    def _on_saved(self, _batch: SavedBatch) -> None:
        self.save_state.setText("All changes saved")
        self.save_state.setStyleSheet("")
        self._failure_shown = False

    def _on_save_failed(self, message: str) -> None:
        self.save_state.setText("NOT SAVED \u2014 retrying")
        self.save_state.setStyleSheet("color: #b00020; font-weight: bold;")
        if self._failure_shown:  # one message per outage, not one per retry
            return
        self._failure_shown = True
        QMessageBox.warning(self, "Not saved yet", message + "\n\nWhat you typed is kept in "
                            "this window and saved as soon as the problem is fixed.")
