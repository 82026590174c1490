"""What leaves the laptop, from the review window: the letter to the child with its
readability figure, withholding a paragraph or a section from a group, putting copies in
the outbox, and sending them from the outbox window to the council's folder."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from docx import Document
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QTextCursor

from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services.export import ExportService
from iro_desktop.ui.dialogs.outbox_dialogs import OutboxDialog, QueueDialog
from iro_desktop.app import build_services
from iro_desktop.ui.main_window import MainWindow


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _window(qtbot, vault, settings):  # type: ignore[no-untyped-def]
    """The main window, shown, active and unlocked."""
    window = MainWindow(build_services(vault, settings), settings)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.show_unlocked()
    return window


def _open_in_progress(qtbot, vault, settings):  # type: ignore[no-untyped-def]
    """The window on the demo review whose record is being written (not finalised)."""
    window = _window(qtbot, vault, settings)
    service = window.review_service
    for entry in window.caseload_service.entries():
        reviews = service.reviews(entry.council.id, entry.child.id)
        if reviews and reviews[0].status is ReviewStatus.RECORDING:
            window.open_child(entry)
            window.open_review(reviews[0].id)
            return window, entry, reviews[0].id
    raise AssertionError("the demo has a review being recorded")


def _go(view, title_start: str) -> None:  # type: ignore[no-untyped-def]
    row = next(i for i in range(view.nav.count())
               if view.nav.item(i).text().lstrip("\u2713\u25cb\u2022 ").startswith(title_start)
               or title_start in view.nav.item(i).text())
    view.nav.setCurrentRow(row)


def test_letter_page_marks_sections_and_shows_readability(qtbot, demo_vault_with_reviews,  # type: ignore[no-untyped-def]
                                                          settings) -> None:
    window, entry, review_id = _open_in_progress(qtbot, demo_vault_with_reviews, settings)
    view = window.review_view
    _go(view, "Letter to the child")
    page = view.letter
    assert view.pages.currentWidget() is page
    assert "Reading ease" in page.readability.text()
    # only what is ticked or written for the child: no decision, no views yet
    assert "dental check-up" not in page.preview.toPlainText()
    assert "I want to see my brother more" not in page.preview.toPlainText()
    assert "Health assessment completed" not in page.preview.toPlainText()

    # Tick the child's own words and one decision with the keyboard (Space in the table).
    table = page.sections
    for start, key in (("The child's views", "voice.views"),
                       ("Decision: Book a dental check-up", "decision:")):
        row = next(r for r in range(table.rowCount())
                   if table.item(r, 0).text().startswith(start))
        table.setFocus()
        table.setCurrentCell(row, 1)
        qtbot.keyClick(table, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda key=key: any(
            k.startswith(key) and "letter" in marks for k, marks in
            window.review_service.marks(entry.council.id, review_id).items()), timeout=3000)
    qtbot.waitUntil(lambda: "I want to see my brother more" in page.preview.toPlainText()
                    and "will book a dental check-up" in page.preview.toPlainText(),
                    timeout=3000)

    # The IRO's note goes first; the preview follows the autosave.
    page.note.setFocus()
    qtbot.keyClicks(page.note, "Thank you for talking to me.")
    qtbot.waitUntil(lambda: page.preview.toPlainText().startswith(
        "Thank you for talking to me."), timeout=5000)
    window.lock()
    assert page.preview.toPlainText() == "" and page.readability.text() == ""


def test_for_the_child_text_flags_jargon_while_typing_and_goes_in_the_letter(  # type: ignore[no-untyped-def]
        qtbot, demo_vault_with_reviews, settings) -> None:
    window, entry, review_id = _open_in_progress(qtbot, demo_vault_with_reviews, settings)
    view = window.review_view
    _go(view, "Health")
    page = view.agenda_page
    assert page.for_child.accessibleName().startswith("For the child")
    page.for_child.setFocus()
    qtbot.keyClicks(page.for_child, "Your SDQ was fine and the CAMHS referral is done.")
    text = page.jargon.text()
    assert "\u201cSDQ\u201d (try: a questionnaire about your feelings)" in text
    assert "CAMHS" in text and "referral" in text
    page.for_child.clear()
    qtbot.keyClicks(page.for_child, "You had your health check.")
    assert page.jargon.text() == ""
    _go(view, "Letter to the child")
    qtbot.waitUntil(lambda: "Your health\nYou had your health check." in
                    view.letter.preview.toPlainText(), timeout=5000)
    assert window.review_service.record(entry.council.id, review_id).texts[
        "forchild:health"] == "You had your health check."


def test_ctrl_shift_w_withholds_only_the_line_under_the_cursor(  # type: ignore[no-untyped-def]
        qtbot, demo_vault_with_reviews, settings, monkeypatch) -> None:
    """Three lines separated by single Enters; Ctrl+Shift+W on the second withholds the
    second alone: highlighted, named in the margin, kept out of the parents' copy."""
    window, entry, review_id = _open_in_progress(qtbot, demo_vault_with_reviews, settings)
    view = window.review_view
    _go(view, "Health")
    edit = view.agenda_page.edit
    edit.setFocus()
    cursor = edit.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    edit.setTextCursor(cursor)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "FIRST-LINE seen by everyone.")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "POLICE-DISCLOSURE about mum's partner.")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "THIRD-LINE seen by everyone.")
    qtbot.keyClick(edit, Qt.Key.Key_Up)  # onto the second of the three lines
    qtbot.keyClick(edit, Qt.Key.Key_Left)
    second = edit.textCursor().blockNumber()

    asked = []
    monkeypatch.setattr(view, "ask_group", lambda widget: asked.append(widget) or "parents")
    qtbot.keyClick(edit, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert asked == [edit]
    assert edit.line_marks() == {second: frozenset({"parents"})}
    assert "[withhold" not in edit.toPlainText()  # a mark, not text
    assert len(edit.extraSelections()) == 1  # highlighted
    assert edit.viewportMargins().right() > 0  # the margin label is shown
    assert f"line {second + 1} from parents" in edit.accessibleDescription()
    assert "withheld from parents" in view.message.text().lower()
    window.autosave.flush()
    stored = window.review_service.record(entry.council.id, review_id)
    assert stored.line_marks["agenda:health"] == {second: frozenset({"parents"})}

    exports = ExportService(demo_vault_with_reviews)
    parents = _docx_text(exports.export_review(entry.council.id, review_id, "redacted:parents"))
    full = _docx_text(exports.export_review(entry.council.id, review_id, "full"))
    assert "POLICE-DISCLOSURE" not in parents
    assert "FIRST-LINE" in parents and "THIRD-LINE" in parents
    assert "POLICE-DISCLOSURE" in full
    assert "parents" in full.split("POLICE-DISCLOSURE")[1][:200].lower()  # the council's note

    # Again on the same line: no longer withheld, and the parents' copy has it.
    qtbot.keyClick(edit, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert edit.line_marks() == {}
    window.autosave.flush()
    parents = _docx_text(exports.export_review(entry.council.id, review_id, "redacted:parents"))
    assert "POLICE-DISCLOSURE" in parents
    window.lock()


def test_editing_never_lets_a_withheld_line_lose_its_mark(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Enter, Backspace joining lines, typing over a selection, paste, undo: whatever
    touches a withheld line stays withheld (fail closed)."""
    from iro_desktop.ui.widgets.autosave_text import MarkedTextEdit

    edit = MarkedTextEdit("Test field")
    qtbot.addWidget(edit)
    edit.show()
    edit.set_text_and_marks("open one\nSECRET two\nopen three", {1: frozenset({"parents"})})

    def put_cursor(line: int, column: int) -> None:
        cursor = edit.textCursor()
        cursor.setPosition(edit.document().findBlockByNumber(line).position() + column)
        edit.setTextCursor(cursor)

    put_cursor(1, 3)
    qtbot.keyClicks(edit, "x")  # typing inside the line keeps it
    assert edit.line_marks() == {1: frozenset({"parents"})}
    put_cursor(1, 6)
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # split: both halves withheld
    assert edit.line_marks() == {1: frozenset({"parents"}), 2: frozenset({"parents"})}
    edit.undo()
    assert edit.toPlainText() == "open one\nSECxRET two\nopen three"
    assert edit.line_marks()[1] == frozenset({"parents"})
    put_cursor(1, 0)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)  # joined onto an open line: withheld
    assert edit.toPlainText().startswith("open oneSECxRET two")
    assert edit.line_marks()[0] == frozenset({"parents"})
    edit.undo()  # undo is an edit too: both lines it restores stay withheld
    assert edit.toPlainText() == "open one\nSECxRET two\nopen three"
    assert edit.line_marks()[1] == frozenset({"parents"})
    edit.set_text_and_marks("a\nSECRET\nc", {1: frozenset({"carers"})})
    cursor = edit.textCursor()
    cursor.setPosition(1)
    cursor.setPosition(edit.document().findBlockByNumber(2).position(),
                       QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)
    edit.insertPlainText("pasted\nlines\n")  # over a selection holding the withheld line
    assert all(edit.line_marks().get(i) == frozenset({"carers"})
               for i in range(edit.document().blockCount()))


def test_an_amendment_withholds_a_line_of_a_finalised_record(  # type: ignore[no-untyped-def]
        qtbot, demo_vault_with_reviews, settings, monkeypatch) -> None:
    """After finalising, Ctrl+Shift+W opens an amendment on that field and line; the line
    is withheld there and the change is kept in the history."""
    from iro_desktop.ui.dialogs.amend_dialog import AmendDialog

    window = _window(qtbot, demo_vault_with_reviews, settings)
    service = window.review_service
    entry, review = next((e, r[0]) for e in window.caseload_service.entries()
                         if (r := service.reviews(e.council.id, e.child.id))
                         and r[0].status is ReviewStatus.FINALISED)
    window.open_child(entry)
    window.open_review(review.id)
    view = window.review_view
    record = service.record(entry.council.id, review.id)
    item = next(i for i in record.agenda if record.texts.get(i.text_key, "").strip())
    _go(view, item.title)
    edit = view.agenda_page.edit
    assert edit.isReadOnly()
    edit.setFocus()
    original = record.texts[item.text_key]

    def run_dialog(dialog: AmendDialog) -> int:
        assert dialog.key == item.text_key
        assert dialog.text.textCursor().blockNumber() == 0
        dialog.text.toggle_mark("parents")  # what Ctrl+Shift+W does in the dialog
        dialog.reason.setText("Police disclosure received after the review")
        return 1

    monkeypatch.setattr(AmendDialog, "exec", run_dialog)
    qtbot.keyClick(edit, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    amended = service.record(entry.council.id, review.id)
    assert "Amended" in view.message.text(), view.message.text()
    assert amended.texts[item.text_key] == original
    assert amended.line_marks[item.text_key] == {0: frozenset({"parents"})}
    assert amended.amendments[-1].reason == "Police disclosure received after the review"
    first_line = original.split("\n")[0]
    parents = _docx_text(ExportService(demo_vault_with_reviews).export_review(
        entry.council.id, review.id, "redacted:parents"))
    assert first_line not in parents
    window.lock()


def test_copies_page_withholds_a_section_and_puts_copies_in_the_outbox(  # type: ignore[no-untyped-def]
        qtbot, demo_vault_with_reviews, settings, tmp_path: Path, monkeypatch) -> None:
    window, entry, review_id = _open_in_progress(qtbot, demo_vault_with_reviews, settings)
    view = window.review_view
    _go(view, "Copies and who gets them")
    page = view.copies
    table = page.withhold
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "Education")
    column = next(c for c in range(table.columnCount())
                  if table.horizontalHeaderItem(c).text() == "From parents")
    table.setFocus()
    table.setCurrentCell(row, column)
    qtbot.keyClick(table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "withhold:parents" in window.review_service.marks(
        entry.council.id, review_id).get("agenda:education", set()), timeout=3000)
    copies = {page.copies.item(r, 0).text(): page.copies.item(r, 1).text()
              for r in range(page.copies.rowCount())}
    assert copies["Copy for parents"].startswith("Parents: Dana Price")
    assert copies["Letter to the child"].startswith("The child:")

    # Put copies in the outbox: full, decisions and the parents' copy.
    dialog = QueueDialog(window.review_controller, "", view)
    qtbot.addWidget(dialog)
    assert dialog.boxes["full"].isChecked() and dialog.boxes["redacted:parents"].isChecked()
    for box in dialog.boxes.values():  # nothing chosen: said, and the dialog stays usable
        box.setChecked(False)
    dialog.queue()
    qtbot.waitUntil(lambda: "Nothing was put in the outbox" in dialog.message.text(),
                    timeout=30_000)
    assert not dialog.busy and dialog.boxes["full"].isEnabled() and not dialog.result_text
    for variant, box in dialog.boxes.items():
        box.setChecked(variant in ("full", "decisions", "redacted:parents"))
    dialog.queue()  # made on a worker thread: the dialog says so and waits, locked
    assert dialog.busy and "Making the copies" in dialog.message.text()
    assert not dialog.boxes["full"].isEnabled()
    dialog.reject()  # Escape while the copies are being made does not close it
    assert dialog.busy
    qtbot.waitUntil(lambda: "in the outbox, encrypted" in dialog.result_text, timeout=30_000)
    assert not dialog.busy
    outbox = window.services.outbox()
    ready = {i.variant for i in outbox.items(entry.council.id, "ready")}
    assert ready == {"full", "decisions", "redacted:parents", "data"}
    parents_item = next(i for i in outbox.items(entry.council.id) if i.variant ==
                        "redacted:parents")
    parents_copy = _docx_text(outbox.content(entry.council.id, parents_item.id))
    assert "Extra maths support" not in parents_copy  # the withheld Education section

    # Send from the outbox window: files land in the council's folder, and it says so.
    window.services.profiles.set(entry.council.id, "delivery_folder", str(tmp_path))
    box = OutboxDialog(window.services.outbox(), window)
    qtbot.addWidget(box)
    assert "4 items ready to send" in box.summary.text()
    box.send()
    assert str(tmp_path) in box.message.text()
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len([n for n in written if n.endswith(".docx")]) == 3
    assert any(n.startswith("manifest-") for n in written)
    assert not any(i.state == "ready" for i in outbox.items(entry.council.id))
    assert "0 items ready to send" in box.summary.text()
    window.lock()


def test_front_sheet_fields_and_the_managers_sign_off(qtbot, demo_vault_with_reviews,  # type: ignore[no-untyped-def]
                                                      settings) -> None:
    window, entry, review_id = _open_in_progress(qtbot, demo_vault_with_reviews, settings)
    view = window.review_view
    service = window.review_service
    _go(view, "Preparation")
    page = view.preparation
    assert page.team_manager.accessibleName() == "Team manager"
    page.team_manager.setFocus()
    qtbot.keyClicks(page.team_manager, "Chris  Adeyemi")
    qtbot.keyClick(page.team_manager, Qt.Key.Key_Tab)
    page.brought_forward.setFocus()
    qtbot.keyClick(page.brought_forward, Qt.Key.Key_Space)
    seen = page.dates["child_seen_alone_on"]
    assert seen.text() == "not recorded"
    seen.setDate(QDate(2026, 6, 1))
    seen.editingFinished.emit()
    record = service.record(entry.council.id, review_id)
    assert record.team_manager == "Chris Adeyemi" and record.brought_forward
    assert record.child_seen_alone_on == date(2026, 6, 1)
    assert record.child_seen_on is None  # left "not recorded"

    # the care plan's endorsement, on its agenda item
    _go(view, "Care plan")
    combo = view.agenda_page.endorsed
    assert combo.isVisibleTo(view.agenda_page)
    combo.setCurrentIndex(combo.findData("in_part"))
    combo.activated.emit(combo.currentIndex())
    assert service.record(entry.council.id, review_id).care_plan_endorsed == "in_part"
    _go(view, "Health")
    assert not view.agenda_page.endorsed.isVisibleTo(view.agenda_page)

    # the manager signs off the finalised record on its history page
    service.update_review(entry.council.id, review_id, participation_code="PN1")
    assert view.c.finalise()
    _go(view, "History")
    history = view.history
    assert history.manager.text() == "Chris Adeyemi"  # the team manager, to start with
    qtbot.keyClicks(history.manager_comments, "Agreed.")
    qtbot.mouseClick(history.sign_off_button, Qt.MouseButton.LeftButton)
    record = service.record(entry.council.id, review_id)
    assert (record.manager_name, record.manager_comments) == ("Chris Adeyemi", "Agreed.")
    assert history.signed.text().startswith("Signed off by Chris Adeyemi on ")


def test_letter_page_of_a_planned_review_says_why_there_is_no_letter(  # type: ignore[no-untyped-def]
        qtbot, demo_vault_with_reviews, settings) -> None:
    window = MainWindow(build_services(demo_vault_with_reviews, settings), settings)
    qtbot.addWidget(window)
    window.show()
    window.show_unlocked()
    service = window.review_service
    for entry in window.caseload_service.entries():
        reviews = service.reviews(entry.council.id, entry.child.id)
        if reviews and reviews[0].status is ReviewStatus.PLANNED:
            window.open_child(entry)
            window.open_review(reviews[0].id)
            break
    view = window.review_view
    _go(view, "Letter to the child")
    assert view.letter.preview.toPlainText() == ""
    assert "mark the review as held first" in view.letter.readability.text()
