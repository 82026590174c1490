"""Reading a vault without writing anything to it, for the command line's read-only
commands (``iro-desktop due``), and without importing SQLAlchemy, Alembic or the ORM.

:class:`ReadOnlyVault` opens the vault as :class:`~iro_desktop.storage.vault.Vault` does
(the instance lock, then the keystore; then the passphrase or the key remembered on this
computer, through the same :class:`~iro_desktop.security.keystore.Keystore` checks, with
the same errors), then each council database through ``sqlcipher3`` alone:

* as an immutable, read-only URI: SQLite takes no lock, makes no ``-wal`` or ``-shm``
  file, checkpoints nothing and cannot write;
* ``PRAGMA cipher_version`` must answer (as on every connection of the normal open) and
  page 1 must decrypt and authenticate;
* the schema must be at the current revision, the database's council must be the one the
  keystore holds it for, and its generation must not be behind the keystore's (an older
  copy put back, or commits lost from a WAL).

It decides nothing about damage itself. Whatever it cannot vouch for raises
:class:`NeedsFullOpen` (whose reason holds no child data): a database not closed cleanly
(a ``-wal``, ``-shm`` or ``-journal`` beside it, or the ``.open`` marker of a session that
wrote and did not lock), any failed check or unreadable page, an older schema, or what an
interrupted operation left behind (the things ``Vault`` tidies at unlock). The caller then
opens the vault the normal way, which recovers, migrates or refuses with its own message,
exactly as before: that command may write (a recovery, a migration), the next ones do not.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from iro_desktop.core.models import Council, Nation
from iro_desktop.security.errors import VaultError, VaultNotFoundError
from iro_desktop.security.keystore import Keystore
from iro_desktop.security.secret_store import KeyringSecretStore, SecretStore
from iro_desktop.storage.instance_lock import InstanceLock
from iro_desktop.storage.schema_revision import HEAD_REVISION
from iro_desktop.storage.snapshots import BACKUPS_DIR
from iro_desktop.storage.vault import (
    COUNCILS_DIR,
    KEYSTORE_NAME,
    STAGING_SUFFIX,
    Vault,
    remembered_kek,
)

log = logging.getLogger(__name__)

# Files beside a database that mean it was not closed cleanly: SQLite removes its -wal and
# -shm when the last connection closes, and a -journal only outlives a transaction cut short.
_UNCLEAN_SIDE_FILES = ("-wal", "-shm", "-journal")


class NeedsFullOpen(Exception):
    """The read-only open cannot vouch for this vault as it is: open it the normal way.
    ``reason`` names the condition only (never child data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def connect_read_only(path: Path, dek: bytes) -> sqlcipher.Connection:
    """A keyed connection that can only read ``path`` and leaves no file behind; raises
    :class:`NeedsFullOpen` if page 1 does not decrypt, VaultError if SQLCipher is not active."""
    if len(dek) != 32:
        raise ValueError("a data key is 32 bytes")
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    conn = sqlcipher.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_memory_security = ON")
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
        version = conn.execute("PRAGMA cipher_version").fetchone()
        if not version or not version[0]:
            raise VaultError("SQLCipher is not active: refusing to open a database unencrypted")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA query_only = ON")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (sqlcipher.DatabaseError, MemoryError):
            raise NeedsFullOpen("page 1 did not authenticate") from None
        return conn
    except BaseException:
        conn.close()
        raise


class ReadOnlyVault:
    """A vault opened to read only (see the module's description). Use as a context
    manager, or call :meth:`close`: it holds the instance lock like ``Vault``."""

    def __init__(self, root: Path, *, secret_store: SecretStore | None = None) -> None:
        self.root = Path(root)
        self.secrets: SecretStore = (secret_store if secret_store is not None
                                     else KeyringSecretStore())
        self._instance = InstanceLock(self.root)
        self._keystore: Keystore | None = None
        self._connections: dict[str, sqlcipher.Connection] = {}
        self._councils: dict[str, Council] = {}
        self._rules: dict[str, str] = {}

    # ---- opening, as Vault.open and Vault.unlock ---------------------------------------

    def open(self) -> "ReadOnlyVault":
        """Take the single-instance lock and read the keystore (no keys yet)."""
        if not Vault.exists(self.root):
            raise VaultNotFoundError(f"no vault was found in {self.root}")
        self._instance.acquire()
        try:
            self._keystore = Keystore.load(self.root / KEYSTORE_NAME)
        except BaseException:
            self._instance.release()
            raise
        return self

    def unlock(self, passphrase: str) -> None:
        store = self._require_keystore()
        kek = store.derive_kek(passphrase)  # WrongPassphraseError, KeystoreTamperedError
        self._open_councils(store.unwrap_all(kek))

    def unlock_with_keyring(self) -> bool:
        """As ``Vault.unlock_with_keyring``: False (never an error) if the key remembered on
        this computer is missing or unusable."""
        store = self._require_keystore()
        kek = remembered_kek(store, self.secrets)
        if kek is None:
            return False
        self._open_councils(store.unwrap_all(kek))
        return True

    def _open_councils(self, deks: dict[str, bytes]) -> None:
        store = self._require_keystore()
        self._check_nothing_left_over()
        try:
            for council_id, dek in deks.items():
                self._open_council(council_id, dek, store.generation(council_id))
        except BaseException:
            self._close_connections()
            raise
        finally:
            deks.clear()
        log.info("vault.opened_read_only councils=%d", len(self._councils))

    def _check_nothing_left_over(self) -> None:
        """What ``Vault`` removes at unlock after an interrupted operation is not touched
        here: the normal open finishes it."""
        councils = self.root / COUNCILS_DIR
        leftovers = [*councils.glob("*.pending"), *councils.glob(f"*{STAGING_SUFFIX}*"),
                     *councils.glob("*.db.restoring"), *(self.root / BACKUPS_DIR).glob("*/*.tmp")]
        if leftovers:
            raise NeedsFullOpen("an interrupted operation left files to tidy")

    def _open_council(self, council_id: str, dek: bytes, expected_generation: int) -> None:
        path = self.root / COUNCILS_DIR / f"{council_id}.db"
        if not path.is_file() or path.stat().st_size < 4096:
            raise NeedsFullOpen("a council database is missing or cut short")
        if any(Path(f"{path}{suffix}").exists() for suffix in _UNCLEAN_SIDE_FILES) or \
                path.with_name(f"{council_id}.open").exists():
            raise NeedsFullOpen("a council database was not closed cleanly")
        conn = connect_read_only(path, dek)
        try:
            try:
                council, generation = _council_and_generation(conn, council_id)
                rules = conn.execute("SELECT rules_json FROM council WHERE id = ?",
                                     (council_id,)).fetchone()[0]
            except (sqlcipher.DatabaseError, MemoryError):
                raise NeedsFullOpen("a council database could not be read") from None
            if generation < expected_generation:
                raise NeedsFullOpen("a council database is older than the keystore")
        except BaseException:
            conn.close()
            raise
        self._connections[council_id] = conn
        self._councils[council_id] = council
        self._rules[council_id] = str(rules)

    # ---- reading ---------------------------------------------------------------------

    def councils(self) -> list[Council]:
        """Every council, by code (as ``Vault.councils``)."""
        return sorted(self._councils.values(), key=lambda c: c.code)

    def council_by_code(self, code: str) -> Council | None:
        return next((c for c in self._councils.values() if c.code == code.upper()), None)

    def rules_json(self, council_id: str) -> str:
        """The council's review-clock rules as stored (JSON text)."""
        return self._rules[council_id]

    def rows(self, council_id: str, sql: str,
             params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of ``sql`` on one council's database. A page that fails its check
        while being read raises :class:`NeedsFullOpen` (the normal open names it)."""
        try:
            return self._connections[council_id].execute(sql, tuple(params)).fetchall()
        except (sqlcipher.DatabaseError, MemoryError):
            raise NeedsFullOpen("a council database could not be read") from None

    # ---- closing ---------------------------------------------------------------------

    def _close_connections(self) -> None:
        for conn in self._connections.values():
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing must always go on to the next
                log.warning("vault.read_only_close_failed")
        self._connections.clear()
        self._councils.clear()
        self._rules.clear()

    def close(self) -> None:
        self._close_connections()
        self._keystore = None
        self._instance.release()

    def __enter__(self) -> "ReadOnlyVault":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_keystore(self) -> Keystore:
        if self._keystore is None:
            raise VaultError("the vault is not open")
        return self._keystore


def _council_and_generation(conn: sqlcipher.Connection,
                            council_id: str) -> tuple[Council, int]:
    """The council a database belongs to and its generation, after the schema revision
    (as ``Vault._open_council`` reads them); NeedsFullOpen for anything unexpected."""
    has_version = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND "
                               "name='alembic_version'").fetchone()
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone() \
        if has_version else None
    if revision is None or revision[0] != HEAD_REVISION:
        raise NeedsFullOpen("a council database is not at the current schema")
    row = conn.execute("SELECT id, code, name, nation, colour FROM council WHERE id = ?",
                       (council_id,)).fetchone()
    if row is None:
        raise NeedsFullOpen("a council database does not belong with this keystore")
    try:
        council = Council(id=row[0], code=row[1], name=row[2], nation=Nation(row[3]),
                          colour=row[4])
    except ValueError:
        raise NeedsFullOpen("a council database holds an unknown nation") from None
    meta = conn.execute("SELECT value FROM vault_meta WHERE key = 'generation'").fetchone()
    try:
        generation = int(meta[0]) if meta is not None else 0
    except (TypeError, ValueError):
        raise NeedsFullOpen("a council database's generation is unreadable") from None
    return council, generation
