"""Screenshots for the docs, drawn offscreen from the demo caseload.

Each picture is checked for what a reader of the docs would look for: the labels, rows and
buttons it is meant to show are on screen (shown, not clipped away), and the picture is not
blank. The PNGs go to a temporary folder, or with ``IRO_DESKTOP_SCREENSHOTS=DIR`` to DIR::

    IRO_DESKTOP_SCREENSHOTS=docs/screenshots pytest tests/ui/test_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QWidget

from iro_desktop.security.recovery import format_recovery_key
from iro_desktop.ui.models.caseload_table_model import StatusFilter
from tests.ui.ui_helpers import missing_texts, picture_problems, shown_texts

OUT = os.environ.get("IRO_DESKTOP_SCREENSHOTS", "")
# What the docs show instead of the test's temporary folder.
SHOWN_VAULT = "/home/alex/.local/share/iro-desktop/vault"
STRONG = "marmalade tractor evening quilt"

pytestmark = [
    pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning"),
]


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    path = Path(OUT) if OUT else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(qtbot, widget: QWidget, path: Path, *shows: str) -> None:  # type: ignore[no-untyped-def]
    """Draw ``widget`` to ``path`` once it shows every text in ``shows`` on screen, and check
    the picture is not blank."""
    assert shows, "say what the picture is meant to show"
    qtbot.wait(200)  # the last layout and paint before the grab
    missing = missing_texts(widget, *shows)
    assert not missing, f"{path.name} does not show {missing}; it shows {shown_texts(widget)}"
    assert widget.grab().save(str(path)), path
    problems = picture_problems(QImage(str(path)))
    assert not problems, f"{path.name} looks empty: {problems}"


def test_unlock_screenshot(qtbot, make_window, out_dir) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.resize(1280, 720)
    window.lock_action.trigger()
    for label in window.unlock_view.findChildren(QLabel):
        if label.text().startswith("Vault: "):
            label.setText(f"Vault: {SHOWN_VAULT}")
    save(qtbot, window, out_dir / "unlock.png",
         "The vault is locked", f"Vault: {SHOWN_VAULT}", "&Passphrase:", "&Unlock")
    assert QImage(str(out_dir / "unlock.png")).size().toTuple() == (1280, 720)


def test_caseload_screenshots(qtbot, make_window, out_dir) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.resize(1500, 800)
    window.table_action.trigger()  # unlocking shows the dashboard; Ctrl+1 the caseload
    view = window.caseload_view
    assert view.council_combo.currentIndex() == 0
    assert view.proxy.rowCount() == 72
    view.table.scrollToTop()
    save(qtbot, window, out_dir / "caseload.png",
         "72 children shown", "Grace Jackson", "3 days overdue", "NB898588", "Due soon")
    assert QImage(str(out_dir / "caseload.png")).size().toTuple() == (1500, 800)

    view.status_combo.setCurrentIndex(view.status_combo.findData(StatusFilter.NEEDS_ATTENTION))
    assert view.status_combo.currentText() == "Overdue or due soon"
    view.table.scrollToTop()
    save(qtbot, window, out_dir / "caseload-overdue-filter.png",
         "Overdue or due soon", "10 children shown", "Grace Jackson", "Aisha Moore")


def test_create_vault_screenshots(qtbot, out_dir) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.ui.dialogs.create_vault_dialog import CreateVaultDialog

    dialog = CreateVaultDialog(SHOWN_VAULT, keyring_available=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.fields.first, STRONG)
    qtbot.keyClicks(dialog.fields.second, STRONG)
    qtbot.waitUntil(dialog.create_button.isEnabled, timeout=3000)
    assert dialog.fields.meter_label.text() in ("Strong", "Very strong")
    save(qtbot, dialog, out_dir / "create-vault.png",
         "Very strong", "&Create vault", f"Vault folder: {SHOWN_VAULT}")

    dialog.show_recovery_key(format_recovery_key(os.urandom(32)))
    save(qtbot, dialog, out_dir / "recovery-key.png",
         "Your recovery key", "shown <b>only now</b>", "&Open the vault")


def test_review_workspace_screenshots(qtbot, demo_vault_with_reviews, settings,  # type: ignore[no-untyped-def]
                                      out_dir) -> None:
    """The review workspace mid-review (the demo's record in progress), and a child."""
    from iro_desktop.core.reviews import ReviewStatus
    from iro_desktop.app import build_services
    from iro_desktop.ui.main_window import MainWindow

    window = MainWindow(build_services(demo_vault_with_reviews, settings), settings)
    qtbot.addWidget(window)
    window.resize(1500, 900)
    window.show()
    window.show_unlocked()
    service = window.review_service
    entries = window.caseload_service.entries()

    def latest(entry):  # type: ignore[no-untyped-def]
        reviews = service.reviews(entry.council.id, entry.child.id)
        return reviews[0] if reviews else None

    recording = next(e for e in entries
                     if latest(e) and latest(e).status is ReviewStatus.RECORDING)
    window.open_child(recording)
    window.open_review(latest(recording).id)
    nav = window.review_view.nav
    for part, name, page_shows in (
            ("Welcome", "review-attendance", "Sam Whitfield"),
            ("wishes", "review-voice", "I like living with Sam"),
            ("Health", "review-agenda-item", "Health assessment completed in October"),
            ("IRO summary", "review-decisions", "Arrange fortnightly family time with brother"),
            ("Next review", "review-next", "Latest lawful date: 03/06/2027")):
        row = next(i for i in range(nav.count()) if part in nav.item(i).text())
        nav.setCurrentRow(row)
        save(qtbot, window, out_dir / f"{name}.png", "Kai Clark — review 33", page_shows)
    finalised = next(e for e in entries
                     if latest(e) and latest(e).status is ReviewStatus.FINALISED)
    window.open_child(finalised)
    save(qtbot, window, out_dir / "child.png",
         "Henry Wilson", "Finalised", "Book a dental check-up", "&Open review")
    window.lock()
