"""Hand-over archives: everything held for one council, in one encrypted file.

When a contract ends the IRO hands the council's records over (to the council, or to
the IRO's own app on another laptop) and then erases them. The archive is a zip with
no compression and four parts (docs/councils.md gives the format in full)::

    manifest.json     format, version, council code/name/nation, created_at, app version,
                      counts, how the key is protected (Argon2id parameters, or the
                      recipient's X25519 public key), sha256 of the two encrypted parts.
                      No child data.
    key.json          the random archive key, wrapped with AES-256-GCM under a key derived
                      from a passphrase (Argon2id), or sealed to the council's X25519 public
                      key; the associated data is manifest.json byte for byte, so an
                      edited manifest is refused.
    council.db        the council's database (records, profile, outbox, audit), copied by
                      SQLCipher under HKDF(archive key, "database") - never plaintext.
    exports.json.enc  JSON of every child record and every review (services/returns.py
                      review_json), AES-256-GCM under HKDF(archive key, "exports").

Import checks all of it before anything is written, refuses a council code the vault
already has, and re-keys the database to a fresh key of the receiving vault.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import zipfile
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from iro_desktop import __version__
from iro_desktop.core.models import ChildRecord, Council
from iro_desktop.fsutil import atomic_write
from iro_desktop.security import recovery
from iro_desktop.security.errors import KeystoreTamperedError, SlotAuthenticationError, VaultError
from iro_desktop.security.kdf import KdfParams, calibrate
from iro_desktop.storage.models import ChildRow, OutboxItemRow, ReviewRow
from iro_desktop.storage.repositories import audit
from iro_desktop.storage.vault import Vault

log = logging.getLogger(__name__)

FORMAT = "iro-desktop-council-archive"
VERSION = 1
RECORDS_FORMAT = "iro-desktop-council-records"
MANIFEST, KEY, DATABASE, EXPORTS = "manifest.json", "key.json", "council.db", "exports.json.enc"
PARTS = (MANIFEST, KEY, DATABASE, EXPORTS)
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
MAX_SMALL_PART = 64 * 1024
SUFFIX = ".iroarchive"
_CHECK = b"iro-desktop archive passphrase check"
_CHECK_AAD = f"{FORMAT}/v{VERSION}|check".encode()
_EXPORTS_AAD = f"{FORMAT}/v{VERSION}|exports".encode()


class ArchiveError(VaultError):
    """The archive was not written or not imported; the message says why."""

    code = "archive.error"


class ArchiveSecretError(ArchiveError):
    """The passphrase or private key given does not open this archive."""

    code = "archive.wrong_secret"


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """An archive written or imported: where, which council, what it holds (counts)."""

    path: Path
    council: Council
    counts: dict[str, int]
    protection: str  # "passphrase" | "x25519"

    def summary(self) -> str:
        c = self.counts
        return (f"{self.council.code} ({self.council.name}): {c.get('children', 0)} child "
                f"record(s), {c.get('reviews', 0)} review(s), {c.get('outbox_items', 0)} "
                "outbox document(s)")


# ---- keys --------------------------------------------------------------------------------


def _subkey(archive_key: bytes, purpose: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"iro-desktop archive " + purpose + b" v1").derive(archive_key)


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return {"nonce": nonce.hex(), "ct": AESGCM(key).encrypt(nonce, plaintext, aad).hex()}


def _open(key: bytes, slot: object, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        assert isinstance(slot, dict)
        nonce, ct = bytes.fromhex(slot["nonce"]), bytes.fromhex(slot["ct"])
        return AESGCM(key).decrypt(nonce, ct, aad)
    except InvalidTag:
        raise SlotAuthenticationError from None
    except (AssertionError, KeyError, TypeError, ValueError):
        raise SlotAuthenticationError from None


def load_public_key(data: bytes) -> bytes:
    """A council's X25519 public key, from a PEM file (``openssl genpkey -algorithm
    X25519`` then ``openssl pkey -pubout``) or 64 hex digits; 32 raw bytes out."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = load_pem_public_key(text)
        except (ValueError, TypeError):
            raise ArchiveError("The public key file could not be read (expected a PEM "
                               "X25519 public key).") from None
        if not isinstance(key, X25519PublicKey):
            raise ArchiveError("The public key is not an X25519 key; ask the council for an "
                               "X25519 public key (openssl genpkey -algorithm X25519).")
        return recovery.public_bytes(key)
    try:
        raw = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ArchiveError("The public key must be a PEM X25519 public key or 64 hex digits.")
    return raw


