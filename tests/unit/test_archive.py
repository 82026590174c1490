"""Hand-over archives: one council out of a vault, into a fresh vault, unchanged; anything
wrong with the archive or the secret is refused with nothing changed."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from sqlalchemy import select

from iro_desktop.security.errors import DatabaseTamperedError
from iro_desktop.security.kdf import KdfParams, fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services import archive
from iro_desktop.services.archive import ArchiveError, ArchiveSecretError
from iro_desktop.services.returns import review_json
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import AuditEvent, ChildRow, PersonRow
from iro_desktop.storage.repositories import record_from_row
from iro_desktop.storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.helpers import (  # noqa: F401 - fixtures
    POSIX,
    ClosedVault,
    closed_demo,
    demo_template,
    files_under,
    scan_for_plaintext,
)

ARCHIVE_PASSPHRASE = "lantern otter quietly juggles marmalade"


@pytest.fixture
def other_vault(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A second, empty vault: the laptop the archive is restored on."""
    v, _ = Vault.create(tmp_path / "laptop2", PASSPHRASE, kdf=fast_test_params(),
                        secret_store=MemorySecretStore())
    yield v
    v.close()


@pytest.fixture
def demo_vault_with_reviews(closed_demo: ClosedVault):  # type: ignore[no-untyped-def]
    """The demo vault with its sample reviews: a copy of the session's closed one (seeding
    a new one per test costs seconds)."""
    v = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    v.unlock(PASSPHRASE)
    yield v
    v.close()


@pytest.fixture
def emb(demo_vault_with_reviews):  # type: ignore[no-untyped-def]
    return demo_vault_with_reviews.council_by_code("EMB")


