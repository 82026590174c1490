"""Fixtures of the UI tests: a main window over the demo vault, shown and unlocked.

``demo_vault`` is overridden here for speed: the 72-child demo is seeded once per session into
a template vault, and each test gets its own copy of that folder, opened and unlocked with the
same passphrase and a fresh in-memory keyring. Seeding (three new council databases and 72
inserts) was most of each window test's setup time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from iro_desktop.settings import Settings
from tests.conftest import PASSPHRASE


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.services.demo import seed_demo
    from iro_desktop.storage.vault import Vault

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IRO_DESKTOP_DATA_DIR", str(tmp_path_factory.mktemp("template-data")))
        root = tmp_path_factory.mktemp("demo-template") / "vault"
        vault, recovery = Vault.create(root, PASSPHRASE, kdf=fast_test_params(),
                                       secret_store=MemorySecretStore())
        try:
            seed_demo(vault, with_reviews=False)
        finally:
            vault.close()
    return root, recovery


@pytest.fixture
def demo_vault(_demo_template, vault_dir: Path, secret_store):  # type: ignore[no-untyped-def]
    """An unlocked copy of the demo vault (same content as tests/conftest.py's demo_vault)."""
    from iro_desktop.storage.vault import Vault

    template, recovery = _demo_template
    shutil.copytree(template, vault_dir)
    vault = Vault(vault_dir, secret_store=secret_store).open()
    vault.unlock(PASSPHRASE)
    vault.recovery_key_for_tests = recovery  # type: ignore[attr-defined]
    yield vault
    vault.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "s.json")


@pytest.fixture
def make_window(qtbot, demo_vault, settings):  # type: ignore[no-untyped-def]
    """Builds MainWindow(demo_vault, settings, **kw), shown and unlocked."""
    from iro_desktop.ui.main_window import MainWindow

    filters = []

    def make(**kwargs):  # type: ignore[no-untyped-def]
        window = MainWindow(demo_vault, settings, **kwargs)
        qtbot.addWidget(window)
        filters.append(window.auto_lock)
        window.show()
        qtbot.waitExposed(window)
        window.show_unlocked()
        return window

    yield make
    app = QApplication.instance()
    for auto_lock in filters:
        try:
            auto_lock.stop()
            app.removeEventFilter(auto_lock)
        except RuntimeError:  # already deleted with its window
            pass


@pytest.fixture
def window(make_window):  # type: ignore[no-untyped-def]
    return make_window()
