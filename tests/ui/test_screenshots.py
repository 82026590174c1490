"""Screenshots for the docs, drawn offscreen from the demo caseload.

Skipped unless ``IRO_DESKTOP_SCREENSHOTS=DIR`` is set; then the PNGs are written to DIR::

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

OUT = os.environ.get("IRO_DESKTOP_SCREENSHOTS", "")
# What the docs show instead of the test's temporary folder.
SHOWN_VAULT = "/home/alex/.local/share/iro-desktop/vault"
STRONG = "marmalade tractor evening quilt"

pytestmark = [
    pytest.mark.skipif(not OUT, reason="set IRO_DESKTOP_SCREENSHOTS=DIR to write the screenshots"),
    pytest.mark.filterwarnings(r"ignore:.*invalidateFilter.*:DeprecationWarning"),
]


@pytest.fixture
def out_dir() -> Path:
    path = Path(OUT)
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(qtbot, widget: QWidget, path: Path) -> None:  # type: ignore[no-untyped-def]
    qtbot.wait(200)
    assert widget.grab().save(str(path)), path
    image = QImage(str(path))
    assert not image.isNull() and image.width() > 100 and image.height() > 100


def test_unlock_screenshot(qtbot, make_window, out_dir) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.resize(1280, 720)
    window.lock_action.trigger()
    for label in window.unlock_view.findChildren(QLabel):
        if label.text().startswith("Vault: "):
            label.setText(f"Vault: {SHOWN_VAULT}")
    save(qtbot, window, out_dir / "unlock.png")
    assert QImage(str(out_dir / "unlock.png")).size().toTuple() == (1280, 720)


def test_caseload_screenshots(qtbot, make_window, out_dir) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.resize(1500, 800)
    window.table_action.trigger()  # unlocking shows the dashboard; Ctrl+1 the caseload
    view = window.caseload_view
    assert view.council_combo.currentIndex() == 0
    assert view.proxy.rowCount() == 72
    view.table.scrollToTop()
    save(qtbot, window, out_dir / "caseload.png")
    assert QImage(str(out_dir / "caseload.png")).size().toTuple() == (1500, 800)

    view.status_combo.setCurrentIndex(view.status_combo.findData(StatusFilter.NEEDS_ATTENTION))
    assert view.status_combo.currentText() == "Overdue or due soon"
    view.table.scrollToTop()
    save(qtbot, window, out_dir / "caseload-overdue-filter.png")


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
    save(qtbot, dialog, out_dir / "create-vault.png")

    dialog.show_recovery_key(format_recovery_key(os.urandom(32)))
    save(qtbot, dialog, out_dir / "recovery-key.png")


def test_review_workspace_screenshots(qtbot, demo_vault_with_reviews, settings,  # type: ignore[no-untyped-def]
                                      out_dir) -> None:
    """The review workspace mid-review (the demo's record in progress), and a child."""
    from iro_desktop.core.reviews import ReviewStatus
    from iro_desktop.ui.main_window import MainWindow

    window = MainWindow(demo_vault_with_reviews, settings)
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
    for part, name in (("Welcome", "review-attendance"), ("wishes", "review-voice"),
                       ("Health", "review-agenda-item"), ("IRO summary", "review-decisions"),
                       ("Next review", "review-next")):
        row = next(i for i in range(nav.count()) if part in nav.item(i).text())
        nav.setCurrentRow(row)
        save(qtbot, window, out_dir / f"{name}.png")
    finalised = next(e for e in entries
                     if latest(e) and latest(e).status is ReviewStatus.FINALISED)
    window.open_child(finalised)
    save(qtbot, window, out_dir / "child.png")
    window.lock()
