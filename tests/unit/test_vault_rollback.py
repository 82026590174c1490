"""Lost commits and older copies are detected, reported by council and never written over;
commands that only read write nothing; snapshots bring a damaged council back.

A "crash image" is the vault folder copied while a process still has it open (database,
-wal and keystore as a power cut would leave them); the original is then closed.
"""

from __future__ import annotations

import io
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    demo_template,
    flip_byte,
    force_close,
    page_offset,
    root_page,
    data_keys,
    sha256,
)
from iro_desktop.cli import run
from iro_desktop.security.errors import DatabaseTamperedError
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.storage.models import AuditEvent
from iro_desktop.storage.vault import Vault


def _open(root: Path) -> Vault:
    return Vault(root, secret_store=MemorySecretStore()).open()


def _cli(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    out, err = io.StringIO(), io.StringIO()
    code = run(["--vault", str(root), *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _note(vault: Vault, code: str, what: str) -> None:
    """One committed write in council ``code`` (an audit event the test can look for)."""
    with vault.session(vault.council_by_code(code).id) as session:
        session.add(AuditEvent(at=datetime.now(), code="test.note", detail=what))


def _notes(vault: Vault, code: str) -> list[str]:
    with vault.session(vault.council_by_code(code).id) as session:
        return [e.detail for e in session.query(AuditEvent).filter_by(code="test.note")]


def _crash_image(root: Path, dest: Path) -> Path:
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns("vault.lock"))
    return dest


def _everything(root: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(root)): (sha256(p), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "vault.lock"}


# ---- read-only commands write nothing -------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["due"], ["check"], ["reviews"], ["due", "--json"], ["outbox", "list"], ["council", "list"],
    ["report", "--council", "EMB", "--from", "2020-01-01", "--to", "2030-12-31"]])
def test_read_only_commands_leave_every_file_as_it_was(closed_demo: ClosedVault,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       command: list[str]) -> None:
    before = _everything(closed_demo.root)
    code, out, err = _cli(closed_demo.root, monkeypatch, *command)
    assert code == 0, (out, err)
    assert _everything(closed_demo.root) == before  # no generation, keystore, checkpoint


# ---- lost commits ------------------------------------------------------------------------


def test_a_wal_whose_header_was_damaged_after_a_crash_is_refused_not_silently_older(
        closed_demo: ClosedVault, tmp_path: Path) -> None:
    vault = _open(closed_demo.root)
    vault.unlock(PASSPHRASE)
    try:
        _note(vault, "EMB", "first")
        _note(vault, "EMB", "second")
        image = _crash_image(closed_demo.root, tmp_path / "image")
    finally:
        force_close(vault)
    control = _crash_image(image, tmp_path / "control")
    wal = Path(f"{closed_demo.dbs['EMB'].name}-wal")
    assert (image / "councils" / wal).stat().st_size > 0  # the commits are in the WAL
    flip_byte(image / "councils" / wal, 20)  # the WAL header's salt: SQLite drops the WAL
    db_hash = sha256(image / "councils" / closed_demo.dbs["EMB"].name)

    crashed = _open(image)
    try:
        with pytest.raises(DatabaseTamperedError) as caught:
            crashed.unlock(PASSPHRASE)
        assert caught.value.council_code == "EMB"
        assert "older copy" in str(caught.value)
    finally:
        force_close(crashed)
    assert sha256(image / "councils" / closed_demo.dbs["EMB"].name) == db_hash
    assert list((image / "councils").glob("*-wal.evidence-*"))  # the WAL is kept aside

    intact = _open(control)  # the same image without the damage opens with both writes
    try:
        intact.unlock(PASSPHRASE)
        assert _notes(intact, "EMB") == ["first", "second"]
    finally:
        intact.close()


