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
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.services.export import ExportService
from iro_desktop.services.outbox import OutboxService
from iro_desktop.ui.dialogs.outbox_dialogs import OutboxDialog, QueueDialog
from iro_desktop.ui.main_window import MainWindow


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _open_in_progress(qtbot, vault, settings):  # type: ignore[no-untyped-def]
    """The window on the demo review whose record is being written (not finalised)."""
    window = MainWindow(vault, settings)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.show_unlocked()
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


def test_withholding_a_paragraph_keeps_it_out_of_the_parents_copy_only(  # type: ignore[no-untyped-def]
        qtbot, demo_vault_with_reviews, settings, monkeypatch) -> None:
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
    qtbot.keyClicks(edit, "Carers live at 4 Elm Row, Northbrook.")

    asked = []
    monkeypatch.setattr(view, "ask_group", lambda widget: asked.append(widget) or "parents")
    qtbot.keyClick(edit, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert asked == [edit]
    assert edit.toPlainText().endswith("[withhold from parents] Carers live at 4 Elm Row, "
                                       "Northbrook.")
    edit.document().undo()  # one undoable edit
    assert edit.toPlainText().endswith("\n\nCarers live at 4 Elm Row, Northbrook.")
    edit.document().redo()
    window.autosave.flush()

    exports = ExportService(window.vault)
    parents = _docx_text(exports.export_review(entry.council.id, review_id, "redacted:parents"))
    full = _docx_text(exports.export_review(entry.council.id, review_id, "full"))
    assert "4 Elm Row" not in parents and "Dental check" in parents
    assert "4 Elm Row" in full and "[withhold" not in full
    assert "parents" in full.split("4 Elm Row")[1][:200].lower()  # the council's note
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
                  if table.horizontalHeaderItem(c).text() == "Withhold from parents")
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
    for variant, box in dialog.boxes.items():
        box.setChecked(variant in ("full", "decisions", "redacted:parents"))
    dialog.queue()
    assert "in the outbox, encrypted" in dialog.result_text
    outbox = OutboxService(window.vault)
    ready = {i.variant for i in outbox.items(entry.council.id, "ready")}
    assert ready == {"full", "decisions", "redacted:parents", "data"}
    parents_item = next(i for i in outbox.items(entry.council.id) if i.variant ==
                        "redacted:parents")
    parents_copy = _docx_text(outbox.content(entry.council.id, parents_item.id))
    assert "Extra maths support" not in parents_copy  # the withheld Education section

    # Send from the outbox window: files land in the council's folder, and it says so.
    CouncilProfileService(window.vault).set(entry.council.id, "delivery_folder", str(tmp_path))
    box = OutboxDialog(OutboxService(window.vault), window)
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
    window = MainWindow(demo_vault_with_reviews, settings)
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
