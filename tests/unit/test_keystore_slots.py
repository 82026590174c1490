"""Every key slot is verified by ``check``; an edited recovery slot is named and sealed again;
an edited salt is reported as damage, not as a wrong passphrase."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    NEW_PASSPHRASE,
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    demo_template,
    sha256,
)
from iro_desktop.cli import run
from iro_desktop.security.errors import KeystoreTamperedError, WrongPassphraseError
from iro_desktop.security.keystore import Keystore
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.storage.vault import Vault


def _cli(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    out, err = io.StringIO(), io.StringIO()
    code = run(["--vault", str(root), *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _edit_recovery_slot(keystore: Path, council_id: str) -> None:
    data = json.loads(keystore.read_text("utf-8"))
    for entry in data["councils"]:
        if entry["id"] == council_id:
            ct = entry["slots"]["recovery"]["ct"]
            digit = next(i for i, ch in enumerate(ct) if ch.isdigit())
            entry["slots"]["recovery"]["ct"] = (ct[:digit] + str((int(ct[digit]) + 1) % 10)
                                                + ct[digit + 1:])
    keystore.write_text(json.dumps(data, indent=1), "utf-8")


def test_one_changed_digit_in_a_recovery_slot_is_named_by_check_and_sealed_by_restore(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    emb = closed_demo.dbs["EMB"].stem
    _edit_recovery_slot(closed_demo.keystore, emb)

    code, out, err = _cli(closed_demo.root, monkeypatch, "check")
    assert code == 1, (out, err)
    emb_line = next(line for line in out.splitlines() if line.startswith("EMB"))
    assert "recovery key would not open it" in emb_line
    assert all("FAILED" not in line for line in out.splitlines()
               if line.startswith(("NBK", "VOH")))

    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    try:  # before the repair the recovery key names the broken slot instead of failing blind
        with pytest.raises(KeystoreTamperedError) as caught:
            vault.unlock_with_recovery(closed_demo.recovery_key, NEW_PASSPHRASE)
        assert f"{emb}.db" in str(caught.value) and "1 of 3" in str(caught.value)
    finally:
        vault.close()

    code, out, err = _cli(closed_demo.root, monkeypatch, "restore")
    assert code == 0, (out, err)
    assert "EMB: its recovery slot in the keystore was sealed again" in out
    code, out, err = _cli(closed_demo.root, monkeypatch, "check")
    assert code == 0, (out, err)

    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock_with_recovery(closed_demo.recovery_key, NEW_PASSPHRASE)
        assert {c.code for c in vault.councils()} == {"NBK", "EMB", "VOH"}
    finally:
        vault.close()


def test_a_slot_mac_edited_away_is_caught_by_the_header_mac(closed_demo: ClosedVault) -> None:
    data = json.loads(closed_demo.keystore.read_text("utf-8"))
    assert all("slot_mac" in entry for entry in data["councils"])
    del data["councils"][0]["slot_mac"]
    closed_demo.keystore.write_text(json.dumps(data), "utf-8")
    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    try:
        with pytest.raises(KeystoreTamperedError):
            vault.unlock(PASSPHRASE)
    finally:
        vault.close()


def test_an_edited_salt_is_reported_as_damage_not_as_a_wrong_passphrase(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(closed_demo.keystore.read_text("utf-8"))
    salt = bytearray.fromhex(data["kdf"]["salt"])
    salt[0] ^= 0x01
    data["kdf"]["salt"] = salt.hex()
    closed_demo.keystore.write_text(json.dumps(data), "utf-8")
    before = sha256(closed_demo.keystore)
    store = Keystore.load(closed_demo.keystore)
    with pytest.raises(KeystoreTamperedError) as caught:
        store.derive_kek(PASSPHRASE)
    assert not isinstance(caught.value, WrongPassphraseError)
    code, out, err = _cli(closed_demo.root, monkeypatch, "due")
    assert code == 3
    assert "salt" in err and "not right" not in err
    assert sha256(closed_demo.keystore) == before
