"""The keystore file edited, swapped, truncated or replaced: always KeystoreTamperedError
(never a crash, never 'wrong passphrase' for an edited slot), and the KDF floor holds."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    demo_template,
    force_close,
    sha256,
)
from iro_desktop.cli import run
from iro_desktop.security.errors import (
    DatabaseTamperedError,
    KeystoreTamperedError,
    VaultNotFoundError,
    WrongPassphraseError,
)
from iro_desktop.security.kdf import MIN_ITERATIONS, MIN_MEMORY_KIB, KdfParams, fast_test_params
from iro_desktop.security.keystore import MAX_KEYSTORE_BYTES, Keystore
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.storage.vault import Vault


@pytest.fixture
def closed(closed_demo: ClosedVault) -> Path:
    """A closed demo vault (three councils); returns its keystore path."""
    return closed_demo.keystore


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), "utf-8")


def _flip_hex(text: str, index: int = 3) -> str:
    raw = bytearray.fromhex(text)
    raw[index] ^= 0x01
    return raw.hex()


def _unlock(vault_dir: Path) -> Vault:
    vault = Vault(vault_dir, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE)
    except BaseException:
        force_close(vault)
        raise
    return vault


def test_untouched_keystore_unlocks(closed: Path) -> None:
    """Baseline for every test below: the same steps succeed on an unedited file."""
    vault = _unlock(closed.parent)
    try:
        assert [c.code for c in vault.councils()] == ["EMB", "NBK", "VOH"]
    finally:
        vault.close()


@pytest.mark.parametrize("council", [0, 1, 2])
@pytest.mark.parametrize("field", ["ct", "nonce"])
def test_flipped_byte_in_a_passphrase_slot_is_tamper_not_wrong_passphrase(
        closed: Path, council: int, field: str) -> None:
    _edit(closed, lambda d: d["councils"][council]["slots"]["passphrase"].update(
        {field: _flip_hex(d["councils"][council]["slots"]["passphrase"][field])}))
    with pytest.raises(KeystoreTamperedError) as caught:
        _unlock(closed.parent)
    assert not isinstance(caught.value, WrongPassphraseError)
    assert "changed outside iro-desktop" in str(caught.value)


def test_slots_swapped_between_councils_are_tamper(closed: Path) -> None:
    def swap(d: dict) -> None:
        a, b = d["councils"][0], d["councils"][1]
        a["slots"]["passphrase"], b["slots"]["passphrase"] = \
            b["slots"]["passphrase"], a["slots"]["passphrase"]
    _edit(closed, swap)
    with pytest.raises(KeystoreTamperedError):
        _unlock(closed.parent)


def test_edited_recovery_public_key_is_tamper_at_passphrase_unlock(closed: Path) -> None:
    _edit(closed, lambda d: d.update(
        recovery_public_key=_flip_hex(d["recovery_public_key"], 0)))
    vault = Vault(closed.parent, secret_store=MemorySecretStore()).open()
    try:
        with pytest.raises(KeystoreTamperedError) as caught:
            vault.unlock(PASSPHRASE)
        assert "recovery" in str(caught.value)
        assert not vault.is_unlocked
    finally:
        vault.close()


def test_flipped_recovery_slot_is_tamper_at_recovery_unlock(closed_demo: ClosedVault) -> None:
    recovery_key, vault_dir = closed_demo.recovery_key, closed_demo.root
    path = closed_demo.keystore
    _edit(path, lambda d: d["councils"][1]["slots"]["recovery"].update(
        ct=_flip_hex(d["councils"][1]["slots"]["recovery"]["ct"])))
    before = sha256(path)
    vault = Vault(vault_dir, secret_store=MemorySecretStore()).open()
    try:
        with pytest.raises(KeystoreTamperedError):
            vault.unlock_with_recovery(recovery_key, "lantern otter quietly juggles marmalade")
        assert not vault.is_unlocked
    finally:
        vault.close()
    assert sha256(path) == before  # no new passphrase was written on the way


@pytest.mark.parametrize("content", [
    pytest.param(b"garbage\x00\xff not json", id="garbage"),
    pytest.param(b"", id="empty"),
    pytest.param(b"[]", id="json-list"),
    pytest.param(b"null", id="json-null"),
    pytest.param(b'{"format": "iro-desktop-keystore"}', id="missing-fields"),
    pytest.param(b"\xef\xbb\xbf\xff\xfe", id="not-utf8"),
])
def test_unreadable_keystore_is_tamper_with_a_clear_message(closed: Path, content: bytes) -> None:
    closed.write_bytes(content)
    vault = Vault(closed.parent, secret_store=MemorySecretStore())
    with pytest.raises(KeystoreTamperedError) as caught:
        vault.open()
    assert "keystore" in str(caught.value)
    # the instance lock was released: a later attempt is not told "already open"
    with pytest.raises(KeystoreTamperedError):
        Vault(closed.parent, secret_store=MemorySecretStore()).open()


def test_truncated_keystore_is_tamper(closed: Path) -> None:
    closed.write_bytes(closed.read_bytes()[: len(closed.read_bytes()) // 2])
    with pytest.raises(KeystoreTamperedError, match="keystore"):
        Vault(closed.parent, secret_store=MemorySecretStore()).open()


def test_two_megabyte_keystore_is_tamper_without_reading_it_all(closed: Path) -> None:
    closed.write_bytes(b" " * (2 * 1024 * 1024))
    assert closed.stat().st_size > MAX_KEYSTORE_BYTES
    with pytest.raises(KeystoreTamperedError, match="larger than any real keystore"):
        Vault(closed.parent, secret_store=MemorySecretStore()).open()


def test_deeply_nested_keystore_is_tamper_not_a_crash(closed: Path) -> None:
    closed.write_bytes(b"[" * 100_000)
    with pytest.raises(KeystoreTamperedError):
        Vault(closed.parent, secret_store=MemorySecretStore()).open()


def test_header_mac_of_the_wrong_type_is_tamper_not_a_crash(closed: Path) -> None:
    _edit(closed, lambda d: d.update(header_mac=5))
    with pytest.raises(KeystoreTamperedError):
        _unlock(closed.parent)


@pytest.mark.parametrize("change", [
    pytest.param({"memory_kib": 1024}, id="memory-1MiB"),
    pytest.param({"memory_kib": MIN_MEMORY_KIB - 1}, id="memory-just-below-floor"),
    pytest.param({"iterations": 1}, id="t=1"),
    pytest.param({"iterations": MIN_ITERATIONS - 1}, id="t-below-floor"),
    pytest.param({"lanes": 0}, id="p=0"),
    pytest.param({"salt": "00" * 8}, id="short-salt"),
    pytest.param({"alg": "pbkdf2"}, id="other-algorithm"),
    pytest.param({"memory_kib": "lots"}, id="not-a-number"),
])
def test_kdf_parameters_below_the_owasp_floor_are_rejected(closed: Path, change: dict) -> None:
    _edit(closed, lambda d: d["kdf"].update(change))
    with pytest.raises(KeystoreTamperedError, match="key derivation settings"):
        Vault(closed.parent, secret_store=MemorySecretStore()).open()


def test_kdf_floor_is_owasp_minimum_and_fast_params_sit_on_it() -> None:
    assert (MIN_MEMORY_KIB, MIN_ITERATIONS) == (19 * 1024, 2)
    fast = fast_test_params()
    assert KdfParams.from_dict(fast.to_dict()) == fast
    with pytest.raises(KeystoreTamperedError):
        KdfParams.from_dict({**fast.to_dict(), "memory_kib": MIN_MEMORY_KIB - 1})


def test_newer_format_version_asks_for_the_matching_app(closed: Path) -> None:
    _edit(closed, lambda d: d.update(version=2))
    with pytest.raises(KeystoreTamperedError, match="version 2"):
        Vault(closed.parent, secret_store=MemorySecretStore()).open()


def test_missing_keystore_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFoundError):
        Vault(tmp_path / "nowhere", secret_store=MemorySecretStore()).open()
    with pytest.raises(VaultNotFoundError):
        Keystore.load(tmp_path / "keystore.json")


def test_keystore_dropping_a_council_is_refused_as_tamper(closed: Path) -> None:
    """An edited keystore that simply omits a council is refused at unlock: the council
    list is covered by the keystore's MAC, so a council cannot be silently hidden."""
    _edit(closed, lambda d: d.update(councils=d["councils"][:2]))
    with pytest.raises(KeystoreTamperedError, match="council list"):
        _unlock(closed.parent)


