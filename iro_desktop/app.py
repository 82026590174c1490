"""Composition root of the window: builds the vault and services and wires them to windows.

The window receives the services (:func:`build_services`), never the vault.

Only this module and ``ui/`` import PySide6. Heavy modules (SQLAlchemy,
Alembic, zxcvbn, holidays) are imported after the first window is on screen.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox

from iro_desktop import paths
from iro_desktop.settings import Settings

if TYPE_CHECKING:
    from iro_desktop.services.app_services import AppServices
    from iro_desktop.storage.vault import Vault
    from iro_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)

DEMO_PASSPHRASE = "demo vault for training"
ENV_BENCH_EXIT = "IRO_DESKTOP_BENCH_EXIT_ON_SHOW"


def build_services(vault: Vault, settings: Settings) -> AppServices:
    """The window's services over ``vault`` (each built on first use, after unlock): the
    one place the window's services are made."""
    from iro_desktop.services.app_services import AppServices

    return AppServices(vault, soon_days=lambda: int(settings.get("due_soon_days")))


def _application() -> QApplication:
    existing = QApplication.instance()  # the app makes no other kind: a QApplication
    app = cast(QApplication, existing) if existing is not None else QApplication(sys.argv[:1])
    app.setApplicationName("iro-desktop")
    app.setApplicationDisplayName("iro-desktop")
    app.setDesktopFileName("iro-desktop")
    app.setWindowIcon(app_icon())
    return app


def app_icon() -> QIcon:
    """The app's icon (iro_desktop/resources/icons), for every window's title bar."""
    pixmap = QPixmap()
    pixmap.loadFromData(paths.resource_path("icons", "iro-desktop.png").read_bytes(), "PNG")
    return QIcon(pixmap)


def show_message(message: str) -> None:
    """A message box for the windowed program when it has no console to print to."""
    _application()
    QMessageBox.warning(None, "iro-desktop", message)


def _quit_on_signals(app: QApplication) -> None:
    """SIGTERM / Ctrl+C close the window the normal way (locking the vault, removing a demo
    vault). Qt's loop runs in C++, so a timer gives Python a moment to see the signal."""
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.closeAllWindows() or app.quit())
    ticker = QTimer(app)
    ticker.timeout.connect(lambda: None)
    ticker.start(500)


def main(vault_dir: Path | None = None, demo: bool = False, exit_on_show: bool = False) -> int:
    """Open the window; ``exit_on_show`` (``--exit-on-show``) quits once it has drawn, with
    exit code 0 if the expected page is showing (the dashboard for the demo), 1 if not."""
    app = _application()
    settings = Settings()
    if demo:
        window, vault = open_demo(settings)
    else:
        root = vault_dir or Path(settings.get("vault_dir") or paths.default_vault_dir())
        opened = open_vault_window(root, settings)
        if opened is None:
            return 1
        window, vault = opened
    if exit_on_show:
        QTimer.singleShot(0, lambda: app.exit(_shown(window, demo)))
    elif os.environ.get(ENV_BENCH_EXIT):  # the start-up benchmark's timing of one turn
        QTimer.singleShot(0, app.quit)
    _quit_on_signals(app)
    try:
        return app.exec()
    finally:
        vault.close()


def _shown(window: MainWindow, demo: bool) -> int:
    """0 if the window is on screen showing what it should (the unlocked dashboard for the
    demo, the unlock page or dashboard otherwise); says which page on stdout if there is one."""
    page = window.stack.currentWidget()
    name = type(page).__name__ if page is not None else "nothing"
    dashboard = window._between.get("dashboard_view")
    ok = window.isVisible() and page is not None and (not demo or (
        page is dashboard and window.services.access.is_unlocked))
    if sys.stdout is not None:
        print(f"iro-desktop: window {'shown' if ok else 'NOT shown as expected'}: {name}",
              flush=True)
    return 0 if ok else 1


