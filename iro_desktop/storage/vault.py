"""The vault: a folder holding the keystore and one SQLCipher database per council.

::

    <vault>/keystore.json        wrapped data keys (security/keystore.py)
    <vault>/councils/<id>.db     one encrypted database per council (+ -wal, -shm)
    <vault>/vault.lock           held while a process has the vault open

A ``Vault`` object is opened (instance lock + keystore), then unlocked with
the passphrase, the recovery key or the computer's keyring. Locking disposes
of every engine and forgets the keys; observers hear ``on_locked``.

Councils come and go: ``add_council`` makes a new database and key,
``import_council`` takes in a database handed over from another laptop (re-keyed
to a fresh key), ``copy_council`` writes a re-keyed copy for a hand-over archive,
and ``erase_council`` destroys a council's key and then its files.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast


from iro_desktop.core.models import Council, Nation
from iro_desktop.fsutil import atomic_write, ensure_private_dir, fsync_dir
from iro_desktop.security.errors import (
    DatabaseTamperedError,
    VaultError,
    VaultExistsError,
    VaultLockedError,
    WeakPassphraseError,
    WrongPassphraseError,
)
from iro_desktop.security.kdf import KdfParams, calibrate
from iro_desktop.security.keystore import _ID_RE, Keystore, new_data_key, new_id
from iro_desktop.security.recovery import format_recovery_key
from iro_desktop.security.secret_store import KeyringSecretStore, SecretStore


def assess(passphrase: str):  # type: ignore[no-untyped-def]
    """The passphrase policy (imported on use: its word lists are large)."""
    from iro_desktop.security.passphrase_policy import assess as policy

    return policy(passphrase)
from iro_desktop.storage.instance_lock import InstanceLock
from iro_desktop.storage.snapshots import BACKUPS_DIR, SnapshotsMixin

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from iro_desktop.storage.models import CouncilRow

log = logging.getLogger(__name__)
T = TypeVar("T")


def _db():  # type: ignore[no-untyped-def]
    """The database layer, imported on first use (it is slow to import)."""
    from iro_desktop.storage import _db as db

    return db

KEYSTORE_NAME = "keystore.json"
BUSY_MESSAGE = ("The council database is busy with another task. Try again in a moment; "
                "nothing was lost.")
# vault_meta: the generation of the last write that changed the records (not only the
# search index); what Vault.read_cached keeps is valid while it is the same.
CONTENT_KEY = "content_generation"
COUNCILS_DIR = "councils"
# Re-keyed copies made for a hand-over archive (export or import) live here only while
# being made; they are SQLCipher files under the archive's key, never plaintext.
STAGING_SUFFIX = ".staging"
_DB_SIDE_FILES = ("", "-wal", "-shm", "-journal")
# Distinct, dark enough for white text (WCAG AA) and told apart by code as well as colour.
COUNCIL_COLOURS = ("#1f5fa8", "#a0522d", "#2e7d32", "#7b1fa2", "#c62828", "#00695c",
                   "#5d4037", "#ad1457")


@dataclass(frozen=True, slots=True)
class CheckResult:
    council_code: str
    database: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def remembered_kek(store: Keystore, secrets: SecretStore) -> bytes | None:
    """The vault's key-encryption key from the key remembered on this computer's keyring,
    or None (never an error) if none is remembered or it no longer opens the keystore."""
    if store.keyring_slot is None:
        return None
    device_key = secrets.get(store.vault_id)
    if device_key is None:
        return None
    try:
        return store.kek_from_device_key(device_key)
    except VaultError:
        return None


class Vault(SnapshotsMixin):
    def __init__(self, root: Path, *, secret_store: SecretStore | None = None) -> None:
        self.root = Path(root)
        self.secrets: SecretStore = secret_store if secret_store is not None else KeyringSecretStore()
        self._instance = InstanceLock(self.root)
        self._keystore: Keystore | None = None
        self._kek: bytes | None = None
        self._deks: dict[str, bytes] = {}
        self._engines: dict[str, Engine] = {}
        self._councils: dict[str, Council] = {}
        self._failures = 0
        self.locked_listeners: list[Callable[[], None]] = []
        # Councils whose database failed authentication this session: never written again
        # (the damaged file is evidence), reported by check and in the window.
        self.damaged: dict[str, DatabaseTamperedError] = {}
        # Write tracking (see docs/security-design.md "Generations"): each council's
        # generation as now in its database, those written this session (checked first,
        # snapshot at lock), and a generation committed but not yet in the keystore.
        self._generations: dict[str, int] = {}
        self._written: set[str] = set()
        self._pending: dict[str, int] = {}
        # Per council: its engine and the same engine for reading (read_session), and what
        # read_cached keeps, by (council, name): ((engine, generation), value).
        self._readers: dict[str, tuple[Engine, Engine]] = {}
        self._read_cache: dict[tuple[str, str], tuple[tuple[object, object], object]] = {}
        # Set on a thread while its session writes only the search index (see session).
        self._index_only = threading.local()
        # The first write's page check done ahead on a background thread
        # (check_before_writing): per council, the database files as they were then.
        # Valid for this unlock only (the token changes at each lock).
        self._checked_ahead: dict[str, tuple[object, ...]] = {}
        self._unlock_token = object()

    # ---- paths and existence -------------------------------------------------------

    @property
    def keystore_path(self) -> Path:
        return self.root / KEYSTORE_NAME

    def database_path(self, council_id: str) -> Path:
        return self.root / COUNCILS_DIR / f"{council_id}.db"

    @staticmethod
    def exists(root: Path) -> bool:
        return (Path(root) / KEYSTORE_NAME).is_file()

    @property
    def vault_id(self) -> str:
        return self._require_keystore().vault_id

    # ---- lifecycle -----------------------------------------------------------------

    @classmethod
    def create(cls, root: Path, passphrase: str, *, kdf: KdfParams | None = None,
               secret_store: SecretStore | None = None,
               enforce_policy: bool = True) -> tuple["Vault", str]:
        """Make a new, empty, unlocked vault. Returns it and the recovery key text (show once)."""
        root = Path(root)
        if cls.exists(root):
            raise VaultExistsError(f"a vault already exists in {root}")
        if enforce_policy:
            verdict = assess(passphrase)
            if not verdict.acceptable:
                raise WeakPassphraseError(verdict.feedback)
        ensure_private_dir(root)
        ensure_private_dir(root / COUNCILS_DIR)
        vault = cls(root, secret_store=secret_store)
        vault._instance.acquire()
        try:
            store, kek, secret = Keystore.create(vault.keystore_path, passphrase,
                                                 kdf or calibrate())
            store.save()
        except BaseException:
            vault._instance.release()
            raise
        vault._keystore, vault._kek = store, kek
        log.info("vault.created")
        return vault, format_recovery_key(secret)

    def open(self) -> "Vault":
        """Take the single-instance lock and read the keystore (no keys yet)."""
        if not self._instance.held:
            if not self.exists(self.root):
                from iro_desktop.security.errors import VaultNotFoundError

                raise VaultNotFoundError(f"no vault was found in {self.root}")
            self._instance.acquire()
        try:
            self._keystore = Keystore.load(self.keystore_path)
        except BaseException:
            self._instance.release()
            raise
        return self

    @property
    def is_open(self) -> bool:
        return self._keystore is not None

    @property
    def is_unlocked(self) -> bool:
        return self._kek is not None

    def unlock(self, passphrase: str, *, tolerate_damaged: bool = False) -> None:
        """Unlock with the passphrase. A damaged council database raises, unless
        ``tolerate_damaged``: then the others open and ``damaged`` names it."""
        store = self._require_keystore()
        try:
            kek = store.derive_kek(passphrase)
        except WrongPassphraseError:
            self._failures += 1
            if self._failures >= 3:  # growing delay against guessing at the keyboard
                time.sleep(min(30.0, 2.0 ** (self._failures - 3)))
            raise
        self._failures = 0
        self._finish_unlock(kek, store.unwrap_all(kek), tolerate_damaged)

    def unlock_with_keyring(self, *, tolerate_damaged: bool = False) -> bool:
        """Unlock with the key remembered on this computer; False (never an error) if unusable."""
        store = self._require_keystore()
        kek = remembered_kek(store, self.secrets)
        if kek is None:
            return False
        self._finish_unlock(kek, store.unwrap_all(kek), tolerate_damaged)
        return True

    def unlock_with_recovery(self, recovery_text: str, new_passphrase: str,
                             *, kdf: KdfParams | None = None) -> None:
        """Unlock with the recovery key; a new passphrase is set at the same time."""
        verdict = assess(new_passphrase)
        if not verdict.acceptable:
            raise WeakPassphraseError(verdict.feedback)
        store = self._require_keystore()
        deks = store.unwrap_all_with_recovery(recovery_text)
        kek = store.rewrap(new_passphrase, deks, kdf or store.kdf.with_new_salt())
        store.save()
        self.secrets.delete(store.vault_id)
        self._finish_unlock(kek, deks)
        log.info("vault.recovered")

    def _finish_unlock(self, kek: bytes, deks: dict[str, bytes],
                       tolerate_damaged: bool = False) -> None:
        self._kek, self._deks = kek, deks
        self.damaged = {}
        self._remove_orphans(set(deks))
        try:
            for council_id, dek in deks.items():
                try:
                    self._open_council(council_id, dek)
                except DatabaseTamperedError as exc:
                    if not exc.council_code:  # unreadable: its newest snapshot says which
                        exc.council_code = self._snapshot_code(council_id)
                    self.damaged[council_id] = exc
                    log.warning("vault.council_damaged council=%s", council_id)
                    if not tolerate_damaged:
                        raise
        except BaseException:
            self._close_databases()  # quietly: nobody saw it unlocked
            raise
        log.info("vault.unlocked councils=%d", len(self._councils))

    def _remove_orphans(self, known: set[str]) -> None:
        """Finish what a crash interrupted while a council was being added.

        ``add_council`` leaves a ``<id>.pending`` marker until the keystore holds the new key.
        A database with a marker and no key can never be read, so it is removed. A database
        with no key and *no* marker is not touched: that is a keystore that lost an entry,
        which ``check`` reports.
        """
        for marker in (self.root / COUNCILS_DIR).glob("*.pending"):
            council_id = marker.name.removesuffix(".pending")
            if council_id not in known:
                for suffix in _DB_SIDE_FILES:
                    Path(f"{self.database_path(council_id)}{suffix}").unlink(missing_ok=True)
                self._open_marker(council_id).unlink(missing_ok=True)
                backups = self.backups_dir(council_id)
                if backups.is_dir():  # an erase cut short after its key was destroyed
                    for snap in backups.iterdir():
                        snap.unlink(missing_ok=True)
                    backups.rmdir()
                log.info("vault.unfinished_council_removed")
            marker.unlink(missing_ok=True)
        # An archive export or import cut short: its staging copy is encrypted under a key
        # that died with the process, so it can only be removed.
        for staging in (self.root / COUNCILS_DIR).glob(f"*{STAGING_SUFFIX}*"):
            staging.unlink(missing_ok=True)
            log.info("vault.staging_removed")
        # A snapshot or a restore cut short: the complete snapshots are untouched.
        for partial in [*(self.root / BACKUPS_DIR).glob("*/*.tmp"),
                        *(self.root / COUNCILS_DIR).glob("*.db.restoring")]:
            partial.unlink(missing_ok=True)
            log.info("vault.partial_copy_removed")

    def _open_council(self, council_id: str, dek: bytes) -> Council:
        db = _db()
        path = self.database_path(council_id)
        if not path.is_file():
            raise DatabaseTamperedError(
                "A council database listed in the keystore is missing from the vault folder. "
                "Restore the folder from a backup.", pages=())
        code = ""  # unknown until the database is read; errors name the file instead
        if path.stat().st_size < 4096:  # not even one page: never let a migration write here
            raise DatabaseTamperedError(
                f"A council database ({path.name}) is empty or cut short. It has not been "
                "changed; restore it from a backup.")
        engine = db.open_engine(path, dek, council_code=code)
        try:
            with engine.connect() as conn:
                revision = db.migrate.current_revision(conn)
                if revision is None:
                    raise DatabaseTamperedError(
                        f"A council database ({path.name}) is not an iro-desktop database. "
                        "It has not been changed; restore it from a backup.")
                read = _council_and_generation(conn, council_id) \
                    if revision == db.migrate.HEAD_REVISION else None
            if read is None:  # migrations to run first
                db.migrate.upgrade(engine)
                with engine.connect() as conn:
                    read = _council_and_generation(conn, council_id)
            council, generation = read
            expected = self._require_keystore().generation(council_id)
            if generation < expected:
                _keep_wal_evidence(path)
                raise DatabaseTamperedError(
                    f"The {council.code} database is an older copy than this vault expects "
                    f"(generation {generation}, expected {expected}): it may have been replaced "
                    "by an old backup, and recent work would be missing. It has not been "
                    "changed; restore the latest copy.", council_code=council.code)
            marker = self._open_marker(council_id)
            if marker.exists():  # not closed cleanly last time: check every page first
                problems = self._integrity(path, dek)
                if problems:
                    raise DatabaseTamperedError(
                        f"The {council.code} database failed its integrity check after an "
                        f"unclean exit: {problems[0]}", council_code=council.code)
                log.info("vault.unclean_exit_checked council=%s", council_id)
                self._written.add(council_id)  # the marker stays until a clean lock
        except (db.SADatabaseError, MemoryError) as exc:
            engine.dispose()
            if not db.is_damage(exc):
                raise
            raise DatabaseTamperedError(
                f"The {code or 'council'} database ({path.name}) is damaged or was changed "
                "outside iro-desktop. It has not been modified; run 'iro-desktop check' to "
                "see which pages failed.", council_code=code) from None
        except BaseException:
            engine.dispose()
            raise
        self._forget_reads(council_id)
        self._engines[council_id] = engine
        self._councils[council_id] = council
        self._generations[council_id] = generation
        self._watch(council_id, engine)
        return council

    # ---- writes: checked first, counted, recorded in the keystore ------------------

    def _watch(self, council_id: str, engine: Engine) -> None:
        from iro_desktop.storage.engine import watch_writes

        watch_writes(engine, lambda conn: self._before_write_commit(council_id, conn))

    def _before_write_commit(self, council_id: str, conn) -> None:  # type: ignore[no-untyped-def]
        """Called inside a transaction that changed the database, just before COMMIT.

        The first write of a session checks every page first (a damaged page that no
        command read must not be written around), then leaves the ``.open`` marker. Every
        write transaction adds one to the database's generation in the same transaction;
        :meth:`_after_commit` records it in the keystore."""
        if council_id in self.damaged:
            raise self.damaged[council_id]
        if council_id not in self._written:
            dek = self._deks[council_id]
            ahead = self._checked_ahead.pop(council_id, None)
            if ahead is not None and ahead == self._files_as_now(council_id):
                problems = []  # checked on a background thread, and unchanged since
            else:
                problems = self._integrity(self.database_path(council_id), dek)
            if problems:
                council = self._councils.get(council_id)
                code = council.code if council else ""
                error = DatabaseTamperedError(
                    f"The {code or 'council'} database ({self.database_path(council_id).name}) "
                    f"failed its check before a change was saved: {problems[0]}. Nothing was "
                    "written to it; restore it with 'iro-desktop restore'.",
                    council_code=code, pages=_pages_of(problems))
                self.damaged[council_id] = error
                log.warning("vault.council_damaged council=%s", council_id)
                raise error
            atomic_write(self._open_marker(council_id), b"")
            self._written.add(council_id)
        generation = max(self._generations.get(council_id, 0),
                         self._pending.get(council_id, 0)) + 1
        cursor = conn.execute("UPDATE vault_meta SET value = ? WHERE key = 'generation'",
                              (str(generation),))
        if cursor.rowcount == 0:
            conn.execute("INSERT INTO vault_meta (key, value) VALUES ('generation', ?)",
                         (str(generation),))
        if not getattr(self._index_only, "on", False):
            # The records changed (not only the search index): what read_cached kept goes.
            conn.execute("INSERT INTO vault_meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (CONTENT_KEY, str(generation)))
        self._pending[council_id] = generation

    def check_before_writing(self, council_id: str) -> bool:
        """Check every page of a council's database now, as its first write of this
        unlock would, so that write need not (the check reads the whole file: 0.6-0.7 s
        for a 66 MB database, which on the GUI thread froze the first edit). Meant for a
        background thread; it opens its own connection and changes nothing.

        The result counts only while it still describes the file: the first write uses it
        if no write of this session came first and the database and its WAL have the same
        inode, size and modification time as when checked; otherwise that write checks
        again, as before. A problem found here is left to the first write (or
        ``iro-desktop check``) to report. True if the check passed and was kept."""
        token = self._unlock_token
        dek = self._deks.get(council_id)
        if dek is None or council_id in self._written or council_id in self.damaged:
            return False
        before = self._files_as_now(council_id)
        if self._integrity(self.database_path(council_id), dek):
            return False
        if token is not self._unlock_token or before != self._files_as_now(council_id) \
                or council_id in self._written:
            return False
        self._checked_ahead[council_id] = before
        log.info("vault.checked_ahead council=%s", council_id)
        return True

    def _files_as_now(self, council_id: str) -> tuple[object, ...]:
        """The database's and its WAL's (inode, size, mtime_ns), None for a missing file."""
        path = self.database_path(council_id)
        found: list[object] = []
        for candidate in (path, path.with_name(f"{path.name}-wal")):
            try:
                st = candidate.stat()
            except FileNotFoundError:
                found.append(None)
            else:
                found.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(found)

    def _after_commit(self, council_id: str) -> None:
        """The write committed: the keystore now records its generation, so a database
        later found behind it (an older copy, a WAL that lost frames) is refused."""
        generation = self._pending.pop(council_id, None)
        if generation is None:
            return
        self._generations[council_id] = generation
        self._save_generations()

    def _save_generations(self) -> None:
        store = self._keystore
        if store is None or self._kek is None:
            return
        changed = False
        for council_id, generation in self._generations.items():
            if council_id in store.councils and store.generation(council_id) < generation:
                store.set_generation(council_id, generation)
                changed = True
        if not changed:
            return
        try:
            store.reseal(self._kek)
            store.save()
        except (OSError, VaultError) as exc:  # the database is ahead (accepted); retried
            log.warning("vault.generation_save_failed kind=%s", type(exc).__name__)

    def _open_marker(self, council_id: str) -> Path:
        return self.root / COUNCILS_DIR / f"{council_id}.open"

    def _forget_reads(self, council_id: str | None = None) -> None:
        """Drop the reading engines and what read_cached kept (child data), for one council
        (its database closed or replaced) or all (locking)."""
        if council_id is None:
            self._readers.clear()
            self._read_cache.clear()
            self._checked_ahead.clear()
            return
        self._readers.pop(council_id, None)
        self._checked_ahead.pop(council_id, None)  # a check of the file it replaced
        for key in [k for k in self._read_cache if k[0] == council_id]:
            self._read_cache.pop(key, None)

    def lock(self) -> None:
        """Close every database and forget every key, then tell listeners. Safe to call twice."""
        was_unlocked = self.is_unlocked
        self._close_databases()
        if was_unlocked:
            log.info("vault.locked")
            for listener in list(self.locked_listeners):
                listener()

    def _close_databases(self) -> None:
        """Councils written this session are checkpointed and snapshotted, then every engine
        is disposed. A council only read is left exactly as it was: no checkpoint, no
        generation, no keystore rewrite."""
        for council_id, engine in list(self._engines.items()):
            try:
                if council_id in self._written and council_id not in self.damaged:
                    raw = engine.raw_connection()
                    try:
                        conn = raw.driver_connection
                        assert conn is not None  # a pooled connection that is open
                        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    finally:
                        raw.close()
                    self._snapshot(council_id, engine)
                    self._open_marker(council_id).unlink(missing_ok=True)
            except Exception as exc:  # noqa: BLE001 - locking must always forget the keys
                log.warning("vault.lock_checkpoint_failed council=%s kind=%s", council_id,
                            type(exc).__name__)
            try:
                engine.dispose()
            except Exception:  # noqa: BLE001
                log.warning("vault.dispose_failed council=%s", council_id)
        if self._written:
            self._save_generations()  # in case a save after a commit failed
        self._forget_reads()  # and every check made ahead
        self._unlock_token = object()  # a check still running is not kept
        self._engines.clear()
        self._councils.clear()
        self._deks.clear()
        self._generations.clear()
        self._written.clear()
        self._pending.clear()
        self._kek = None

    def close(self) -> None:
        self.lock()
        self._keystore = None
        self._instance.release()

    def __enter__(self) -> "Vault":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- secrets management --------------------------------------------------------

    def is_passphrase(self, passphrase: str) -> bool:
        """True if ``passphrase`` unlocks this vault (one key derivation; no delay added).
        Used to refuse a hand-over archive protected by the vault's own passphrase."""
        try:
            self._require_keystore().derive_kek(passphrase)
        except WrongPassphraseError:
            return False
        return True

    def change_passphrase(self, current: str, new: str, *, kdf: KdfParams | None = None) -> None:
        """Rewrap every data key under a new passphrase. The databases are not touched."""
        self._require_unlocked()
        verdict = assess(new)
        if not verdict.acceptable:
            raise WeakPassphraseError(verdict.feedback)
        store = self._require_keystore()
        store.derive_kek(current)
        remembered = store.keyring_slot is not None
        self._kek = store.rewrap(new, dict(self._deks), kdf or store.kdf.with_new_salt())
        if remembered:
            try:
                self._remember(store)
            except VaultError:  # the passphrase change stands; only "remember" is dropped
                store.keyring_slot = None
                log.info("vault.remember_dropped")
        store.save()
        log.info("vault.passphrase_changed")

    def new_recovery_key(self, passphrase: str) -> str:
        """Replace the recovery key (the old one stops working) and return the new one."""
        self._require_unlocked()
        store = self._require_keystore()
        kek = store.derive_kek(passphrase)
        secret = store.new_recovery(kek, dict(self._deks))
        store.save()
        log.info("vault.recovery_key_replaced")
        return format_recovery_key(secret)

    def keyring_available(self) -> bool:
        return self.secrets.available()

    @property
    def remembered(self) -> bool:
        return self._require_keystore().keyring_slot is not None

    def set_remembered(self, enabled: bool) -> None:
        store = self._require_keystore()
        if enabled:
            self._require_unlocked()
            self._remember(store)
        else:
            store.keyring_slot = None
            self.secrets.delete(store.vault_id)
        store.save()

    def _remember(self, store: Keystore) -> None:
        if not self.secrets.available():
            from iro_desktop.security.errors import KeyringUnavailableError

            raise KeyringUnavailableError(
                "This computer has no secure keyring; the passphrase will be asked each time.")
        assert self._kek is not None
        device_key = os.urandom(32)
        self.secrets.set(store.vault_id, device_key)
        store.set_keyring_slot(device_key, self._kek)

    # ---- councils and sessions -----------------------------------------------------

    def councils(self) -> list[Council]:
        """Every council that is open and usable (damaged ones are in ``damaged``)."""
        self._require_unlocked()
        return sorted((c for cid, c in self._councils.items() if cid not in self.damaged),
                      key=lambda c: c.code)

    def council(self, council_id: str) -> Council:
        self._require_unlocked()
        return self._councils[council_id]

    def council_by_code(self, code: str) -> Council | None:
        self._require_unlocked()
        return next((c for c in self._councils.values() if c.code == code.upper()), None)

    def add_council(self, code: str, name: str, nation: Nation,
                    rules: dict[str, object] | None = None) -> Council:
        """Create the council's own database and data key, then record the key."""
        db = _db()
        self._require_unlocked()
        if self.council_by_code(code) is not None:
            raise VaultError(f"council {code} is already in this vault")
        council_id, dek = new_id(), new_data_key()
        path = self.database_path(council_id)
        colour = self._next_colour()
        if rules is None:
            from iro_desktop.core.review_clock import default_rules

            rules = default_rules(nation).to_dict()
        marker = self._begin_new_database(council_id)
        engine = db.open_engine(path, dek, council_code=code)

        def fill(session: Session) -> None:
            session.add(db.CouncilRow(id=council_id, code=code.upper(), name=name,
                                      nation=nation.value, rules_json=json.dumps(rules),
                                      colour=colour, created_at=datetime.now()))
            session.add(db.MetaRow(key="generation", value="0"))
            session.add(db.AuditEvent(at=datetime.now(), code="council.created", detail=""))

        self._register_new(council_id, dek, engine, marker, fill)
        council = Council(id=council_id, code=code.upper(), name=name, nation=nation,
                          colour=colour)
        self._councils[council_id] = council
        log.info("vault.council_added council=%s", council_id)
        return council

    def import_council(self, source: Path, source_key: bytes) -> Council:
        """Take in a council database handed over from another vault.

        ``source`` is a SQLCipher file under ``source_key`` (the archive's key). Its pages
        are checked, then ``sqlcipher_export`` copies it into a new database under a fresh
        data key of this vault, so the archive's key never opens anything here. The
        council keeps its id; its code must not already be in this vault.
        """
        db = _db()
        self._require_unlocked()
        store = self._require_keystore()
        try:
            conn = db.raw_connect(source, source_key)
        except DatabaseTamperedError:
            raise VaultError("The council database in the archive could not be decrypted: it "
                             "is damaged. Nothing was imported.") from None
        try:
            council_id, code = self._check_incoming(conn, store)
            dek = new_data_key()
            marker = self._begin_new_database(council_id)
            try:
                _export_into(conn, self.database_path(council_id), dek)
            except BaseException:
                self._discard_new(council_id, marker)
                raise
        finally:
            conn.close()
        colour = self._next_colour()
        engine = db.open_engine(self.database_path(council_id), dek, council_code=code)

        def fill(session: Session) -> None:
            row = session.get(db.CouncilRow, council_id)
            assert row is not None
            row.colour = colour  # told apart from this vault's other councils
            session.merge(db.MetaRow(key="generation", value="0"))  # a new file in this vault
            session.add(db.AuditEvent(at=datetime.now(), code="council.imported", detail=""))

        self._register_new(council_id, dek, engine, marker, fill)
        with db.Session(engine) as session:
            row = session.get(db.CouncilRow, council_id)
            assert row is not None
            council = _council_from_row(row)
        self._councils[council_id] = council
        log.info("vault.council_imported council=%s", council_id)
        return council

    def _check_incoming(self, conn, store: Keystore) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        """(council id, code) of a database being imported; VaultError if it cannot be."""
        db = _db()
        problems = db.integrity_problems(conn)
        if problems:
            raise VaultError("The council database in the archive failed its check "
                             f"({problems[0]}). Nothing was imported.")
        not_ours = VaultError("The archive does not hold an iro-desktop council database. "
                              "Nothing was imported.")
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            rows = conn.execute("SELECT id, code, nation FROM council").fetchall()
        except Exception:  # noqa: BLE001 - any SQL error here means "not one of ours"
            raise not_ours from None
        if revision is None or len(rows) != 1:
            raise not_ours
        if str(revision[0]) > db.migrate.HEAD_REVISION:
            raise VaultError("The archive was made by a newer iro-desktop (database version "
                             f"{revision[0]}). Install the newer version, then import it.")
        council_id, code, nation = (str(v) for v in rows[0])
        try:
            Nation(nation)
        except ValueError:
            raise not_ours from None
        if not _ID_RE.match(council_id):
            raise not_ours
        if self.council_by_code(code) is not None:
            raise VaultError(f"Council {code} is already in this vault. Nothing was imported; "
                             "erase or rename the council here first if this archive should "
                             "replace it.")
        if council_id in store.councils:
            raise VaultError(f"This vault already holds the council this archive came from "
                             f"(under another code than {code}). Nothing was imported.")
        return council_id, code

    def _next_colour(self) -> str:
        return COUNCIL_COLOURS[len(self._councils) % len(COUNCIL_COLOURS)]

    def _begin_new_database(self, council_id: str) -> Path:
        """The ``.pending`` marker, then the empty owner-only file; returns the marker.

        Until the keystore holds the new key, the marker says "remove me after a crash".
        The file is created 0600 before SQLCipher opens it; its -wal and -shm inherit that.
        """
        path = self.database_path(council_id)
        ensure_private_dir(path.parent)
        marker = path.with_name(f"{council_id}.pending")
        atomic_write(marker, b"")
        _create_private(path)
        return marker

    def _discard_new(self, council_id: str, marker: Path) -> None:
        for suffix in _DB_SIDE_FILES:
            Path(f"{self.database_path(council_id)}{suffix}").unlink(missing_ok=True)
        marker.unlink(missing_ok=True)

    def _register_new(self, council_id: str, dek: bytes, engine: Engine, marker: Path,
                      fill: Callable[[Session], None]) -> None:
        """The shared end of adding and importing: migrate, ``fill`` in one transaction,
        record the key, then open. Before the keystore is saved any failure removes the
        new files; after it, the council exists."""
        db = _db()
        store = self._require_keystore()
        assert self._kek is not None
        try:
            db.migrate.upgrade(engine)
            with db.Session(engine) as session, session.begin():
                fill(session)
            store.add_council(council_id, dek, self._kek)
            try:
                store.save()
            except (OSError, VaultError):
                # The rename may have happened before the failure (a full disk or an I/O
                # error while syncing the folder): then the key is on disk and the council
                # exists; removing its database now would leave a key with no database.
                if not self._keystore_on_disk_has(council_id):
                    raise
                log.warning("vault.keystore_sync_failed council=%s", council_id)
        except BaseException:
            engine.dispose()
            if council_id in store.councils:
                store.remove_council(council_id)
                store.reseal(self._kek)
            self._discard_new(council_id, marker)
            raise
        self._deks[council_id] = dek
        self._engines[council_id] = engine
        self._generations[council_id] = 0
        self._written.add(council_id)
        self._watch(council_id, engine)
        try:
            marker.unlink(missing_ok=True)
            atomic_write(self._open_marker(council_id), b"")
        except (OSError, VaultError):  # the council exists; only crash detection is weaker
            log.warning("vault.open_marker_failed council=%s", council_id)

    def _keystore_on_disk_has(self, council_id: str) -> bool:
        try:
            return council_id in Keystore.load(self.keystore_path).councils
        except VaultError:
            return False

    def update_council(self, council_id: str, *, code: str | None = None,
                       name: str | None = None, nation: Nation | None = None,
                       rules: dict[str, object] | None = None) -> Council:
        """Change a council's code, name, nation or review-clock rules (checked by the
        caller; here only that the code stays unique in the vault)."""
        db = _db()
        current = self.council(council_id)
        new_code = code.strip().upper() if code is not None else current.code
        other = self.council_by_code(new_code)
        if other is not None and other.id != council_id:
            raise VaultError(f"Council {new_code} is already in this vault; choose another code.")
        updated = replace(current, code=new_code,
                          name=name if name is not None else current.name,
                          nation=nation if nation is not None else current.nation)
        with self.session(council_id) as session:
            row = session.get(db.CouncilRow, council_id)
            assert row is not None
            row.code, row.name, row.nation = updated.code, updated.name, updated.nation.value
            if rules is not None:
                row.rules_json = json.dumps(rules)
            session.add(db.AuditEvent(at=datetime.now(), code="council.edited", detail=""))
        self._councils[council_id] = updated
        return updated

    def copy_council(self, council_id: str, dest: Path, key: bytes) -> None:
        """Write a consistent copy of the council's database to ``dest`` (which must not
        exist), encrypted under ``key``: SQLCipher's ``sqlcipher_export`` into an attached,
        keyed file inside one transaction. Nothing is written in plaintext."""
        self._require_unlocked()
        if council_id in self.damaged:
            raise self.damaged[council_id]
        engine = self._engines[council_id]
        _create_private(dest)
        try:
            raw = engine.raw_connection()
            try:
                _export_into(raw.driver_connection, dest, key)
            finally:
                raw.close()
        except BaseException:
            for suffix in _DB_SIDE_FILES:
                Path(f"{dest}{suffix}").unlink(missing_ok=True)
            raise

    def staging_path(self) -> Path:
        """A fresh name for a re-keyed copy inside the vault (removed at unlock if left)."""
        return self.root / COUNCILS_DIR / f"{os.urandom(8).hex()}{STAGING_SUFFIX}"

    def erase_council(self, council_id: str, confirm_code: str) -> list[str]:
        """Destroy a council: its key slots first (the keystore rewritten with a new MAC),
        then its database, -wal, -shm and markers. ``confirm_code`` must be the council's
        code, typed by the IRO. Returns the names of the files removed.

        Destroying the key is the erase (a crypto-erase: the deleted file's blocks may
        linger on an SSD, but nothing left can decrypt them). A crash after the key is
        gone leaves a ``.pending`` marker, so the files are removed at the next unlock.
        """
        self._require_unlocked()
        assert self._kek is not None
        store = self._require_keystore()
        council = self._councils.get(council_id)
        if council is None or council_id not in store.councils:
            raise VaultError("That council is not in this vault; nothing was erased.")
        if confirm_code.strip().upper() != council.code:
            raise VaultError(f"To erase {council.code}, type its code ({council.code}) to "
                             "confirm. Nothing was erased.")
        path = self.database_path(council_id)
        marker = path.with_name(f"{council_id}.pending")
        entry = store.councils[council_id]
        atomic_write(marker, b"")
        try:
            store.erase_council(council_id, self._kek)
            store.save()
        except BaseException:
            store.councils[council_id] = entry  # the file on disk still has it
            store.reseal(self._kek)
            marker.unlink(missing_ok=True)
            raise
        engine = self._engines.pop(council_id, None)
        self._forget_reads(council_id)
        if engine is not None:
            try:
                engine.dispose()
            except Exception:  # noqa: BLE001 - the key is gone; the files go regardless
                log.warning("vault.dispose_failed council=%s", council_id)
        self._deks.pop(council_id, None)
        self._councils.pop(council_id, None)
        self.damaged.pop(council_id, None)
        erased: list[str] = []
        for candidate in [Path(f"{path}{suffix}") for suffix in _DB_SIDE_FILES] + [
                self._open_marker(council_id)]:
            if candidate.exists():
                candidate.unlink()
                erased.append(candidate.name)
        for leftover in sorted(path.parent.glob(f"{council_id}.db*")):  # kept evidence
            leftover.unlink()
            erased.append(leftover.name)
        backups = self.backups_dir(council_id)
        if backups.is_dir():
            for snap in sorted(backups.iterdir()):
                snap.unlink()
                erased.append(f"{BACKUPS_DIR}/{council_id}/{snap.name}")
            backups.rmdir()
        marker.unlink(missing_ok=True)
        fsync_dir(path.parent)
        log.info("vault.council_erased council=%s files=%d", council_id, len(erased))
        return erased

    def council_rules(self, council_id: str) -> dict[str, object]:
        with self.read_session(council_id) as session:
            row = session.connection().exec_driver_sql(
                "SELECT rules_json FROM council WHERE id = ?", (council_id,)).first()
            assert row is not None
            return dict(json.loads(row[0]))

    @contextmanager
    def session(self, council_id: str, *, search_index: bool = False) -> Iterator[Session]:
        """A session in one transaction on one council's database: commit on success.

        ``search_index``: the transaction writes only the search index (the background
        indexer). Its generation is counted as any write's, but the records are as they
        were, so what ``read_cached`` kept stays valid."""
        db = _db()
        self._require_unlocked()
        if council_id in self.damaged:
            raise self.damaged[council_id]
        engine = self._engines[council_id]
        self._index_only.on = search_index
        try:
            try:
                with db.Session(engine, expire_on_commit=False) as session:
                    with session.begin():
                        yield session
            except BaseException:
                self._pending.pop(council_id, None)  # rolled back: the generation stays
                raise
            finally:
                self._index_only.on = False
            self._after_commit(council_id)
        except db.SATimeoutError:
            raise VaultError(BUSY_MESSAGE) from None
        except (db.SADatabaseError, MemoryError) as exc:
            if isinstance(exc, db.IntegrityError):
                raise
            self._raise_storage_problem(council_id, exc)
            raise

    @contextmanager
    def read_session(self, council_id: str) -> Iterator[Session]:
        """A session in one read transaction on one council's database, for what only
        reads (the dashboard, the caseload, searches, records). It sees the last commit and
        never waits for a writer (the search indexer, an autosave), and it cannot write:
        the connection has ``PRAGMA query_only`` on, so a change fails (``SQLITE_READONLY``)
        and nothing is saved. Generations and the keystore are not touched."""
        db = _db()
        self._require_unlocked()
        if council_id in self.damaged:
            raise self.damaged[council_id]
        engine = self._engines[council_id]
        reader = self._readers.get(council_id)
        if reader is None or reader[0] is not engine:
            reader = self._readers[council_id] = (engine, db.read_only(engine))
        try:
            with db.Session(reader[1], expire_on_commit=False) as session:
                with session.begin():
                    yield session
        except db.SATimeoutError:
            raise VaultError(BUSY_MESSAGE) from None
        except (db.SADatabaseError, MemoryError) as exc:
            self._raise_storage_problem(council_id, exc)
            raise

    def _raise_storage_problem(self, council_id: str, exc: BaseException) -> None:
        """Raise the user-facing error for a database error of a session on
        ``council_id`` (damage: the council is marked damaged; a full disk, a read-only
        file...); return if it is none of those (the caller re-raises ``exc``)."""
        db = _db()
        if db.is_damage(exc):
            raise self.database_error(council_id) from None
        problem = db.storage_error(exc, self._councils[council_id].code)
        if problem is not None:
            raise problem from None

    def read_cached(self, council_id: str, name: str, load: Callable[[Session], T]) -> T:
        """``load(session)`` in a read session, or what it returned last time if the
        council's records have not changed since. Every write transaction sets the
        generation in ``vault_meta`` in the same transaction (``_before_write_commit``), and
        every one but the search indexer's also sets ``content_generation`` to it, so the
        value read in this session's snapshot says which records it sees. What ``load``
        returns must not change afterwards (tuples, frozen dataclasses), read nothing of the
        search index, nor depend on anything but the database (not on today's date).
        Forgotten when the vault locks or the council's database is closed or replaced."""
        with self.read_session(council_id) as session:
            # None: no write of this version has changed the records yet (every one sets
            # it). Kept values are this process's own: the cache starts empty at unlock.
            mark = session.connection().exec_driver_sql(
                "SELECT value FROM vault_meta WHERE key = ?", (CONTENT_KEY,)).scalar()
            version = (self._engines[council_id], mark)
            cached = self._read_cache.get((council_id, name))
            if cached is not None and cached[0][0] is version[0] and cached[0][1] == version[1]:
                return cast(T, cached[1])
            value = load(session)
        self._read_cache[(council_id, name)] = (version, value)
        return value

    # ---- checks --------------------------------------------------------------------

    def check(self) -> list[CheckResult]:
        """SQLCipher HMAC check of every page and SQLite's structure check, per council."""
        self._require_unlocked()
        results: list[CheckResult] = []
        for council_id, dek in self._deks.items():
            if council_id in self.damaged and not self.database_path(council_id).is_file():
                results.append(CheckResult("?", f"{council_id}.db", (str(self.damaged[council_id]),)))
                continue
            council = self._councils.get(council_id)
            code = council.code if council else "?"
            path = self.database_path(council_id)
            problems = tuple(self._integrity(path, dek))
            if not problems and council_id in self.damaged:  # e.g. an older copy, not a bad page
                problems = (str(self.damaged[council_id]),)
            if problems and council_id not in self.damaged:  # never written again this session
                self.damaged[council_id] = DatabaseTamperedError(
                    f"The {code} database ({path.name}) failed its check: {problems[0]}",
                    council_code=code if council else "")
            results.append(CheckResult(code, path.name, problems))
        assert self._kek is not None
        slot_problems = self._require_keystore().slot_problems(self._kek)
        for index, result in enumerate(results):
            cid = result.database.removesuffix(".db")
            if cid in slot_problems:
                results[index] = CheckResult(
                    result.council_code, result.database, result.problems + (
                        f"{slot_problems[cid]}; run 'iro-desktop restore' to seal it again",))
        known = {f"{cid}.db" for cid in self._deks}
        for stray in sorted((self.root / COUNCILS_DIR).glob("*.db")):
            if stray.name not in known:
                results.append(CheckResult("?", stray.name,
                                           ("database file with no key in the keystore",)))
        return results

    @staticmethod
    def _integrity(path: Path, dek: bytes) -> list[str]:
        db = _db()
        if not path.is_file():  # connecting would create an empty database in its place
            return ["the database file is missing"]
        try:
            conn = db.raw_connect(path, dek)
        except DatabaseTamperedError:
            # The schema could not be read (page 1, or any page the schema spans); the page
            # check reads no schema, so it can still name the page.
            return Vault._pages_failing(path, dek) or [
                "page 1 failed its authentication check (tampered or corrupt)"]
        try:
            return db.integrity_problems(conn)
        except Exception as exc:  # noqa: BLE001 - a corrupt file may fail the check itself
            return [f"integrity check could not finish ({type(exc).__name__})"]
        finally:
            conn.close()

    @staticmethod
    def _pages_failing(path: Path, dek: bytes) -> list[str]:
        """``cipher_integrity_check`` on a keyed connection that reads nothing else."""
        import sqlcipher3.dbapi2 as sqlcipher

        from iro_desktop.storage.engine import key_pragma

        conn = sqlcipher.connect(str(path))
        try:
            conn.execute("PRAGMA cipher_memory_security = ON")
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(key_pragma(dek))
            return [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check")]
        except Exception:  # noqa: BLE001 - the caller falls back to its own message
            return []
        finally:
            conn.close()

    def database_error(self, council_id: str) -> DatabaseTamperedError:
        """The user-facing error for a damaged council database; it is marked damaged, so
        nothing is written to it again this session."""
        council = self._councils.get(council_id)
        code = council.code if council else f"council ({council_id}.db)"
        pages: list[int] = []
        problems = self._integrity(self.database_path(council_id), self._deks[council_id])
        for problem in problems:
            digits = [int(w) for w in problem.replace(",", " ").split() if w.isdigit()]
            pages.extend(digits[:1])
        where = f" (page {', '.join(map(str, pages))})" if pages else ""
        error = DatabaseTamperedError(
            f"The {code} database is damaged or was changed outside iro-desktop{where}. "
            "Nothing was written to it; restore it from a backup.",
            council_code=code, pages=tuple(pages))
        self.damaged[council_id] = error
        log.warning("vault.council_damaged council=%s", council_id)
        return error

    # ---- helpers -------------------------------------------------------------------

    def _require_keystore(self) -> Keystore:
        if self._keystore is None:
            raise VaultLockedError("the vault is not open")
        return self._keystore

    def _require_unlocked(self) -> None:
        if self._kek is None:
            raise VaultLockedError("the vault is locked")


def _council_and_generation(conn, council_id: str) -> tuple[Council, int]:  # type: ignore[no-untyped-def]
    """The council a database belongs to and its generation, read with plain SQL when it
    is opened (ORM lookups are compiled once per database: three times at every unlock,
    and on the command line's every start)."""
    row = conn.exec_driver_sql("SELECT id, code, name, nation, colour FROM council "
                               "WHERE id = ?", (council_id,)).first()
    if row is None:
        raise DatabaseTamperedError("A council database does not belong with this keystore.")
    council = Council(id=row[0], code=row[1], name=row[2], nation=Nation(row[3]),
                      colour=row[4])
    meta = conn.exec_driver_sql(
        "SELECT value FROM vault_meta WHERE key = 'generation'").first()
    return council, int(meta[0]) if meta is not None else 0


def _council_from_row(row: CouncilRow) -> Council:
    return Council(id=row.id, code=row.code, name=row.name, nation=Nation(row.nation),
                   colour=row.colour)


def _create_private(path: Path) -> None:
    """An empty owner-only file; fails if ``path`` exists (never overwrite a database)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _export_into(conn, dest: Path, key: bytes) -> None:  # type: ignore[no-untyped-def]
    """Copy the database of ``conn`` into ``dest`` under ``key`` (SQLCipher raw key) in one
    transaction, so the copy is consistent even while the app keeps writing."""
    if len(key) != 32:
        raise ValueError("a data key is 32 bytes")
    conn.isolation_level = None  # transactions below are explicit
    conn.execute("ATTACH DATABASE ? AS handover KEY ?", (str(dest), f"x'{key.hex()}'"))
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("SELECT sqlcipher_export('handover')")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("DETACH DATABASE handover")


def _pages_of(problems: list[str]) -> tuple[int, ...]:
    """Page numbers named in ``cipher_integrity_check`` rows (the first number of each)."""
    pages: list[int] = []
    for problem in problems:
        digits = [int(w) for w in problem.replace(",", " ").split() if w.isdigit()]
        pages.extend(digits[:1])
    return tuple(pages)


def _keep_wal_evidence(path: Path) -> None:
    """Copy a council's ``-wal`` aside before its connections close: SQLite deletes the WAL
    when the last connection closes, and a WAL that lost its header still holds the
    committed pages (encrypted). Kept as ``<id>.db-wal.evidence-<time>``."""
    wal = Path(f"{path}-wal")
    try:
        if wal.is_file() and wal.stat().st_size > 0:
            dest = wal.with_name(f"{wal.name}.evidence-{datetime.now():%Y%m%dT%H%M%S}")
            if not dest.exists():
                atomic_write(dest, wal.read_bytes())
    except OSError:
        log.warning("vault.wal_evidence_failed")

