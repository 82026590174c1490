"""Passphrase: a wrong one changes nothing; a change rewraps keys and never touches a database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    NEW_PASSPHRASE,
    PASSPHRASE,
    ClosedVault,
    cli_process,
    closed_demo,
    database_files,
    demo_template,
    force_close,
    hashes,
    sha256,
)
from iro_desktop.cli import run
from iro_desktop.core.models import Nation
from iro_desktop.security.errors import (
    KeyringUnavailableError,
    VaultLockedError,
    WeakPassphraseError,
    WrongPassphraseError,
)
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.storage.vault import Vault


def _open(root: Path, store: MemorySecretStore | None = None) -> Vault:
    return Vault(root, secret_store=store or MemorySecretStore()).open()


def _all_files(root: Path) -> dict[str, str]:
    return hashes([root / "keystore.json", *database_files(root)])


# ---- wrong passphrase ----------------------------------------------------------------------


def test_wrong_passphrase_is_refused_clearly_and_changes_no_file(closed_demo: ClosedVault) -> None:
    before = _all_files(closed_demo.root)
    vault = _open(closed_demo.root)
    try:
        for attempt in ("wrong", PASSPHRASE.upper()):
            with pytest.raises(WrongPassphraseError) as caught:
                vault.unlock(attempt)
            assert str(caught.value) == "That passphrase is not right for this vault."
            assert not vault.is_unlocked
            with pytest.raises(VaultLockedError):
                vault.councils()
    finally:
        vault.close()
    assert _all_files(closed_demo.root) == before
    # and the right one still works afterwards
    vault = _open(closed_demo.root)
    try:
        vault.unlock(PASSPHRASE)
        assert len(CaseloadService(vault).entries()) == 72
    finally:
        vault.close()


def test_repeated_wrong_passphrases_slow_down(closed_demo: ClosedVault,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import iro_desktop.storage.vault as vault_module

    sleeps: list[float] = []
    monkeypatch.setattr(vault_module.time, "sleep", sleeps.append)
    vault = _open(closed_demo.root)
    try:
        for _ in range(5):
            with pytest.raises(WrongPassphraseError):
                vault.unlock("wrong")
        assert sleeps == [1.0, 2.0, 4.0]  # from the third failure on, growing
        vault.unlock(PASSPHRASE)  # success resets the count
        vault.lock()
        with pytest.raises(WrongPassphraseError):
            vault.unlock("wrong")
        assert sleeps == [1.0, 2.0, 4.0]
    finally:
        vault.close()


def test_cli_wrong_passphrase_exits_3_with_not_right_and_no_traceback(
        closed_demo: ClosedVault) -> None:
    before = _all_files(closed_demo.root)
    result = cli_process(["--vault", str(closed_demo.root), "due"],
                         env={"IRO_DESKTOP_PASSPHRASE": "wrong"})
    assert result.returncode == 3
    assert "not right" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Llewellyn" not in result.stdout
    assert _all_files(closed_demo.root) == before


# ---- change passphrase -----------------------------------------------------------------------


def test_change_passphrase_leaves_every_database_byte_identical(closed_demo: ClosedVault) -> None:
    vault = _open(closed_demo.root)
    try:
        vault.unlock(PASSPHRASE)
        dbs_before = hashes(database_files(closed_demo.root))  # .db, -wal and -shm, live
        assert any(name.endswith("-wal") for name in dbs_before)
        keystore_before = sha256(closed_demo.keystore)
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        assert hashes(database_files(closed_demo.root)) == dbs_before
        assert sha256(closed_demo.keystore) != keystore_before
        assert len(CaseloadService(vault).entries()) == 72  # still unlocked and usable
    finally:
        vault.close()

    vault = _open(closed_demo.root)
    try:
        with pytest.raises(WrongPassphraseError):
            vault.unlock(PASSPHRASE)
        vault.unlock(NEW_PASSPHRASE)
        assert len(CaseloadService(vault).entries()) == 72
    finally:
        vault.close()


def test_change_passphrase_needs_the_current_one_and_a_strong_new_one(
        closed_demo: ClosedVault) -> None:
    vault = _open(closed_demo.root)
    try:
        vault.unlock(PASSPHRASE)
        before = sha256(closed_demo.keystore)
        with pytest.raises(WrongPassphraseError):
            vault.change_passphrase("not the passphrase", NEW_PASSPHRASE)
        with pytest.raises(WeakPassphraseError, match="12 characters"):
            vault.change_passphrase(PASSPHRASE, "password")
        with pytest.raises(WeakPassphraseError):
            vault.change_passphrase(PASSPHRASE, "password123456")
        assert sha256(closed_demo.keystore) == before
        vault.lock()
        with pytest.raises(VaultLockedError):
            vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    finally:
        vault.close()
    vault = _open(closed_demo.root)
    try:
        vault.unlock(PASSPHRASE)
    finally:
        vault.close()


def test_council_added_after_a_change_opens_with_the_new_passphrase(vault, vault_dir: Path
                                                                    ) -> None:
    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    vault.add_council("EMB", "Eastmere Borough Council", Nation.ENGLAND)
    vault.close()
    reopened = _open(vault_dir)
    try:
        reopened.unlock(NEW_PASSPHRASE)
        assert [c.code for c in reopened.councils()] == ["EMB", "NBK"]
    finally:
        reopened.close()


class _BreakingStore(MemorySecretStore):
    """A keyring that works until it is locked or its D-Bus goes away mid-session."""

    broken = False

    def set(self, vault_id: str, secret: bytes) -> None:
        if self.broken:
            raise KeyringUnavailableError("the keyring is locked")
        super().set(vault_id, secret)


def test_keyring_failure_during_a_change_leaves_one_consistent_passphrase(vault,
                                                                         vault_dir: Path) -> None:
    """The keyring breaks mid-change. Either the change is refused and the old passphrase
    stays (even after later saves of the keystore), or it stands and only 'remember' is
    dropped - never a state where what the IRO was told differs from what is on disk."""
    from iro_desktop.security.errors import VaultError

    store = _BreakingStore()
    vault.secrets = store
    vault.set_remembered(True)
    store.broken = True
    try:
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        changed = True
    except VaultError:
        changed = False
    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)  # saves the keystore
    vault.close()
    current, old = (NEW_PASSPHRASE, PASSPHRASE) if changed else (PASSPHRASE, NEW_PASSPHRASE)
    reopened = _open(vault_dir, store)
    try:
        with pytest.raises(WrongPassphraseError):
            reopened.unlock(old)
        if changed:  # the remembered key belonged to the old passphrase: not usable
            assert reopened.unlock_with_keyring() is False
        reopened.unlock(current)
        assert [c.code for c in reopened.councils()] == ["NBK"]
    finally:
        force_close(reopened)


def test_cli_change_passphrase_from_environment(closed_demo: ClosedVault,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    dbs_before = hashes(database_files(closed_demo.root))
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("IRO_DESKTOP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    out, err = io.StringIO(), io.StringIO()
    assert run(["--vault", str(closed_demo.root), "change-passphrase"], out=out, err=err) == 0
    assert "Passphrase changed" in out.getvalue()
    assert err.getvalue() == ""
    # the unlock/lock of the command touches the databases' open flag, never their keys:
    # the same data keys still open them, under the new passphrase only
    vault = _open(closed_demo.root)
    try:
        with pytest.raises(WrongPassphraseError):
            vault.unlock(PASSPHRASE)
        vault.unlock(NEW_PASSPHRASE)
        assert len(CaseloadService(vault).entries()) == 72
    finally:
        vault.close()
    assert set(hashes(database_files(closed_demo.root))) == set(dbs_before)
