"""'Remember on this computer': works with a real keyring, falls back to the passphrase on
any problem, and treats the fail, null and empty backends as no keyring at all."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest

from tests.helpers import NEW_PASSPHRASE, PASSPHRASE, force_close
from iro_desktop.core.models import Nation
from iro_desktop.security.errors import KeyringUnavailableError, WrongPassphraseError
from iro_desktop.security.secret_store import SERVICE, KeyringSecretStore, MemorySecretStore
from iro_desktop.storage.vault import Vault


@pytest.fixture(autouse=True)
def _restore_keyring():  # type: ignore[no-untyped-def]
    """Every test here may swap the keyring backend; the real one comes back afterwards."""
    original = keyring.get_keyring()
    yield
    keyring.set_keyring(original)


@pytest.fixture
def remembered(vault, vault_dir: Path, secret_store: MemorySecretStore) -> Path:
    """A vault with one council, remembered in the in-memory keyring, then closed."""
    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    vault.set_remembered(True)
    assert vault.remembered
    vault.close()
    return vault_dir


def _open(root: Path, store: object) -> Vault:
    return Vault(root, secret_store=store).open()  # type: ignore[arg-type]


def test_remembered_vault_unlocks_without_the_passphrase(remembered: Path,
                                                         secret_store: MemorySecretStore) -> None:
    vault = _open(remembered, secret_store)
    try:
        assert vault.unlock_with_keyring() is True
        assert vault.is_unlocked
        assert [c.code for c in vault.councils()] == ["NBK"]
    finally:
        vault.close()


def test_not_remembered_vault_does_not_unlock_from_the_keyring(vault, vault_dir: Path,
                                                               secret_store: MemorySecretStore
                                                               ) -> None:
    vault.close()
    fresh = _open(vault_dir, secret_store)
    try:
        assert fresh.unlock_with_keyring() is False
        assert not fresh.is_unlocked
    finally:
        fresh.close()


def test_forgetting_deletes_the_item_and_the_slot(remembered: Path,
                                                  secret_store: MemorySecretStore) -> None:
    vault = _open(remembered, secret_store)
    try:
        vault.unlock(PASSPHRASE)
        vault.set_remembered(False)
        assert secret_store.items == {}
        assert not vault.remembered
    finally:
        vault.close()
    again = _open(remembered, secret_store)
    try:
        assert again.unlock_with_keyring() is False
    finally:
        again.close()


def test_no_keyring_refuses_to_remember_and_passphrase_still_works(vault, vault_dir: Path) -> None:
    store = MemorySecretStore(available=False)
    vault.secrets = store
    assert vault.keyring_available() is False
    with pytest.raises(KeyringUnavailableError, match="no secure keyring"):
        vault.set_remembered(True)
    assert not vault.remembered
    assert store.items == {}
    vault.close()
    again = _open(vault_dir, store)
    try:
        assert again.unlock_with_keyring() is False
        again.unlock(PASSPHRASE)
    finally:
        again.close()


@pytest.mark.parametrize("damage", ["deleted", "other-key", "zero-key", "16-byte-key"])
def test_deleted_or_garbled_item_falls_back_to_the_passphrase(
        remembered: Path, secret_store: MemorySecretStore, damage: str) -> None:
    vault_id = next(iter(secret_store.items))
    if damage == "deleted":
        secret_store.items.clear()
    elif damage == "other-key":
        secret_store.items[vault_id] = os.urandom(32)
    elif damage == "zero-key":
        secret_store.items[vault_id] = bytes(32)
    else:
        secret_store.items[vault_id] = os.urandom(16)
    vault = _open(remembered, secret_store)
    try:
        assert vault.unlock_with_keyring() is False
        assert not vault.is_unlocked
        vault.unlock(PASSPHRASE)
        assert vault.is_unlocked
    finally:
        vault.close()


def test_garbled_item_of_odd_length_falls_back_to_the_passphrase(
        remembered: Path, secret_store: MemorySecretStore) -> None:
    vault_id = next(iter(secret_store.items))
    secret_store.items[vault_id] = b"garbage"
    vault = _open(remembered, secret_store)
    try:
        assert vault.unlock_with_keyring() is False
        vault.unlock(PASSPHRASE)
    finally:
        force_close(vault)


def test_edited_keyring_slot_in_the_keystore_falls_back(remembered: Path,
                                                        secret_store: MemorySecretStore) -> None:
    import json

    path = remembered / "keystore.json"
    data = json.loads(path.read_text("utf-8"))
    ct = bytearray.fromhex(data["keyring"]["ct"])
    ct[0] ^= 1
    data["keyring"]["ct"] = ct.hex()
    path.write_text(json.dumps(data), "utf-8")
    vault = _open(remembered, secret_store)
    try:
        assert vault.unlock_with_keyring() is False
        vault.unlock(PASSPHRASE)
    finally:
        vault.close()


def test_remembered_key_survives_a_passphrase_change(remembered: Path,
                                                     secret_store: MemorySecretStore) -> None:
    vault = _open(remembered, secret_store)
    try:
        vault.unlock(PASSPHRASE)
        old_item = dict(secret_store.items)
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
        assert vault.remembered
        assert secret_store.items != old_item  # a fresh device key, not the old one
    finally:
        vault.close()
    again = _open(remembered, secret_store)
    try:
        assert again.unlock_with_keyring() is True
        assert [c.code for c in again.councils()] == ["NBK"]
    finally:
        again.close()
    old = _open(remembered, MemorySecretStore())
    try:
        with pytest.raises(WrongPassphraseError):
            old.unlock(PASSPHRASE)
        old.unlock(NEW_PASSPHRASE)
    finally:
        old.close()


def test_old_device_key_no_longer_opens_after_a_passphrase_change(
        remembered: Path, secret_store: MemorySecretStore) -> None:
    stale = dict(secret_store.items)
    vault = _open(remembered, secret_store)
    try:
        vault.unlock(PASSPHRASE)
        vault.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    finally:
        vault.close()
    vault = _open(remembered, MemorySecretStore())
    vault.secrets.items.update(stale)  # type: ignore[attr-defined]
    try:
        assert vault.unlock_with_keyring() is False
    finally:
        vault.close()


# ---- the real keyring package ---------------------------------------------------------------


def test_fail_backend_means_no_keyring() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = KeyringSecretStore()
    assert store.available() is False
    assert store.get("ab" * 16) is None
    store.delete("ab" * 16)  # no error


def test_null_backend_means_no_keyring() -> None:
    keyring.set_keyring(keyring.backends.null.Keyring())
    store = KeyringSecretStore()
    assert store.available() is False
    assert store.get("ab" * 16) is None


def test_empty_chainer_means_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [])
    chainer = keyring.backends.chainer.ChainerBackend()
    assert list(chainer.backends) == []
    keyring.set_keyring(chainer)
    store = KeyringSecretStore()
    assert store.available() is False
    assert store.get("ab" * 16) is None


def test_chainer_of_only_untrusted_backends_means_no_keyring(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    class Plaintext(keyring.backend.KeyringBackend):  # like keyrings.alt's file backends
        priority = 1  # type: ignore[assignment]

        def get_password(self, service, username):  # type: ignore[no-untyped-def]
            return None

        def set_password(self, service, username, password):  # type: ignore[no-untyped-def]
            raise AssertionError("must never be written")

        def delete_password(self, service, username):  # type: ignore[no-untyped-def]
            pass

    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: [Plaintext()])
    chainer = keyring.backends.chainer.ChainerBackend()
    assert len(list(chainer.backends)) == 1
    keyring.set_keyring(chainer)
    assert KeyringSecretStore().available() is False


class _TrustedFake(keyring.backend.KeyringBackend):
    """Looks like the Secret Service backend to the trust check; stores in a dict."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.locked = False

    def get_password(self, service, username):  # type: ignore[no-untyped-def]
        if self.locked:
            raise keyring.errors.KeyringLocked("locked")
        return self.items.get((service, username))

    def set_password(self, service, username, password):  # type: ignore[no-untyped-def]
        if self.locked:
            raise keyring.errors.KeyringLocked("locked")
        self.items[(service, username)] = password

    def delete_password(self, service, username):  # type: ignore[no-untyped-def]
        self.items.pop((service, username), None)