def open_vault_window(root: Path, settings: Settings) -> tuple[MainWindow, Vault] | None:
    """The window for an existing vault (locked, or unlocked by the keyring), or the
    create-vault dialog on first run. Returns (window, vault), or None if the user quit."""
    from iro_desktop.security.errors import VaultError
    from iro_desktop.storage.vault import Vault
    from iro_desktop.ui.main_window import MainWindow

    if not Vault.exists(root):
        return create_vault_flow(root, settings)
    vault = Vault(root)
    try:
        vault.open()
    except VaultError as exc:
        QMessageBox.critical(None, "iro-desktop", str(exc))
        return None
    services = build_services(vault, settings)
    window = MainWindow(services, settings)
    window.show()
    QTimer.singleShot(300, window.warm_up)
    if services.access.remembered:
        QTimer.singleShot(0, lambda: _try_keyring_unlock(window, services))
    return window, vault


def _try_keyring_unlock(window: MainWindow, services: AppServices) -> None:
    try:
        if services.access.unlock_with_keyring():
            window.show_unlocked()
    except Exception as exc:  # noqa: BLE001 - the passphrase field stays available
        log.info("keyring.unlock_failed kind=%s", type(exc).__name__)


def create_vault_flow(root: Path, settings: Settings) -> tuple[MainWindow, Vault] | None:
    from iro_desktop.security.secret_store import KeyringSecretStore
    from iro_desktop.storage.vault import Vault
    from iro_desktop.ui.dialogs.create_vault_dialog import CreateVaultDialog
    from iro_desktop.ui.main_window import MainWindow
    from iro_desktop.ui.workers import run_in_background, user_message

    secrets = KeyringSecretStore()
    dialog = CreateVaultDialog(str(root), keyring_available=secrets.available())
    created: dict[str, Vault] = {}

    def on_created(result) -> None:  # type: ignore[no-untyped-def]
        vault, recovery_key = result
        created["vault"] = vault
        if dialog.remember.isChecked():
            try:
                vault.set_remembered(True)
            except Exception as exc:  # noqa: BLE001 - the vault works without it
                log.info("keyring.remember_failed kind=%s", type(exc).__name__)
        dialog.show_recovery_key(recovery_key)

    def on_create(passphrase: str, _remember: bool) -> None:
        run_in_background(lambda: Vault.create(root, passphrase, secret_store=secrets),
                          on_created, lambda exc: dialog.show_error(user_message(exc)))

    dialog.create_requested.connect(on_create)
    dialog.show()
    if not dialog.exec() or "vault" not in created:
        if "vault" in created:
            created["vault"].close()
        return None
    vault = created["vault"]
    if dialog.chair_fields.save(settings):  # checked before the vault was made
        log.warning("settings.chair_not_saved")
    window = MainWindow(build_services(vault, settings), settings)
    window.show()
    window.show_unlocked()
    return window, vault


def open_demo(settings: Settings) -> tuple[MainWindow, Vault]:
    """A throwaway vault with the fictional demo caseload, deleted when the app closes."""
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.services.demo import seed_demo
    from iro_desktop.storage.vault import Vault
    from iro_desktop.ui.main_window import MainWindow

    root = Path(tempfile.mkdtemp(prefix="iro-desktop-demo-")) / "vault"
    atexit.register(shutil.rmtree, root.parent, True)
    vault, _recovery = Vault.create(root, DEMO_PASSPHRASE, kdf=fast_test_params(),
                                    secret_store=MemorySecretStore(available=False),
                                    enforce_policy=False)
    seed_demo(vault)
    note = ("DEMO VAULT: fictional children only. Nothing is kept: this vault is deleted when "
            f"you close the window. To try locking (Ctrl+L), the passphrase is "
            f"\u201c{DEMO_PASSPHRASE}\u201d.")
    window = MainWindow(build_services(vault, settings), settings, demo_note=note)
    window.setWindowTitle("iro-desktop \u2014 demo")
    window.show()
    window.show_unlocked()
    return window, vault
