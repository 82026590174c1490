"""Shared fixtures. Qt is told to draw offscreen before anything imports it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from iro_desktop.security.kdf import fast_test_params  # noqa: E402
from iro_desktop.security.secret_store import MemorySecretStore  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = REPO_ROOT / "tests" / "data"  # what the tests read; nothing outside the repository
SHARED_DATA = TEST_DATA  # the name older tests import
RESOURCES = REPO_ROOT / "iro_desktop" / "resources"  # the files the app ships
SAMPLE_CSV = RESOURCES / "demo" / "caseload.csv"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder; nothing touches the real user's files."""
    data = tmp_path_factory.mktemp("iro-data")
    monkeypatch.setenv("IRO_DESKTOP_DATA_DIR", str(data))
    monkeypatch.delenv("IRO_DESKTOP_PASSPHRASE", raising=False)
    monkeypatch.delenv("IRO_DESKTOP_NEW_PASSPHRASE", raising=False)
    return data


@pytest.fixture
def secret_store() -> MemorySecretStore:
    return MemorySecretStore()


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def vault(vault_dir: Path, secret_store: MemorySecretStore):  # type: ignore[no-untyped-def]
    """A new, unlocked, empty vault with fast KDF parameters and an in-memory keyring."""
    from iro_desktop.storage.vault import Vault

    v, _recovery = Vault.create(vault_dir, PASSPHRASE, kdf=fast_test_params(),
                                secret_store=secret_store)
    v.recovery_key_for_tests = _recovery  # type: ignore[attr-defined]
    yield v
    v.close()


@pytest.fixture
def demo_vault(vault):  # type: ignore[no-untyped-def]
    """The vault seeded with the 72-child demo caseload (no reviews)."""
    from iro_desktop.services.demo import seed_demo

    seed_demo(vault, with_reviews=False)
    return vault


@pytest.fixture
def demo_vault_with_reviews(vault):  # type: ignore[no-untyped-def]
    """The demo caseload plus its three sample reviews (finalised, in progress, planned)."""
    from iro_desktop.services.demo import seed_demo

    seed_demo(vault)
    return vault