def test_a_database_put_back_from_the_start_of_the_session_is_refused(
        closed_demo: ClosedVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = closed_demo.dbs["EMB"]
    vault = _open(closed_demo.root)
    vault.unlock(PASSPHRASE)
    try:
        start = db.read_bytes()  # copied after unlock, before any work
        _note(vault, "EMB", "committed review")
        image = _crash_image(closed_demo.root, tmp_path / "image")
    finally:
        force_close(vault)
    (image / "councils" / db.name).write_bytes(start)
    Path(f"{image / 'councils' / db.name}-wal").unlink(missing_ok=True)
    code, out, err = _cli(image, monkeypatch, "due")
    assert code != 0
    assert "EMB" in err and "older copy" in err
    code, out, err = _cli(image, monkeypatch, "check")
    assert code == 1 and "EMB" in out


def test_a_damaged_page_no_command_read_is_found_before_the_first_write(
        closed_demo: ClosedVault) -> None:
    db = closed_demo.dbs["EMB"]
    page = root_page(db, data_keys(closed_demo.root)[db.stem], "monitoring_entry")
    flip_byte(db, page_offset(page))
    before = sha256(db)
    vault = _open(closed_demo.root)
    try:
        vault.unlock(PASSPHRASE)  # the page is not read at unlock
        with pytest.raises(DatabaseTamperedError) as caught:
            _note(vault, "EMB", "would be written around the damage")
        assert f"page {page}" in str(caught.value) or page in caught.value.pages
        assert "EMB" in vault.damaged_councils()[0][1]
        _note(vault, "NBK", "other councils still take changes")
    finally:
        force_close(vault)
    assert sha256(db) == before
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


# ---- damaged councils are named, never shown as empty ---------------------------------------


def test_due_names_a_council_it_could_not_read_and_exits_non_zero(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    db = closed_demo.dbs["EMB"]
    page = root_page(db, data_keys(closed_demo.root)[db.stem], "child")
    flip_byte(db, page_offset(page))
    before = sha256(db)
    code, out, err = _cli(closed_demo.root, monkeypatch, "due")
    assert code != 0
    assert "EMB" in err and "damaged" in err
    assert "NBK" in out  # the councils that could be read are still listed
    assert sha256(db) == before


# ---- snapshots and restore ----------------------------------------------------------------


def test_restore_brings_back_everything_committed_before_the_snapshot(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = _open(closed_demo.root)
    vault.unlock(PASSPHRASE)
    _note(vault, "EMB", "before the snapshot")
    emb = vault.council_by_code("EMB")
    children = len(CaseloadService(vault).entries(emb.id))
    vault.close()  # lock: snapshot of EMB
    snaps = sorted((closed_demo.root / "backups" / emb.id).glob("g*.db"))
    assert snaps and len(snaps) <= 3
    assert b"before the snapshot" not in snaps[-1].read_bytes()  # encrypted like the vault

    db = closed_demo.dbs["EMB"]
    flip_byte(db, 100)  # page 1: EMB cannot be opened at all
    code, out, err = _cli(closed_demo.root, monkeypatch, "due")
    assert code != 0 and db.name in err

    code, out, err = _cli(closed_demo.root, monkeypatch, "restore")
    assert code == 0, (out, err)
    assert "EMB" in out
    assert list(db.parent.glob(f"{db.name}.damaged-*"))  # the damaged file is kept aside

    vault = _open(closed_demo.root)
    vault.unlock(PASSPHRASE)
    try:
        assert not vault.damaged
        assert _notes(vault, "EMB") == ["before the snapshot"]
        assert len(CaseloadService(vault).entries(emb.id)) == children
        assert all(r.ok for r in vault.check())
    finally:
        vault.close()


def test_restore_with_nothing_damaged_changes_nothing(closed_demo: ClosedVault,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    before = _everything(closed_demo.root)
    code, out, err = _cli(closed_demo.root, monkeypatch, "restore")
    assert code == 0, (out, err)
    assert "No council needs restoring" in out
    assert _everything(closed_demo.root) == before


def test_restore_without_a_usable_snapshot_says_so_and_changes_nothing(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    db = closed_demo.dbs["EMB"]
    for snap in (closed_demo.root / "backups" / db.stem).glob("*.db"):
        flip_byte(snap, 100)  # every snapshot of EMB damaged too
    flip_byte(db, page_offset(root_page(db, data_keys(closed_demo.root)[db.stem], "child")))
    before = sha256(db)
    code, out, err = _cli(closed_demo.root, monkeypatch, "restore", "--council", "NBK")
    assert code == 1 and "NBK is not damaged" in err
    code, out, err = _cli(closed_demo.root, monkeypatch, "restore")
    assert code == 1, (out, err)
    assert "EMB: NOT restored" in out and "No usable snapshot" in out
    assert sha256(db) == before and not list(db.parent.glob("*.damaged-*"))


def test_council_list_names_a_council_it_could_not_open_and_exits_non_zero(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    flip_byte(closed_demo.dbs["EMB"], 100)  # page 1: EMB cannot be opened at all
    code, out, err = _cli(closed_demo.root, monkeypatch, "council", "list")
    assert code == 3, (out, err)
    assert "NBK" in out and "VOH" in out
    assert "EMB" in err  # named from its snapshot, not left out


def test_restore_keeps_a_sound_older_copy_when_no_snapshot_is_newer(
        closed_demo: ClosedVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = _open(closed_demo.root)
    vault.unlock(PASSPHRASE)
    try:
        _note(vault, "EMB", "kept")
        vault.lock()  # snapshot with "kept"
        vault.unlock(PASSPHRASE)
        _note(vault, "EMB", "only in the WAL")
        image = _crash_image(closed_demo.root, tmp_path / "image")
    finally:
        force_close(vault)
    wal = image / "councils" / f"{closed_demo.dbs['EMB'].name}-wal"
    flip_byte(wal, 20)  # the second note is lost with the WAL
    code, out, err = _cli(image, monkeypatch, "due")
    assert code == 3 and "older copy" in err
    code, out, err = _cli(image, monkeypatch, "restore")
    assert code == 0, (out, err)
    assert "kept as it is" in out
    vault = _open(image)
    try:
        vault.unlock(PASSPHRASE)
        assert _notes(vault, "EMB") == ["kept"]
    finally:
        vault.close()
