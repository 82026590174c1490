"""Amending a finalised record from the window keeps the earlier text in its history."""

from __future__ import annotations

from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.ui.dialogs.amend_dialog import AmendDialog
from iro_desktop.app import build_services
from iro_desktop.ui.main_window import MainWindow


def _open_finalised(window: MainWindow):  # type: ignore[no-untyped-def]
    service = window.review_service
    for entry in window.caseload_service.entries():
        reviews = service.reviews(entry.council.id, entry.child.id)
        if reviews and reviews[0].status is ReviewStatus.FINALISED:
            window.open_child(entry)
            window.open_review(reviews[0].id)
            return entry, reviews[0].id
    raise AssertionError("the demo has a finalised review")


def test_amend_from_history_page_keeps_earlier_text(qtbot, demo_vault_with_reviews, settings,  # type: ignore[no-untyped-def]
                                                    monkeypatch) -> None:
    window = MainWindow(build_services(demo_vault_with_reviews, settings), settings)
    qtbot.addWidget(window)
    window.show()
    window.show_unlocked()
    entry, review_id = _open_finalised(window)
    view = window.review_view
    before = window.review_service.record(entry.council.id, review_id).texts["voice.views"]

    # Text fields of a finalised record are read-only: typing cannot change it.
    view.nav.setCurrentRow(next(i for i in range(view.nav.count())
                                if "wishes" in view.nav.item(i).text()))
    assert view.voice.edits["voice.views"].isReadOnly()

    def fill_and_accept(dialog: AmendDialog) -> int:
        dialog.field.setCurrentIndex(dialog.field.findData("voice.views"))
        dialog.text.setPlainText("I like living with Sam (amended after the child called).")
        dialog.reason.setText("The child asked for a correction")
        return 1

    monkeypatch.setattr(AmendDialog, "exec", fill_and_accept)
    history_row = next(i for i in range(view.nav.count())
                       if view.nav.item(i).text().startswith("History"))
    view.nav.setCurrentRow(history_row)
    assert view.history.amend_button.isEnabled()
    view.history.amend_button.click()

    record = window.review_service.record(entry.council.id, review_id)
    assert record.texts["voice.views"].startswith("I like living with Sam (amended")
    assert [(a.old_value, a.reason) for a in record.amendments] == [
        (before, "The child asked for a correction")]
    assert view.history.table.rowCount() == 1
    assert view.history.table.item(0, 2).text() == "The child asked for a correction"
    assert "History (1 amendment)" in view.nav.item(view.nav.count() - 1).text()
    window.lock()


def test_amend_without_reason_is_refused_and_nothing_changes(qtbot, demo_vault_with_reviews,  # type: ignore[no-untyped-def]
                                                             settings, monkeypatch) -> None:
    window = MainWindow(build_services(demo_vault_with_reviews, settings), settings)
    qtbot.addWidget(window)
    window.show()
    window.show_unlocked()
    entry, review_id = _open_finalised(window)
    calls = []

    def no_reason(dialog: AmendDialog) -> int:
        calls.append(1)
        if len(calls) > 1:
            assert "reason" in dialog.message.text()
            return 0  # the IRO gives up
        dialog.text.setPlainText("changed")
        return 1

    monkeypatch.setattr(AmendDialog, "exec", no_reason)
    window.review_view.amend()
    record = window.review_service.record(entry.council.id, review_id)
    assert record.amendments == []
    assert len(calls) == 2
    window.lock()


def test_save_a_word_copy_from_the_review(qtbot, demo_vault_with_reviews, settings,  # type: ignore[no-untyped-def]
                                          monkeypatch, tmp_path) -> None:
    """The IRO saves a Word copy where they choose; the window says it is not encrypted."""
    import os

    from docx import Document
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    window = MainWindow(build_services(demo_vault_with_reviews, settings), settings)
    qtbot.addWidget(window)
    window.show()
    window.show_unlocked()
    entry, _review_id = _open_finalised(window)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "copy.docx"
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Decisions only", True))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.review_view.export_copy()

    assert target.is_file()
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    tables = "\n".join(c.text for t in Document(str(target)).tables for r in t.rows
                       for c in r.cells)
    assert entry.child.record.last_name in tables + text
    assert "Book a dental check-up" in tables  # a demo decision
    message = window.review_view.message.text()
    assert "unencrypted" in message and str(target) in message
    assert [p.name for p in out.iterdir()] == ["copy.docx"]  # no temporary file left
    window.lock()
