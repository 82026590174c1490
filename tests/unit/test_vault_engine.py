"""Every council connection: encrypted (SQLCipher answers), durable, temp in memory, and no
bound value (a child's name or reference) in an error message or a log line."""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from iro_desktop.core.models import ChildRecord, Nation
from iro_desktop.diagnostics import configure_logging
from iro_desktop.security.errors import VaultError
from iro_desktop.storage import engine as engine_module
from iro_desktop.storage.repositories import ChildRepository

MARKER = "ZQXMARKER-Wexcombe"


@pytest.fixture
def council(vault):  # type: ignore[no-untyped-def]
    return vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)


def _pragma(vault, council_id: str, name: str):  # type: ignore[no-untyped-def]
    with vault.session(council_id) as session:
        return session.connection().exec_driver_sql(f"PRAGMA {name}").scalar()


@pytest.mark.parametrize(("name", "expected"), [
    ("journal_mode", "wal"),
    ("synchronous", 2),  # FULL
    ("secure_delete", 1),
    ("temp_store", 2),  # MEMORY
    ("foreign_keys", 1),
    ("cipher_memory_security", "1"),
])
def test_durability_and_privacy_pragmas_on_vault_connections(vault, council, name: str,
                                                             expected: object) -> None:
    assert _pragma(vault, council.id, name) == expected


def test_cipher_version_answers_on_vault_connections(vault, council) -> None:
    version = _pragma(vault, council.id, "cipher_version")
    assert version and version.split(".")[0] == "4"


def test_pragmas_hold_on_every_pooled_connection(vault, council) -> None:
    """Two connections at once force the pool's overflow connection; it is keyed and tuned."""
    with vault.session(council.id) as first:
        engine = first.connection().engine
        raw = engine.raw_connection()  # a second pooled connection, no transaction
        try:
            conn = raw.driver_connection
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
            assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert conn.execute("PRAGMA cipher_version").fetchone()[0]
        finally:
            raw.close()


def test_busy_database_is_not_reported_as_tampered(vault, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    """While one task holds the write lock, a second write is told 'busy, try again': not
    'changed outside iro-desktop', the council is not marked damaged, and once the lock is
    released the same write goes through and the caseload reads."""
    from iro_desktop.security.errors import DatabaseTamperedError
    from iro_desktop.services.caseload import CaseloadService
    from iro_desktop.storage.models import AuditEvent
    from iro_desktop.storage.repositories import audit

    monkeypatch.setattr(engine_module, "_CONNECTION_PRAGMAS", tuple(
        "PRAGMA busy_timeout = 50" if p.startswith("PRAGMA busy_timeout") else p
        for p in engine_module._CONNECTION_PRAGMAS))
    nbk = vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)

    def audit_rows() -> int:
        with vault.session(nbk.id) as s:
            return s.query(AuditEvent).filter(AuditEvent.code == "test.busy").count()

    with vault.session(nbk.id) as writer:  # e.g. a long import holding the write lock
        audit(writer, "test.busy")
        writer.flush()  # the write lock is taken here, held until the session ends
        with pytest.raises(VaultError, match="busy with another task") as busy:
            with vault.session(nbk.id) as second:
                audit(second, "test.busy")
        assert not isinstance(busy.value, DatabaseTamperedError)
        assert nbk.id not in vault.damaged
    assert audit_rows() == 1  # the first task's write was kept, the refused one not
    with vault.session(nbk.id) as again:
        audit(again, "test.busy")
    assert audit_rows() == 2
    assert CaseloadService(vault).entries() == []
    assert all(r.ok for r in vault.check())


def test_stdlib_sqlite3_in_place_of_sqlcipher_is_refused(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """If the driver were ever the stdlib sqlite3 (which ignores PRAGMA key and writes
    plaintext), opening a database must fail before anything is written."""
    monkeypatch.setattr(engine_module.sqlcipher, "connect", sqlite3.connect)
    db = tmp_path / "plain.db"
    with pytest.raises(VaultError, match="SQLCipher is not active"):
        engine_module.raw_connect(db, os.urandom(32))
    assert not db.exists() or db.stat().st_size == 0


def test_key_pragma_uses_raw_key_mode() -> None:
    text = engine_module.key_pragma(bytes(range(32)))
    assert text == "PRAGMA key = \"x'" + bytes(range(32)).hex() + "'\""
    with pytest.raises(ValueError):
        engine_module.key_pragma(b"short")


def test_wrong_key_cannot_read_and_file_is_unchanged(vault, council) -> None:
    path = vault.database_path(council.id)
    vault.lock()
    before = path.read_bytes()
    from iro_desktop.security.errors import DatabaseTamperedError

    with pytest.raises(DatabaseTamperedError):
        engine_module.raw_connect(path, os.urandom(32))
    assert path.read_bytes() == before


# ---- security.md test 15: IntegrityError with a marker parameter -----------------------------


def _record(ref: str) -> ChildRecord:
    return ChildRecord(child_ref=ref, first_name=f"{MARKER}-first", last_name=f"{MARKER}-last",
                       preferred_name="", date_of_birth=date(2015, 3, 1), gender="F",
                       legal_status="C2", placement_type="U1",
                       date_became_looked_after=date(2022, 5, 1), reviews_held=0,
                       last_review_date=None, social_worker="", notes=f"{MARKER} notes")


@pytest.fixture
def app_logging(tmp_path: Path, _isolated_data_dir: Path):  # type: ignore[no-untyped-def]
    """The app's own logging set-up (file in the data dir), restored afterwards."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers),
             {n: logging.getLogger(n).level for n in ("sqlalchemy", "sqlalchemy.engine",
                                                     "alembic")})
    log_file = configure_logging(logging.DEBUG)
    added = [h for h in root.handlers if h not in saved[1]]
    yield log_file
    for handler in added:
        root.removeHandler(handler)
        handler.close()
    for handler in saved[1]:  # pytest's own capture handlers come and go by phase
        if handler not in root.handlers and not type(handler).__module__.startswith("_pytest"):
            root.addHandler(handler)
    root.setLevel(saved[0])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_integrity_error_hides_the_marker_in_message_and_logs(
        vault, council, app_logging: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # even with SQL statement logging switched on, bound values stay hidden
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    ref = f"{MARKER}-REF"
    with pytest.raises(IntegrityError) as caught:
        with vault.session(council.id) as session:
            repo = ChildRepository(session, council.id)
            repo.add(_record(ref), datetime.now())
            session.flush()
            repo.add(_record(ref), datetime.now())
    exc = caught.value
    assert "UNIQUE constraint failed" in str(exc)  # the error is the one we forced
    assert "hidden" in str(exc)
    for text in (str(exc), repr(exc), str(exc.orig)):
        assert MARKER not in text
    assert "INSERT INTO child" in caplog.text  # statement logging really was on
    assert MARKER not in caplog.text
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert app_logging is not None and MARKER not in app_logging.read_text("utf-8")
    # the transaction was rolled back: nothing half-written
    with vault.session(council.id) as session:
        assert ChildRepository(session, council.id).rows_by_ref() == {}


def test_app_logging_keeps_sqlalchemy_quiet(app_logging: Path) -> None:
    assert logging.getLogger("sqlalchemy").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() >= logging.WARNING