def load_private_key(data: bytes):  # type: ignore[no-untyped-def]
    """The council's X25519 private key (PEM, unencrypted, or 64 hex digits)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = load_pem_private_key(text, password=None)
        except (ValueError, TypeError):
            raise ArchiveError("The private key file could not be read (expected an "
                               "unencrypted PEM X25519 private key).") from None
        if not isinstance(key, X25519PrivateKey):
            raise ArchiveError("The private key is not an X25519 key.")
        return key
    try:
        return X25519PrivateKey.from_private_bytes(bytes.fromhex(text.decode("ascii")))
    except (UnicodeDecodeError, ValueError):
        raise ArchiveError("The private key must be a PEM X25519 private key or 64 hex "
                           "digits.") from None


# ---- what the archive holds --------------------------------------------------------------


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def council_records(vault: Vault, council_id: str) -> dict[str, Any]:
    """Every child record (on the caseload or not) and every review of the council as
    JSON-ready data: the content of ``exports.json.enc``."""
    from iro_desktop.services.returns import review_json

    council = vault.council(council_id)
    names = [f.name for f in fields(ChildRecord)]
    children: list[dict[str, object]] = []
    review_ids: list[tuple[str, int, int]] = []
    with vault.session(council_id) as s:
        for row in s.scalars(select(ChildRow).order_by(ChildRow.child_ref)):
            item = {name: _jsonable(getattr(row, name)) for name in names}
            item.update(status=row.status, placement_confidential=bool(row.placement_confidential),
                        placement_address=row.placement_address)
            children.append(item)
        for rid, number, ref in s.execute(select(ReviewRow.id, ReviewRow.number, ChildRow.child_ref)
                                          .join(ChildRow, ChildRow.id == ReviewRow.child_id)):
            review_ids.append((ref, number, rid))
    reviews = [review_json(vault, council_id, rid) for _ref, _n, rid in sorted(review_ids)]
    return {"format": RECORDS_FORMAT, "version": 1,
            "council": {"code": council.code, "name": council.name,
                        "nation": council.nation.value},
            "children": children, "reviews": reviews}


def _counts(vault: Vault, council_id: str) -> dict[str, int]:
    with vault.session(council_id) as s:
        def count(model, *where) -> int:  # type: ignore[no-untyped-def]
            return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        return {"children": count(ChildRow),
                "children_on_caseload": count(ChildRow, ChildRow.status == "active"),
                "reviews": count(ReviewRow), "outbox_items": count(OutboxItemRow)}


# ---- export ------------------------------------------------------------------------------


def export_archive(vault: Vault, council_id: str, out: Path, *, passphrase: str | None = None,
                   public_key: bytes | None = None, kdf: KdfParams | None = None,
                   overwrite: bool = False, enforce_policy: bool = True) -> ArchiveResult:
    """Write one encrypted archive of everything held for the council to ``out``
    (atomically, owner-only). Protected by ``passphrase`` (not the vault's own) or sealed
    to the council's ``public_key`` (32 bytes, see :func:`load_public_key`)."""
    council = vault.council(council_id)
    out = Path(out).expanduser()
    _check_target(vault, out, overwrite)
    if (passphrase is None) == (public_key is None):
        raise ArchiveError("Give either a passphrase or the council's public key for the "
                           "archive (not both).")
    if passphrase is not None:
        _check_passphrase(vault, passphrase, enforce_policy)
    archive_key = os.urandom(32)
    database = _database_copy(vault, council_id, _subkey(archive_key, b"database"))
    records = json.dumps(council_records(vault, council_id), ensure_ascii=False).encode("utf-8")
    nonce = os.urandom(12)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    exports = nonce + AESGCM(_subkey(archive_key, b"exports")).encrypt(nonce, records,
                                                                       _EXPORTS_AAD)
    del records
    counts = _counts(vault, council_id)
    if passphrase is not None:
        params = kdf or calibrate()
        protection: dict[str, object] = {"type": "passphrase", "kdf": params.to_dict()}
    else:
        assert public_key is not None
        if len(public_key) != 32:
            raise ArchiveError("The council's public key must be 32 bytes (X25519).")
        protection = {"type": "x25519", "recipient_public_key": public_key.hex()}
    manifest = json.dumps({
        "format": FORMAT, "version": VERSION,
        "archive_id": os.urandom(16).hex(),
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "app_version": __version__,
        "council": {"id": council.id, "code": council.code, "name": council.name,
                    "nation": council.nation.value},
        "counts": counts,
        "protection": protection,
        "parts": {DATABASE: {"sha256": hashlib.sha256(database).hexdigest(),
                             "size": len(database), "cipher": "sqlcipher4-raw-key"},
                  EXPORTS: {"sha256": hashlib.sha256(exports).hexdigest(),
                            "size": len(exports), "cipher": "aes-256-gcm"}},
    }, indent=1, sort_keys=True).encode("utf-8")
    if passphrase is not None:
        kek = params.derive(passphrase)
        key_part = {"type": "passphrase", "check": _seal(kek, _CHECK, _CHECK_AAD),
                    "wrapped_key": _seal(kek, archive_key, manifest)}
    else:
        assert public_key is not None  # one of the two is required (checked above)
        key_part = {"type": "x25519",
                    "sealed_key": recovery.seal(public_key, archive_key, manifest)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in ((MANIFEST, manifest),
                           (KEY, json.dumps(key_part, indent=1).encode("utf-8")),
                           (DATABASE, database), (EXPORTS, exports)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    atomic_write(out, buffer.getvalue())
    with vault.session(council_id) as s:
        audit(s, "archive.exported", children=counts["children"], reviews=counts["reviews"])
    log.info("archive.exported council=%s", council_id)
    return ArchiveResult(out.resolve(), council, counts, str(protection["type"]))


def _check_target(vault: Vault, out: Path, overwrite: bool) -> None:
    if out.is_dir():
        raise ArchiveError(f"{out} is a folder; give a file name for the archive.")
    if not out.parent.is_dir():
        raise ArchiveError(f"The folder {out.parent} does not exist.")
    if out.exists() and not overwrite:
        raise ArchiveError(f"{out} already exists; choose another name or replace it.")
    root = vault.root.resolve()
    if out.parent.resolve() == root or root in out.parent.resolve().parents:
        raise ArchiveError("Save the archive outside the vault folder.")


def _check_passphrase(vault: Vault, passphrase: str, enforce_policy: bool) -> None:
    if enforce_policy:
        from iro_desktop.security.passphrase_policy import assess

        verdict = assess(passphrase)
        if not verdict.acceptable:
            raise ArchiveError(f"The archive passphrase is too weak: {verdict.feedback}")
    if vault.is_passphrase(passphrase):
        raise ArchiveError("Use a different passphrase for the archive than for your vault: "
                           "whoever receives the archive would otherwise learn it.")


def _database_copy(vault: Vault, council_id: str, key: bytes) -> bytes:
    staging = vault.staging_path()
    try:
        vault.copy_council(council_id, staging, key)
        return staging.read_bytes()
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{staging}{suffix}").unlink(missing_ok=True)


# ---- import ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Opened:
    manifest: dict[str, Any]
    archive_key: bytes
    database: bytes


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of an archive, unverified (to show what it says before a passphrase
    is asked for). Raises ArchiveError if the file is not an archive."""
    return _parse_manifest(_parts(Path(path))[MANIFEST], Path(path))


def import_archive(vault: Vault, path: Path, *, passphrase: str | None = None,
                   private_key: bytes | None = None) -> ArchiveResult:
    """Restore a council from an archive into this vault. Everything is verified first;
    on any problem nothing is changed. The council gets a fresh key of this vault."""
    path = Path(path).expanduser()
    opened = _open_archive(path, passphrase, private_key)
    code = str(opened.manifest["council"]["code"])
    if vault.council_by_code(code) is not None:
        raise ArchiveError(f"Council {code} is already in this vault, so the archive was not "
                           "imported. Nothing was changed.")
    staging = vault.staging_path()
    try:
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, opened.database)
        finally:
            os.close(fd)
        council = vault.import_council(staging, _subkey(opened.archive_key, b"database"))
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{staging}{suffix}").unlink(missing_ok=True)
    counts = _counts(vault, council.id)
    with vault.session(council.id) as s:
        audit(s, "archive.imported", children=counts["children"], reviews=counts["reviews"])
    log.info("archive.imported council=%s", council.id)
    return ArchiveResult(path.resolve(), council, counts,
                         str(opened.manifest["protection"]["type"]))


def _damaged(path: Path, what: str) -> ArchiveError:
    return ArchiveError(f"The archive {path.name} is damaged or was changed after it was made "
                        f"({what}). Nothing was imported.")


def _parts(path: Path) -> dict[str, bytes]:
    try:
        size = path.stat().st_size
        if size > MAX_ARCHIVE_BYTES:
            raise ArchiveError(f"{path.name} is {size / 1048576:.0f} MB, larger than any "
                               "archive this app makes. Nothing was imported.")
        data = path.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            if sorted(names) != sorted(PARTS):
                raise ArchiveError(f"{path.name} is not an iro-desktop council archive (its "
                                   "parts are not the expected ones). Nothing was imported.")
            out: dict[str, bytes] = {}
            for info in infos:
                limit = MAX_SMALL_PART if info.filename in (MANIFEST, KEY) else MAX_ARCHIVE_BYTES
                if info.compress_type != zipfile.ZIP_STORED or info.file_size > limit \
                        or info.file_size > len(data):
                    raise _damaged(path, f"{info.filename} is not stored as this app stores it")
                out[info.filename] = zf.read(info)
            return out
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise _damaged(path, "a part does not match its checksum") from None
        raise ArchiveError(f"{path.name} is not a complete iro-desktop council archive (it "
                           "may be cut short). Nothing was imported.") from None
    except (EOFError, OSError, ValueError, NotImplementedError):
        raise ArchiveError(f"{path.name} is not a complete iro-desktop council archive (it "
                           "may be cut short). Nothing was imported.") from None


def _parse_manifest(raw: bytes, path: Path) -> dict[str, Any]:
    from iro_desktop.core.bounds import too_deep

    try:
        text = raw.decode("utf-8")
        deep = too_deep(text)
        if deep:
            raise _damaged(path, f"the manifest is not as this app writes it ({deep})")
        manifest = json.loads(text)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ArchiveError(f"{path.name} is not an iro-desktop council archive. Nothing was "
                           "imported.") from None
    if manifest.get("version") != VERSION:
        raise ArchiveError(f"{path.name} is archive format version {manifest.get('version')!r};"
                           f" this iro-desktop reads version {VERSION}. Install the matching "
                           "version. Nothing was imported.")
    try:
        council = manifest["council"]
        assert isinstance(council["code"], str) and isinstance(council["name"], str)
        assert manifest["protection"]["type"] in ("passphrase", "x25519")
        for part in (DATABASE, EXPORTS):
            assert isinstance(manifest["parts"][part]["sha256"], str)
    except (AssertionError, KeyError, TypeError):
        raise _damaged(path, "the manifest is incomplete") from None
    return manifest


def _open_archive(path: Path, passphrase: str | None, private_key: bytes | None) -> _Opened:
    from iro_desktop.core.bounds import too_deep

    parts = _parts(path)
    raw_manifest = parts[MANIFEST]
    manifest = _parse_manifest(raw_manifest, path)
    try:
        text = parts[KEY].decode("utf-8")
        if too_deep(text):
            raise ValueError
        key_part = json.loads(text)
        assert isinstance(key_part, dict)
    except (UnicodeDecodeError, ValueError, AssertionError, RecursionError):
        raise _damaged(path, "the key part is unreadable") from None
    kind = manifest["protection"]["type"]
    if key_part.get("type") != kind:
        raise _damaged(path, "the key part does not match the manifest")
    if kind == "passphrase":
        if passphrase is None:
            raise ArchiveSecretError("This archive is protected by a passphrase; give it to "
                                     "import the archive.")
        try:
            params = KdfParams.from_dict(manifest["protection"].get("kdf"))
        except KeystoreTamperedError:
            raise _damaged(path, "its key derivation settings are outside safe limits") from None
        kek = params.derive(passphrase)
        try:
            _open(kek, key_part.get("check"), _CHECK_AAD)
        except SlotAuthenticationError:
            raise ArchiveSecretError("That passphrase does not open this archive. Nothing was "
                                     "imported.") from None
        try:
            archive_key = _open(kek, key_part.get("wrapped_key"), raw_manifest)
        except SlotAuthenticationError:
            raise _damaged(path, "the manifest or the key does not verify") from None
    else:
        if private_key is None:
            raise ArchiveSecretError("This archive is sealed to the council's public key; give "
                                     "the matching private key to import it.")
        key = load_private_key(private_key)
        own = recovery.public_bytes(key.public_key()).hex()
        if own != manifest["protection"].get("recipient_public_key"):
            raise ArchiveSecretError("That private key is not the one this archive was sealed "
                                     "to. Nothing was imported.")
        sealed = key_part.get("sealed_key")
        if not isinstance(sealed, dict):
            raise _damaged(path, "the manifest or the key does not verify")
        try:
            archive_key = recovery.unseal(key, sealed, raw_manifest)
        except (SlotAuthenticationError, KeyError, TypeError, ValueError, AttributeError):
            raise _damaged(path, "the manifest or the key does not verify") from None
    if len(archive_key) != 32:
        raise _damaged(path, "the key has the wrong length")
    for part in (DATABASE, EXPORTS):
        if hashlib.sha256(parts[part]).hexdigest() != manifest["parts"][part]["sha256"]:
            raise _damaged(path, f"{part} does not match the manifest")
    exports = parts[EXPORTS]
    try:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        AESGCM(_subkey(archive_key, b"exports")).decrypt(exports[:12], exports[12:], _EXPORTS_AAD)
    except (InvalidTag, ValueError):
        raise _damaged(path, f"{EXPORTS} does not verify") from None
    return _Opened(manifest, archive_key, parts[DATABASE])


# ---- the service the window holds ---------------------------------------------------------


class ArchiveService:
    """The hand-over archive over one vault, for the window (which holds services, not the
    vault): the functions above, with the councils an archive can be made of."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def councils(self) -> list[Council]:
        return self.vault.councils()

    def council(self, council_id: str) -> Council:
        return self.vault.council(council_id)

    def export_archive(self, council_id: str, out: Path, *, passphrase: str | None = None,
                       public_key: bytes | None = None, kdf: KdfParams | None = None,
                       overwrite: bool = False) -> ArchiveResult:
        """:func:`export_archive` of this vault."""
        return export_archive(self.vault, council_id, out, passphrase=passphrase,
                              public_key=public_key, kdf=kdf, overwrite=overwrite)

    def import_archive(self, path: Path, *, passphrase: str | None = None,
                       private_key: bytes | None = None) -> ArchiveResult:
        """:func:`import_archive` into this vault."""
        return import_archive(self.vault, path, passphrase=passphrase,
                              private_key=private_key)

    @staticmethod
    def read_manifest(path: Path) -> dict[str, Any]:
        return read_manifest(path)

    @staticmethod
    def load_public_key(data: bytes) -> bytes:
        return load_public_key(data)
