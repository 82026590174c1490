"""Encrypted snapshots of council databases and restoring a damaged council from them.

A council written in a session gets a snapshot when the vault locks: ``VACUUM INTO`` a new
file under the council's own key, ``<vault>/backups/<id>/g<generation>-<time>.db``, the
newest :data:`SNAPSHOTS_KEPT` kept. :meth:`SnapshotsMixin.restore_council` puts back the
newest one that passes every check. A mixin of :class:`iro_desktop.storage.vault.Vault`.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iro_desktop.fsutil import atomic_write, ensure_private_dir, fsync_dir
from iro_desktop.security.errors import VaultError, VaultLockedError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from iro_desktop.core.models import Council
    from iro_desktop.security.keystore import Keystore

log = logging.getLogger("iro_desktop.storage.vault")

BACKUPS_DIR = "backups"
SNAPSHOTS_KEPT = 3


def _db():  # type: ignore[no-untyped-def]
    from iro_desktop.storage import _db as db

    return db


def _create_private(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class SnapshotsMixin:
    """Needs the vault's ``root``, ``damaged``, ``_deks``, ``_engines``, ``_councils``,
    ``_generations``, ``_written``, ``_kek``, ``_integrity``, ``_open_council``,
    ``_open_marker``, ``_forget_reads``, ``database_path``, ``_require_unlocked`` and
    ``_require_keystore``."""

    root: Path
    damaged: dict[str, Any]
    _deks: dict[str, bytes]
    _engines: dict[str, Any]
    _councils: dict[str, Any]
    _generations: dict[str, int]
    _written: set[str]
    _kek: bytes | None

    if TYPE_CHECKING:  # the vault's own, named here for the type checker
        def database_path(self, council_id: str) -> Path: ...
        def _open_marker(self, council_id: str) -> Path: ...
        def _open_council(self, council_id: str, dek: bytes) -> Council: ...
        def _require_unlocked(self) -> None: ...
        def _forget_reads(self, council_id: str | None = None) -> None: ...
        def _require_keystore(self) -> Keystore: ...

    def backups_dir(self, council_id: str) -> Path:
        return self.root / BACKUPS_DIR / council_id

    def snapshots(self, council_id: str) -> list[Path]:
        """The council's snapshots, newest first."""
        folder = self.backups_dir(council_id)
        if not folder.is_dir():
            return []
        found = [p for p in folder.glob("g*.db") if _snapshot_generation(p) is not None]
        return sorted(found, key=lambda p: (_snapshot_generation(p), p.name), reverse=True)

    def _snapshot(self, council_id: str, engine: Engine) -> Path | None:
        """``VACUUM INTO`` a new file under the same key, then keep the newest few. The copy
        is written beside the others as ``.tmp`` and renamed once complete and synced."""
        generation = self._generations.get(council_id, 0)
        folder = self.backups_dir(council_id)
        ensure_private_dir(folder.parent)
        ensure_private_dir(folder)
        final = folder / f"g{generation:08d}-{datetime.now():%Y%m%dT%H%M%S%f}.db"
        tmp = final.with_suffix(".tmp")
        _create_private(tmp)
        try:
            raw = engine.raw_connection()
            try:
                conn = raw.driver_connection
                assert conn is not None  # a pooled connection that is open
                conn.execute("VACUUM INTO ?", (str(tmp),))
            finally:
                raw.close()
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, final)
            fsync_dir(folder)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        for old in self.snapshots(council_id)[SNAPSHOTS_KEPT:]:
            old.unlink(missing_ok=True)
        log.info("vault.snapshot council=%s generation=%d", council_id, generation)
        return final

    def damaged_councils(self) -> list[tuple[str, str]]:
        """(council id, what the IRO knows it as) for every damaged council: its code, or
        from its newest snapshot when the database cannot be read, or its file name."""
        out = []
        for council_id, error in sorted(self.damaged.items()):
            code = error.council_code or (self._councils[council_id].code
                                          if council_id in self._councils else "")
            if not code:
                code = self._snapshot_code(council_id) or f"{council_id}.db"
            out.append((council_id, code))
        return out

    def _snapshot_code(self, council_id: str) -> str:
        db = _db()
        dek = self._deks.get(council_id)
        for snap in self.snapshots(council_id)[:1]:
            if dek is None:
                break
            try:
                conn = db.raw_connect(snap, dek)
                try:
                    row = conn.execute("SELECT code FROM council").fetchone()
                    return str(row[0]) if row else ""
                finally:
                    conn.close()
            except Exception:  # noqa: BLE001 - only a name for a message
                return ""
        return ""

    def _usable(self, path: Path, dek: bytes, council_id: str) -> int | None:
        """The generation of a database file that passes every check and belongs to the
        council; None otherwise."""
        db = _db()
        if self._integrity(path, dek):  # type: ignore[attr-defined]
            return None
        try:
            conn = db.raw_connect(path, dek)
            try:
                row = conn.execute(
                    "SELECT value FROM vault_meta WHERE key = 'generation'").fetchone()
                owner = conn.execute("SELECT id FROM council").fetchone()
            finally:
                conn.close()
        except Exception:  # noqa: BLE001 - not usable
            return None
        if owner is None or owner[0] != council_id:
            return None
        return int(row[0]) if row else 0

    def _accept_as_is(self, council_id: str, dek: bytes, generation: int) -> Council:
        store = self._require_keystore()
        kek = self._kek
        if kek is None:  # locked meanwhile: nothing is changed
            raise VaultLockedError("The vault is locked.")
        engine = self._engines.pop(council_id, None)
        self._forget_reads(council_id)
        if engine is not None:
            engine.dispose()
        self._councils.pop(council_id, None)
        store.councils[council_id]["generation"] = generation
        store.reseal(kek)
        store.save()
        self.damaged.pop(council_id, None)
        self._written.discard(council_id)
        council = self._open_council(council_id, dek)
        log.info("vault.council_accepted council=%s generation=%d", council_id, generation)
        return council

    def restore_council(self, council_id: str) -> tuple[Council, Path]:
        """Put back the newest snapshot of a council that passes every check.

        The damaged files are kept beside it as ``<id>.db.damaged-<time>`` (and its -wal),
        the snapshot is copied in (same key, so nothing is re-wrapped), the keystore records
        the snapshot's generation and the council is opened again. Work after the snapshot
        is not in it; everything committed before the snapshot is. A database file that passes
        every check and is at least as new as any snapshot (an older copy, or one whose WAL
        lost frames) is kept as it is instead. Returns the council and the file used;
        VaultError (nothing changed) when nothing is usable."""
        self._require_unlocked()
        store = self._require_keystore()
        kek = self._kek
        assert kek is not None  # _require_unlocked
        dek = self._deks.get(council_id)
        if dek is None:
            raise VaultError("That council is not in this vault; nothing was restored.")
        chosen: Path | None = None
        generation = 0
        for snap in self.snapshots(council_id):
            found = self._usable(snap, dek, council_id)
            if found is None:
                log.warning("vault.snapshot_unusable council=%s", council_id)
                continue
            chosen, generation = snap, found
            break
        path = self.database_path(council_id)
        current = self._usable(path, dek, council_id) if path.is_file() else None
        if current is not None and (chosen is None or current >= generation):
            # Every page of the file is sound and it is at least as new as any snapshot (an
            # older copy put back, or a WAL that lost frames): keep it as it is, and the
            # keystore now expects it. The lost WAL was kept aside when it was found.
            return self._accept_as_is(council_id, dek, current), path
        if chosen is None:
            raise VaultError("No usable snapshot of that council is in the vault's backups "
                             "folder; nothing was restored.")
        engine = self._engines.pop(council_id, None)
        self._forget_reads(council_id)
        if engine is not None:
            engine.dispose()
        self._councils.pop(council_id, None)
        path = self.database_path(council_id)
        stamp = f"{datetime.now():%Y%m%dT%H%M%S}"
        for suffix in ("", "-wal", "-shm", "-journal"):
            damaged = Path(f"{path}{suffix}")
            if damaged.exists():
                os.replace(damaged, damaged.with_name(f"{damaged.name}.damaged-{stamp}"))
        incoming = path.with_name(f"{path.name}.restoring")
        incoming.unlink(missing_ok=True)
        atomic_write(incoming, chosen.read_bytes())
        os.replace(incoming, path)
        fsync_dir(path.parent)
        self._open_marker(council_id).unlink(missing_ok=True)
        store.councils[council_id]["generation"] = generation
        store.reseal(kek)
        store.save()
        self.damaged.pop(council_id, None)
        self._written.discard(council_id)
        council = self._open_council(council_id, dek)
        log.info("vault.council_restored council=%s generation=%d", council_id, generation)
        return council, chosen

    def repair_key_slots(self) -> list[str]:
        """Seal again, from the data key the passphrase slot gave, every council's recovery
        slot found changed; returns their ids. The keystore is saved only if one was."""
        self._require_unlocked()
        assert self._kek is not None
        store = self._require_keystore()
        bad = [cid for cid in store.slot_problems(self._kek) if cid in self._deks]
        for cid in bad:
            store.reseal_recovery_slot(cid, self._deks[cid], self._kek)
        if bad:
            store.save()
            log.info("vault.key_slots_resealed count=%d", len(bad))
        return bad


def _snapshot_generation(path: Path) -> int | None:
    name = path.name
    if not name.startswith("g") or "-" not in name:
        return None
    digits = name[1:name.index("-")]
    return int(digits) if digits.isdigit() else None