_TrustedFake.__module__ = "keyring.backends.SecretService"


def test_trusted_backend_round_trip_through_the_vault(vault, vault_dir: Path) -> None:
    fake = _TrustedFake()
    keyring.set_keyring(fake)
    vault.secrets = KeyringSecretStore()
    assert vault.keyring_available()
    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    vault.set_remembered(True)
    (service, _user), value = next(iter(fake.items.items()))
    assert service == SERVICE
    assert len(base64.b64decode(value)) == 32
    vault.close()
    again = Vault(vault_dir, secret_store=KeyringSecretStore()).open()
    try:
        assert again.unlock_with_keyring() is True
    finally:
        again.close()


@pytest.mark.parametrize("damage", ["locked", "not-base64", "short", "empty"])
def test_keyring_read_problems_fall_back_to_the_passphrase(vault, vault_dir: Path,
                                                           damage: str) -> None:
    fake = _TrustedFake()
    keyring.set_keyring(fake)
    vault.secrets = KeyringSecretStore()
    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    vault.set_remembered(True)
    vault.close()
    key = next(iter(fake.items))
    if damage == "locked":
        fake.locked = True
    elif damage == "not-base64":
        fake.items[key] = "!!! not base64 !!!"
    elif damage == "short":
        fake.items[key] = base64.b64encode(b"short").decode()
    else:
        fake.items[key] = ""
    again = Vault(vault_dir, secret_store=KeyringSecretStore()).open()
    try:
        assert again.unlock_with_keyring() is False
        again.unlock(PASSPHRASE)
    finally:
        again.close()


def test_locked_keyring_when_remembering_is_a_vault_error(vault) -> None:
    fake = _TrustedFake()
    fake.locked = True
    keyring.set_keyring(fake)
    vault.secrets = KeyringSecretStore()
    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    with pytest.raises(KeyringUnavailableError):
        vault.set_remembered(True)
    assert not vault.remembered


def test_cli_uses_the_keyring_when_no_passphrase_is_given(vault, vault_dir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from iro_desktop.cli import run

    fake = _TrustedFake()
    keyring.set_keyring(fake)
    vault.secrets = KeyringSecretStore()
    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    vault.set_remembered(True)
    vault.close()
    monkeypatch.setattr("sys.stdin", io.StringIO())  # no terminal to ask on
    out, err = io.StringIO(), io.StringIO()
    assert run(["--vault", str(vault_dir), "check"], out=out, err=err) == 0, err.getvalue()
    assert "1 database(s) checked, 0 with problems" in out.getvalue()