@pytest.mark.parametrize("content", [b"garbage", b""])
def test_cli_on_a_damaged_keystore_exits_3_without_traceback(
        closed: Path, content: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    closed.write_bytes(content)
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    for command in ("due", "check"):
        out, err = io.StringIO(), io.StringIO()
        assert run(["--vault", str(closed.parent), command], out=out, err=err) == 3
        assert "keystore" in err.getvalue()
        assert "Traceback" not in err.getvalue()


def test_saving_leaves_no_temporary_files(vault, vault_dir: Path) -> None:
    from iro_desktop.core.models import Nation

    vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    vault.change_passphrase(PASSPHRASE, "lantern otter quietly juggles marmalade")
    assert sorted(p.name for p in vault_dir.iterdir() if p.is_file()) == [
        "keystore.json", "vault.lock"]


def test_lowering_a_council_generation_in_the_keystore_is_noticed(closed_demo: ClosedVault
                                                                  ) -> None:
    db = closed_demo.dbs["EMB"]
    old = db.read_bytes()
    vault = _unlock(closed_demo.root)  # one saved change: EMB's generation moves on
    from datetime import datetime

    from iro_desktop.storage.models import AuditEvent

    with vault.session(vault.council_by_code("EMB").id) as session:
        session.add(AuditEvent(at=datetime.now(), code="test.edit", detail=""))
    vault.close()
    db.write_bytes(old)
    with pytest.raises((DatabaseTamperedError, KeystoreTamperedError)):
        _unlock(closed_demo.root).close()  # the swap alone is caught (baseline)

    def roll_back(data: dict) -> None:
        for entry in data["councils"]:
            if entry["id"] == db.stem:
                entry["generation"] = 0
    _edit(closed_demo.keystore, roll_back)
    with pytest.raises((DatabaseTamperedError, KeystoreTamperedError)):
        _unlock(closed_demo.root).close()