@pytest.fixture(scope="module")
def made_once(demo_template: ClosedVault, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One archive of EMB, made once for the tests that only read or damage it."""
    root = tmp_path_factory.mktemp("archive-source")
    source = demo_template.copy_to(root / "vault")
    vault = Vault(source.root, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE)
        out = root / "EMB.iroarchive"
        archive.export_archive(vault, vault.council_by_code("EMB").id, out,
                               passphrase=ARCHIVE_PASSPHRASE, kdf=fast_test_params())
    finally:
        vault.close()
    return out.read_bytes()


def export(vault, council, out: Path, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("passphrase", ARCHIVE_PASSPHRASE)
    return archive.export_archive(vault, council.id, out, kdf=fast_test_params(), **kwargs)


def children(vault, council_id: str) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    with vault.session(council_id) as s:
        return {r.child_ref: (record_from_row(r), r.status, r.placement_confidential,
                              r.placement_address) for r in s.scalars(select(ChildRow))}


def all_review_json(vault, council_id: str) -> dict[tuple[str, int], dict]:  # type: ignore[no-untyped-def]
    service = ReviewService(vault)
    out = {}
    with vault.session(council_id) as s:
        kids = [(r.id, r.child_ref) for r in s.scalars(select(ChildRow))]
    for child_id, ref in kids:
        for summary in service.reviews(council_id, child_id):
            out[(ref, summary.number)] = review_json(vault, council_id, summary.id)
    return out


def names_and_refs(vault, council_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    with vault.session(council_id) as s:
        found = {v for r in s.scalars(select(ChildRow)) for v in (r.child_ref, r.last_name)}
        found |= {p.name for p in s.scalars(select(PersonRow))}
    return sorted(v for v in found if len(v.encode()) >= 6)


def vault_state(vault: Vault) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files_under(vault.root) if not p.name.endswith(("-shm", ".lock"))}


# ---- the round trip -------------------------------------------------------------------------


def test_archive_restores_identical_records_in_a_fresh_vault(
        demo_vault_with_reviews, emb, other_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = demo_vault_with_reviews
    before_children = children(source, emb.id)
    before_reviews = all_review_json(source, emb.id)
    assert len(before_children) == 19 and before_reviews  # the demo reviewed one EMB child

    out = tmp_path / "handover" / "EMB.iroarchive"
    out.parent.mkdir()
    written = export(source, emb, out)
    assert written.path == out.resolve() and out.is_file()
    assert written.counts["children"] == 19 and written.counts["reviews"] == len(before_reviews)

    restored = archive.import_archive(other_vault, out, passphrase=ARCHIVE_PASSPHRASE)
    council = restored.council
    assert (council.code, council.name, council.nation) == (emb.code, emb.name, emb.nation)
    assert children(other_vault, council.id) == before_children
    assert all_review_json(other_vault, council.id) == before_reviews
    assert archive.council_records(other_vault, council.id) == \
        archive.council_records(source, emb.id)
    assert [r.ok for r in other_vault.check()] == [True]


def test_the_restored_council_survives_a_lock_and_uses_a_new_key(
        demo_vault_with_reviews, emb, other_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "EMB.iroarchive"
    export(demo_vault_with_reviews, emb, out)
    restored = archive.import_archive(other_vault, out, passphrase=ARCHIVE_PASSPHRASE)
    archive_key = _archive_key(out, ARCHIVE_PASSPHRASE)
    database_key = archive._subkey(archive_key, b"database")
    path = other_vault.database_path(restored.council.id)
    other_vault.lock()
    from iro_desktop.storage.engine import raw_connect

    for key in (archive_key, database_key):  # the archive's keys open nothing in the vault
        with pytest.raises(DatabaseTamperedError):
            raw_connect(path, key).close()
    other_vault.unlock(PASSPHRASE)
    assert [c.code for c in other_vault.councils()] == ["EMB"]
    assert len(children(other_vault, restored.council.id)) == 19


def _archive_key(path: Path, passphrase: str) -> bytes:
    """The archive key, recovered the way docs/councils.md tells a council to do it."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with zipfile.ZipFile(path) as zf:
        manifest = zf.read("manifest.json")
        key_part = json.loads(zf.read("key.json"))
    kdf = KdfParams.from_dict(json.loads(manifest)["protection"]["kdf"])
    kek = kdf.derive(passphrase)
    wrapped = key_part["wrapped_key"]
    return AESGCM(kek).decrypt(bytes.fromhex(wrapped["nonce"]), bytes.fromhex(wrapped["ct"]),
                               manifest)


def test_a_council_can_read_the_exports_with_the_documented_steps(
        demo_vault_with_reviews, emb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    out = tmp_path / "EMB.iroarchive"
    export(demo_vault_with_reviews, emb, out)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"iro-desktop archive exports v1").derive(_archive_key(out, ARCHIVE_PASSPHRASE))
    with zipfile.ZipFile(out) as zf:
        blob = zf.read("exports.json.enc")
    records = json.loads(AESGCM(key).decrypt(blob[:12], blob[12:],
                                             b"iro-desktop-council-archive/v1|exports"))
    assert records == json.loads(json.dumps(
        archive.council_records(demo_vault_with_reviews, emb.id)))
    assert {c["child_ref"] for c in records["children"]} == set(children(
        demo_vault_with_reviews, emb.id))


def test_the_archive_is_owner_only_holds_no_plaintext_and_the_manifest_no_child_data(
        demo_vault_with_reviews, emb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "EMB.iroarchive"
    export(demo_vault_with_reviews, emb, out)
    markers = names_and_refs(demo_vault_with_reviews, emb.id)
    assert len(markers) > 15
    assert scan_for_plaintext([out], markers) == []
    if POSIX:
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    manifest = archive.read_manifest(out)
    assert manifest["council"]["code"] == "EMB" and manifest["counts"]["children"] == 19
    text = json.dumps(manifest)
    assert not [m for m in markers if m in text]
    assert set(manifest["protection"]["kdf"]) >= {"salt", "memory_kib", "iterations", "lanes"}
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == sorted(archive.PARTS)
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
    # nothing left behind in the vault: no staging copy, an audit line with counts only
    assert not [p for p in files_under(demo_vault_with_reviews.root) if ".staging" in p.name]
    with demo_vault_with_reviews.session(emb.id) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.code == "archive.exported")).one()
    assert json.loads(event.detail) == {"children": 19, "reviews": manifest["counts"]["reviews"]}


def test_sealed_to_the_councils_public_key(demo_vault_with_reviews, emb, other_vault,
                                           tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    council_key = X25519PrivateKey.generate()
    public_pem = council_key.public_key().public_bytes(Encoding.PEM,
                                                       PublicFormat.SubjectPublicKeyInfo)
    private_pem = council_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    out = tmp_path / "EMB.iroarchive"
    written = archive.export_archive(demo_vault_with_reviews, emb.id, out,
                                     public_key=archive.load_public_key(public_pem))
    assert written.protection == "x25519"
    stranger = X25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                         NoEncryption())
    before = vault_state(other_vault)
    with pytest.raises(ArchiveSecretError, match="not the one this archive was sealed to"):
        archive.import_archive(other_vault, out, private_key=stranger)
    with pytest.raises(ArchiveSecretError, match="give the matching private key"):
        archive.import_archive(other_vault, out, passphrase=ARCHIVE_PASSPHRASE)
    assert vault_state(other_vault) == before
    restored = archive.import_archive(other_vault, out, private_key=private_pem)
    assert children(other_vault, restored.council.id) == children(demo_vault_with_reviews, emb.id)


# ---- refused, with nothing changed ----------------------------------------------------------


@pytest.fixture
def made(made_once: bytes, tmp_path: Path) -> Path:
    out = tmp_path / "EMB.iroarchive"
    out.write_bytes(made_once)
    return out


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    change(parts)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _flip(data: bytes, at: int) -> bytes:
    raw = bytearray(data)
    raw[at] ^= 0x01
    return bytes(raw)


