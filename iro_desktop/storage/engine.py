"""SQLCipher engines: one keyed SQLAlchemy engine per council database.

Every connection goes through ``sqlcipher3`` (never the stdlib ``sqlite3``,
which would ignore the key and write plaintext) and is refused unless
``PRAGMA cipher_version`` answers. Bound values are hidden from error
messages, temporary data stays in memory, and commits are durable (WAL with
``synchronous=FULL``).

Writers begin ``IMMEDIATE`` (the write lock up front, so two writers never deadlock on
upgrade). Readers go through :func:`read_only` of the same engine: a deferred ``BEGIN`` on a
connection with ``PRAGMA query_only`` on, so a read never waits for a writer (WAL: readers
need no lock) and cannot write (SQLite refuses, ``SQLITE_READONLY``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from iro_desktop.security.errors import DatabaseTamperedError, VaultError

log = logging.getLogger(__name__)

_CONNECTION_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)


def key_pragma(dek: bytes) -> str:
    if len(dek) != 32:
        raise ValueError("a data key is 32 bytes")
    return f"PRAGMA key = \"x'{dek.hex()}'\""


def raw_connect(path: Path, dek: bytes, *, council_code: str = "") -> sqlcipher.Connection:
    """A keyed, verified connection; raises DatabaseTamperedError when the file fails its HMAC."""
    conn = sqlcipher.connect(str(path), check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_memory_security = ON")
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(key_pragma(dek))
        version = conn.execute("PRAGMA cipher_version").fetchone()
        if not version or not version[0]:
            raise VaultError("SQLCipher is not active: refusing to open a database unencrypted")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher.DatabaseError:
            raise DatabaseTamperedError(
                f"The {council_code or 'council'} database ({path.name}) could not be decrypted: "
                "it is damaged or was changed outside iro-desktop (page 1 failed its "
                "authentication check). It has not been modified; restore it from a backup or "
                "run 'iro-desktop check'.",
                council_code=council_code,
                pages=(1,),
            ) from None
        for pragma in _CONNECTION_PRAGMAS:
            conn.execute(pragma)
        if sys.platform == "darwin":
            conn.execute("PRAGMA fullfsync = ON")
        return conn
    except BaseException:
        conn.close()
        raise


# The execution option that makes a connection's transactions read-only (see read_only).
READ_ONLY = "iro_read_only"
_QUERY_ONLY = "iro_query_only"  # pool record info: PRAGMA query_only is on


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for reading: each transaction is a deferred ``BEGIN`` on a
    connection with ``PRAGMA query_only`` on (any write fails with ``SQLITE_READONLY``).
    In WAL mode such a transaction takes no lock: it reads the last commit while a writer
    (the search indexer, an autosave) holds the write lock, and never waits for it."""
    return engine.execution_options(**{READ_ONLY: True})


def open_engine(path: Path, dek: bytes, *, council_code: str = "") -> Engine:
    engine = create_engine(
        "sqlite://",
        creator=lambda: raw_connect(path, dek, council_code=council_code),
        module=sqlcipher,
        poolclass=QueuePool,
        # Readers no longer queue behind writers for the database, so they must not queue
        # for a connection either: one each for the window, a search, the background
        # indexer and a worker (auto-send, outbox), and overflow beyond that.
        pool_size=2,
        max_overflow=3,
        pool_timeout=30,
        hide_parameters=True,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(READ_ONLY):
            # query_only first: from here this connection cannot change the database.
            conn.exec_driver_sql("PRAGMA query_only = 1")
            conn.connection.info[_QUERY_ONLY] = True
            conn.exec_driver_sql("BEGIN")
            return
        if conn.connection.info.get(_QUERY_ONLY):  # a reader's connection, used to write
            conn.exec_driver_sql("PRAGMA query_only = 0")
            conn.connection.info[_QUERY_ONLY] = False
        # Take the write lock up front so two writers never deadlock on upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkout")
    def _writable_again(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        # Raw connections (checkpoint, snapshot, hand-over copy) get a connection as it
        # was opened, whatever the last session on it was.
        if record.info.get(_QUERY_ONLY):
            dbapi_conn.execute("PRAGMA query_only = 0")
            record.info[_QUERY_ONLY] = False

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None

    return engine


def watch_writes(engine: Engine, before_commit: Callable[[sqlcipher.Connection], None]) -> None:
    """Call ``before_commit(dbapi_connection)`` inside every transaction that changed the
    database, just before its COMMIT (transactions that only read are left alone). SQLite's
    ``total_changes`` counts the rows a connection changed; an exception raised by
    ``before_commit`` rolls the transaction back."""

    def changes(dbapi_conn) -> int:  # type: ignore[no-untyped-def]
        return int(dbapi_conn.total_changes)

    @event.listens_for(engine, "commit")
    def _on_commit(conn):  # type: ignore[no-untyped-def]
        record = conn.connection
        dbapi_conn = record.driver_connection
        seen = record.info.get("iro_changes", 0)
        if changes(dbapi_conn) != seen:
            try:
                before_commit(dbapi_conn)
            finally:
                record.info["iro_changes"] = changes(dbapi_conn)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn):  # type: ignore[no-untyped-def]
        record = conn.connection
        record.info["iro_changes"] = changes(record.driver_connection)

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_conn, record, _reset_state):  # type: ignore[no-untyped-def]
        record.info["iro_changes"] = changes(dbapi_conn)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        record.info.setdefault("iro_changes", changes(dbapi_conn))


def integrity_problems(conn: sqlcipher.Connection) -> list[str]:
    """Problems found by ``cipher_integrity_check`` (every page's HMAC) and ``quick_check``
    (structure). Each check runs on its own, so one failing does not hide the other's rows."""
    problems: list[str] = []
    try:
        problems += [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check")]
    except (sqlcipher.DatabaseError, MemoryError) as exc:
        problems.append(f"page authentication check could not finish ({type(exc).__name__})")
    if problems:
        return problems  # structure checks would only trip over the same damaged pages
    try:
        problems += [str(r[0]) for r in conn.execute("PRAGMA quick_check") if r[0] != "ok"]
    except (sqlcipher.DatabaseError, MemoryError) as exc:
        problems.append(f"structure check could not finish ({type(exc).__name__})")
    return problems


_CORRUPT_CODES = {7, 11, 26}  # SQLITE_NOMEM (a failed page HMAC surfaces so), CORRUPT, NOTADB
_FULL_CODES = {13}  # SQLITE_FULL
_IO_CODES = {10}  # SQLITE_IOERR


def is_damage(exc: BaseException) -> bool:
    """True when a database error means the file failed authentication or is corrupt."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, MemoryError):
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPT_CODES
    text = str(orig).lower()
    return "malformed" in text or "not a database" in text


def storage_error(exc: BaseException, council_code: str) -> VaultError | None:
    """A user-facing error for a full disk or an I/O failure; None for anything else."""
    from iro_desktop.security.errors import StorageFullError

    orig = getattr(exc, "orig", exc)
    code = (getattr(orig, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(orig).lower()
    if code in _FULL_CODES or "disk is full" in text:
        return StorageFullError(f"The {council_code} database could not be written: the disk is "
                                "full. Free some space; nothing already saved was lost.")
    if code in (5, 6) or "database is locked" in text:  # SQLITE_BUSY / SQLITE_LOCKED
        return VaultError(f"The {council_code} database is busy with another task. "
                          "Try again in a moment; nothing was lost.")
    if code in _IO_CODES or "disk i/o error" in text:
        return VaultError(f"The {council_code} database could not be written (a disk error). "
                          "Nothing already saved was lost; try again, and check the disk.")
    return None
