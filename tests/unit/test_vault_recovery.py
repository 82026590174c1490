"""The recovery key: opens the vault when the passphrase is lost and forces a new one."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    NEW_PASSPHRASE,
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    database_files,
    demo_template,
    hashes,
    sha256,
)
from iro_desktop.core.models import Nation
from iro_desktop.security.errors import (
    WeakPassphraseError,
    WrongPassphraseError,
    WrongRecoveryKeyError,
)
from iro_desktop.security.recovery import (
    RecoveryKeyFormatError,
    format_recovery_key,
    parse_recovery_key,
)
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.storage.vault import Vault

THIRD_PASSPHRASE = "copper kettle whistles beside midnight ferns"


def _open(root: Path, store: MemorySecretStore | None = None) -> Vault:
    return Vault(root, secret_store=store or MemorySecretStore()).open()


def _recover(root: Path, key: str, new: str = NEW_PASSPHRASE) -> Vault:
    vault = _open(root)
    try:
        vault.unlock_with_recovery(key, new)
    except BaseException:
        vault.close()
        raise
    return vault


def _one_letter_wrong(key: str) -> str:
    i = 6  # a letter in the second group (secret bits, not dashes)
    assert key[i].isalnum()
    return key[:i] + ("A" if key[i] != "A" else "B") + key[i + 1:]


def test_recovery_key_is_14_groups_of_four_base32(closed_demo: ClosedVault) -> None:
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){13}", closed_demo.recovery_key)


def test_recovery_after_a_passphrase_change_forces_a_new_passphrase(
        closed_demo: ClosedVault) -> None:
    vault = _open(closed_demo.root)
    vault.unlock(PASSPHRASE)
    vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    vault.close()
    dbs_before = hashes(database_files(closed_demo.root))

    vault = _recover(closed_demo.root, closed_demo.recovery_key, THIRD_PASSPHRASE)
    try:
        assert vault.is_unlocked
        assert [c.code for c in vault.councils()] == ["EMB", "NBK", "VOH"]
        assert len(CaseloadService(vault).entries()) == 72
    finally:
        vault.close()
    assert set(hashes(database_files(closed_demo.root))) == set(dbs_before)

    for old in (PASSPHRASE, NEW_PASSPHRASE):
        vault = _open(closed_demo.root)
        try:
            with pytest.raises(WrongPassphraseError):
                vault.unlock(old)
        finally:
            vault.close()
    vault = _open(closed_demo.root)
    try:
        vault.unlock(THIRD_PASSPHRASE)
        assert len(CaseloadService(vault).entries()) == 72
    finally:
        vault.close()


def test_recovery_key_keeps_working_after_being_used(closed_demo: ClosedVault) -> None:
    _recover(closed_demo.root, closed_demo.recovery_key).close()
    vault = _recover(closed_demo.root, closed_demo.recovery_key, THIRD_PASSPHRASE)
    vault.close()


@pytest.mark.parametrize("mangle", [
    pytest.param(str.lower, id="lower-case"),
    pytest.param(lambda k: k.replace("-", " "), id="spaces"),
    pytest.param(lambda k: k.replace("-", ""), id="no-dashes"),
    pytest.param(lambda k: "  " + k.lower().replace("-", "  ") + "\n", id="messy"),
])
def test_recovery_key_typed_loosely_is_accepted(closed_demo: ClosedVault, mangle) -> None:  # type: ignore[no-untyped-def]
    vault = _recover(closed_demo.root, mangle(closed_demo.recovery_key))
    try:
        assert len(vault.councils()) == 3
    finally:
        vault.close()


def test_one_wrong_letter_is_a_typo_and_changes_nothing(closed_demo: ClosedVault) -> None:
    before = sha256(closed_demo.keystore)
    vault = _open(closed_demo.root)
    try:
        with pytest.raises(RecoveryKeyFormatError, match="typing mistake"):
            vault.unlock_with_recovery(_one_letter_wrong(closed_demo.recovery_key),
                                       NEW_PASSPHRASE)
        with pytest.raises(RecoveryKeyFormatError, match="56 letters"):
            vault.unlock_with_recovery(closed_demo.recovery_key[:-5], NEW_PASSPHRASE)
        assert not vault.is_unlocked
    finally:
        vault.close()
    assert sha256(closed_demo.keystore) == before


def test_another_valid_key_is_wrong_key_and_changes_nothing(closed_demo: ClosedVault) -> None:
    before = sha256(closed_demo.keystore)
    other = format_recovery_key(os.urandom(32))
    parse_recovery_key(other)  # well formed: the error must come from the vault
    vault = _open(closed_demo.root)
    try:
        with pytest.raises(WrongRecoveryKeyError):
            vault.unlock_with_recovery(other, NEW_PASSPHRASE)
        assert not vault.is_unlocked
    finally:
        vault.close()
    assert sha256(closed_demo.keystore) == before
    vault = _open(closed_demo.root)
    try:
        vault.unlock(PASSPHRASE)  # the passphrase was not replaced
    finally:
        vault.close()


def test_weak_new_passphrase_is_refused_before_anything_changes(closed_demo: ClosedVault) -> None:
    before = sha256(closed_demo.keystore)
    vault = _open(closed_demo.root)
    try:
        with pytest.raises(WeakPassphraseError):
            vault.unlock_with_recovery(closed_demo.recovery_key, "password")
        assert not vault.is_unlocked
    finally:
        vault.close()
    assert sha256(closed_demo.keystore) == before


def test_councils_added_after_creation_are_recoverable(vault, vault_dir: Path) -> None:
    """The X25519 design: a council added later is sealed to the recovery public key."""
    recovery_key = vault.recovery_key_for_tests
    nbk = vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    vault.lock()
    vault.unlock(PASSPHRASE)
    voh = vault.add_council("VOH", "Vale of Hafren Council", Nation.WALES)
    vault.close()
    recovered = _recover(vault_dir, recovery_key)
    try:
        assert {c.id for c in recovered.councils()} == {nbk.id, voh.id}
        assert recovered.council_by_code("VOH").nation is Nation.WALES
    finally:
        recovered.close()


def test_new_recovery_key_retires_the_old_one(closed_demo: ClosedVault) -> None:
    vault = _open(closed_demo.root)
    try:
        vault.unlock(PASSPHRASE)
        with pytest.raises(WrongPassphraseError):
            vault.new_recovery_key("not the passphrase")
        new_key = vault.new_recovery_key(PASSPHRASE)
    finally:
        vault.close()
    assert new_key != closed_demo.recovery_key
    vault = _open(closed_demo.root)
    try:
        with pytest.raises(WrongRecoveryKeyError):
            vault.unlock_with_recovery(closed_demo.recovery_key, NEW_PASSPHRASE)
    finally:
        vault.close()
    vault = _open(closed_demo.root)
    try:
        vault.unlock(PASSPHRASE)  # the passphrase still works after a new recovery key
    finally:
        vault.close()
    vault = _recover(closed_demo.root, new_key)
    try:
        assert len(CaseloadService(vault).entries()) == 72
    finally:
        vault.close()


def test_recovery_forgets_the_remembered_key(vault, vault_dir: Path,
                                             secret_store: MemorySecretStore) -> None:
    """The keyring item belonged to the lost passphrase: it is deleted, not left behind."""
    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    vault.set_remembered(True)
    assert secret_store.items
    recovery_key = vault.recovery_key_for_tests
    vault.close()
    recovered = Vault(vault_dir, secret_store=secret_store).open()
    try:
        recovered.unlock_with_recovery(recovery_key, NEW_PASSPHRASE)
        assert not recovered.remembered
    finally:
        recovered.close()
    assert secret_store.items == {}
    again = Vault(vault_dir, secret_store=secret_store).open()
    try:
        assert again.unlock_with_keyring() is False
        again.unlock(NEW_PASSPHRASE)
    finally:
        again.close()
