"""Screenshots of the letter, copies and outbox screens for the docs (demo data).

Checked and written as in test_screenshots.py (to DIR with ``IRO_DESKTOP_SCREENSHOTS=DIR``)::

    IRO_DESKTOP_SCREENSHOTS=docs/screenshots pytest tests/ui/test_outbox_screenshots.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from iro_desktop.core.redaction import MarkedText
from iro_desktop.ui.dialogs.outbox_dialogs import OutboxDialog, QueueDialog
from tests.ui.test_review_copies import _go, _open_in_progress
from tests.ui.test_screenshots import out_dir, save  # noqa: F401 - out_dir: fixture


def test_letter_copies_and_outbox_screenshots(qtbot, demo_vault_with_reviews, settings,  # type: ignore[no-untyped-def]
                                              tmp_path: Path, out_dir: Path) -> None:
    out = out_dir
    window, entry, review_id = _open_in_progress(qtbot, demo_vault_with_reviews, settings)
    window.resize(1400, 860)
    service = window.review_service
    service.set_mark(entry.council.id, review_id, "voice.views", "letter", True)
    service.set_mark(entry.council.id, review_id, "agenda:education", "letter", True)
    service.set_mark(entry.council.id, review_id, "agenda:health", "withhold:parents", True)
    service.set_placement(entry.council.id, entry.child.id, confidential=True,
                          address="4 Elm Row, Northbrook NB3 2QT")
    health = service.record(entry.council.id, review_id).texts.get("agenda:health", "")
    dana = next(p for p in window.review_controller.network if p.name == "Dana Price")
    lines = health.rstrip("\n") + ("\nPolice disclosed that mum's partner has a conviction "
                                   "for assault.\nDental check booked for December.\n"
                                   "I do not want mum to know about my new school.")
    last = lines.count("\n")
    service.save_texts(entry.council.id, {(review_id, "agenda:health"): MarkedText(
        lines, {last - 2: frozenset({"parents", "child"}),
                last: frozenset({f"person:{dana.id}"})})})
    view = window.review_view
    window.review_controller.reload()
    _go(view, "Health")
    save(qtbot, window, out / "review-withheld-lines.png",
         "Police disclosed that mum's partner", "◐ Health")
    _go(view, "Letter to the child")
    save(qtbot, window, out / "review-letter.png",
         "The letter is written to Kai", "Reading ease", "What you told us")
    _go(view, "Copies and who gets them")
    save(qtbot, window, out / "review-copies.png",
         "4 Elm Row, Northbrook NB3 2QT", "Lines withheld from the child: 1 (Health)",
         "Dana Price (Parent): Dana Price")

    dialog = QueueDialog(window.review_controller, "Alex Morgan", view)
    qtbot.addWidget(dialog)
    dialog.show()
    save(qtbot, dialog, out / "outbox-queue.png",
         "Letter to the child: Kai Clark", "Own copy (something is withheld from them by name)",
         "Put in the &outbox")
    dialog.queue()
    qtbot.waitUntil(lambda: bool(dialog.result_text), timeout=30_000)
    folder = tmp_path / "Northbrook IRO minutes (OneDrive)"
    folder.mkdir()
    window.services.profiles.set(entry.council.id, "delivery_folder", str(folder))
    box = OutboxDialog(window.services.outbox(), window)
    qtbot.addWidget(box)
    box.show()
    box.send()
    box.message.setText(box.message.text().replace(str(tmp_path), "/home/alex"))
    for row in range(box.table.rowCount()):
        item = box.table.item(row, 5)
        item.setText(item.text().replace(str(tmp_path), "/home/alex"))
    save(qtbot, box, out / "outbox.png",
         "Letter to the child (draft)", "Dana Price (Parent)", "Sent ",
         "NBK: 8 files and the manifest", "/home/alex/Northbrook IRO minutes (OneDrive)")
    window.lock()
