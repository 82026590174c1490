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


@pytest.fixture(scope="session")
def _seeded_templates(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The demo vaults, seeded once per test session (per worker) and closed; tests get a
    copy of the folder. Seeding (three council databases, 72 children, the sample reviews)
    takes seconds; copying and unlocking a copy a fraction of one."""
    from iro_desktop.services.demo import seed_demo
    from iro_desktop.storage.vault import Vault

    built: dict[bool, tuple[Path, str]] = {}

    def template(with_reviews: bool) -> tuple[Path, str]:
        if with_reviews not in built:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("IRO_DESKTOP_DATA_DIR", str(tmp_path_factory.mktemp("template-data")))
                root = tmp_path_factory.mktemp("demo-template") / "vault"
                v, recovery = Vault.create(root, PASSPHRASE, kdf=fast_test_params(),
                                           secret_store=MemorySecretStore())
                try:
                    seed_demo(v, with_reviews=with_reviews)
                finally:
                    v.close()
            built[with_reviews] = (root, recovery)
        return built[with_reviews]

    return template


def _open_copy(template: tuple[Path, str], vault_dir: Path,  # type: ignore[no-untyped-def]
               secret_store: MemorySecretStore):
    """An unlocked private copy of a closed template vault at ``vault_dir``."""
    import shutil

    from iro_desktop.storage.vault import Vault

    root, recovery = template
    shutil.copytree(root, vault_dir)
    (vault_dir / "vault.lock").unlink(missing_ok=True)
    v = Vault(vault_dir, secret_store=secret_store).open()
    v.unlock(PASSPHRASE)
    v.recovery_key_for_tests = recovery  # type: ignore[attr-defined]
    return v


_SEEDED = ("demo_vault_with_reviews", "demo_vault")


@pytest.fixture
def vault(request: pytest.FixtureRequest, vault_dir: Path,  # type: ignore[no-untyped-def]
          secret_store: MemorySecretStore):
    """A new, unlocked, empty vault with fast KDF parameters and an in-memory keyring. In a
    test that also asks for a demo vault, this is that same (seeded) vault."""
    from iro_desktop.storage.vault import Vault

    seeded = next((name for name in _SEEDED if name in request.fixturenames), None)
    if seeded is not None:
        yield request.getfixturevalue(seeded)
        return
    v, _recovery = Vault.create(vault_dir, PASSPHRASE, kdf=fast_test_params(),
                                secret_store=secret_store)
    v.recovery_key_for_tests = _recovery  # type: ignore[attr-defined]
    yield v
    v.close()


@pytest.fixture
def demo_vault(_seeded_templates, vault_dir: Path,  # type: ignore[no-untyped-def]
               secret_store: MemorySecretStore):
    """The vault seeded with the 72-child demo caseload (no reviews): a private copy."""
    v = _open_copy(_seeded_templates(False), vault_dir, secret_store)
    yield v
    v.close()


@pytest.fixture
def demo_vault_with_reviews(_seeded_templates, vault_dir: Path,  # type: ignore[no-untyped-def]
                            secret_store: MemorySecretStore):
    """The demo caseload plus its three sample reviews (finalised, in progress, planned):
    a private copy."""
    v = _open_copy(_seeded_templates(True), vault_dir, secret_store)
    yield v
    v.close()