def test_wrong_passphrase_is_named_and_changes_nothing(made: Path, other_vault) -> None:  # type: ignore[no-untyped-def]
    before = vault_state(other_vault)
    with pytest.raises(ArchiveSecretError, match="That passphrase does not open this archive"):
        archive.import_archive(other_vault, made, passphrase="wrong " + ARCHIVE_PASSPHRASE)
    with pytest.raises(ArchiveSecretError, match="protected by a passphrase"):
        archive.import_archive(other_vault, made)
    assert vault_state(other_vault) == before and other_vault.councils() == []


@pytest.mark.parametrize("tamper, problem", [
    (lambda p: p.update({"manifest.json": p["manifest.json"].replace(b"Eastmere", b"Westmere")}),
     "the manifest or the key does not verify"),
    (lambda p: p.update({"council.db": _flip(p["council.db"], 5000)}),
     "council.db does not match the manifest"),
    (lambda p: p.update({"exports.json.enc": _flip(p["exports.json.enc"], 40)}),
     "exports.json.enc does not match the manifest"),
    (lambda p: p.update({"key.json": p["key.json"].replace(b'"wrapped_key"', b'"wrapped"')}),
     "the manifest or the key does not verify"),
    (lambda p: p.update({"manifest.json": p["manifest.json"].replace(
        b'"memory_kib": 19456', b'"memory_kib": 1024')}), "outside safe limits"),
    (lambda p: p.pop("exports.json.enc"), "not an iro-desktop council archive"),
])
def test_a_tampered_archive_is_refused_and_changes_nothing(
        made: Path, other_vault, tamper, problem: str) -> None:  # type: ignore[no-untyped-def]
    _rewrite(made, tamper)
    before = vault_state(other_vault)
    with pytest.raises(ArchiveError, match=problem) as caught:
        archive.import_archive(other_vault, made, passphrase=ARCHIVE_PASSPHRASE)
    assert "Nothing was imported" in str(caught.value)
    assert not isinstance(caught.value, ArchiveSecretError)
    assert vault_state(other_vault) == before and other_vault.councils() == []


@pytest.mark.parametrize("part", ["manifest.json", "key.json"])
def test_deeply_nested_json_in_an_archive_is_refused_with_a_message(
        made: Path, other_vault, part: str) -> None:  # type: ignore[no-untyped-def]
    deep = b'{"format": "iro-desktop-council-archive", "x": ' + b"[" * 20000 + b"]" * 20000 + b"}"
    _rewrite(made, lambda p: p.update({part: deep}))
    before = vault_state(other_vault)
    with pytest.raises(ArchiveError) as caught:  # not RecursionError ("unexpected error")
        archive.import_archive(other_vault, made, passphrase=ARCHIVE_PASSPHRASE)
    assert "Nothing was imported" in str(caught.value)
    assert vault_state(other_vault) == before


@pytest.mark.parametrize("cut", [10, 1000, -30])
def test_a_cut_short_or_foreign_file_is_refused(made: Path, other_vault, tmp_path: Path,
                                                cut: int) -> None:  # type: ignore[no-untyped-def]
    data = made.read_bytes()
    made.write_bytes(data[:cut])
    with pytest.raises(ArchiveError, match="cut short|not an iro-desktop council archive"):
        archive.import_archive(other_vault, made, passphrase=ARCHIVE_PASSPHRASE)
    other = tmp_path / "photo.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("manifest.json", b'{"format": "something else"}')
    with pytest.raises(ArchiveError, match="not an iro-desktop council archive"):
        archive.import_archive(other_vault, other, passphrase=ARCHIVE_PASSPHRASE)
    assert other_vault.councils() == []


def test_a_council_already_in_the_vault_is_refused(made: Path, demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    before = vault_state(demo_vault_with_reviews)
    with pytest.raises(ArchiveError, match="Council EMB is already in this vault"):
        archive.import_archive(demo_vault_with_reviews, made, passphrase=ARCHIVE_PASSPHRASE)
    assert vault_state(demo_vault_with_reviews) == before


def test_export_refuses_the_vault_passphrase_a_weak_one_and_bad_targets(
        demo_vault_with_reviews, emb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    with pytest.raises(ArchiveError, match="different passphrase for the archive"):
        export(vault, emb, tmp_path / "a.iroarchive", passphrase=PASSPHRASE)
    with pytest.raises(ArchiveError, match="too weak"):
        export(vault, emb, tmp_path / "a.iroarchive", passphrase="password123")
    with pytest.raises(ArchiveError, match="outside the vault folder"):
        export(vault, emb, vault.root / "a.iroarchive")
    existing = tmp_path / "b.iroarchive"
    existing.write_bytes(b"keep me")
    with pytest.raises(ArchiveError, match="already exists"):
        export(vault, emb, existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(ArchiveError, match="does not exist"):
        export(vault, emb, tmp_path / "missing" / "c.iroarchive")
    assert not (tmp_path / "a.iroarchive").exists()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
