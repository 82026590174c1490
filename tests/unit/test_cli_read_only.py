"""``iro-desktop due`` and ``reviews`` on the read-only open (``storage/readonly.py``): they
write nothing in the vault folder, import no SQLAlchemy, answer exactly as the services of
the normal open do, and leave every vault the read-only open cannot vouch for to the normal
open, which refuses, recovers or migrates with the same message as before."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    data_keys,
    demo_template,
    flip_byte,
    force_close,
    page_offset,
    root_page,
)
from iro_desktop.cli import run
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services import caseload as caseload_service
from iro_desktop.services import due_read
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.monitoring import MonitoringService
from iro_desktop.storage import readonly
from iro_desktop.storage.models import AuditEvent
from iro_desktop.storage.readonly import NeedsFullOpen, ReadOnlyVault
from iro_desktop.storage.vault import Vault

DUE_COMMANDS = [["due"], ["due", "--json"], ["due", "--within", "30", "--json"],
                ["due", "--council", "emb"]]
READ_ONLY_COMMANDS = [*DUE_COMMANDS, ["reviews"], ["reviews", "--json"]]


@pytest.fixture(autouse=True)
def _keyringless() -> object:
    original = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(original)


def _cli(root: Path, *args: str, passphrase: str | None = PASSPHRASE) -> tuple[int, str, str]:
    if passphrase is not None:
        os.environ["IRO_DESKTOP_PASSPHRASE"] = passphrase
    else:
        os.environ.pop("IRO_DESKTOP_PASSPHRASE", None)
    out, err = io.StringIO(), io.StringIO()
    try:
        code = run(["--vault", str(root), *args], out=out, err=err)
    finally:
        os.environ.pop("IRO_DESKTOP_PASSPHRASE", None)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def _full_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line as it was: every command opens the vault the normal way."""
    def refuse(self: ReadOnlyVault, *_args: object) -> None:
        raise NeedsFullOpen("test: the normal open only")

    monkeypatch.setattr(ReadOnlyVault, "_open_councils", refuse)


def _state(root: Path) -> dict[str, tuple[object, ...]]:
    """Every file and folder under ``root``: kind, size, content hash and mtime (ns)."""
    import hashlib

    state: dict[str, tuple[object, ...]] = {".": ("dir", root.stat().st_mtime_ns)}
    for path in sorted(root.rglob("*")):
        st = path.stat()
        if path.is_dir():
            state[str(path.relative_to(root))] = ("dir", st.st_mtime_ns)
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[str(path.relative_to(root))] = ("file", st.st_size, digest, st.st_mtime_ns)
    return state


def _two_copies(vault: ClosedVault, tmp_path: Path) -> tuple[Path, Path]:
    return (vault.copy_to(tmp_path / "a").root, vault.copy_to(tmp_path / "b").root)


# ---- nothing written ---------------------------------------------------------------------


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS)
def test_read_only_commands_change_nothing_in_the_vault_folder(closed_demo: ClosedVault,
                                                 command: list[str]) -> None:
    """Not a file's bytes or time, not a folder's time (no -wal or -shm made and removed),
    nothing added or removed; the lock file, already there, is only locked."""
    (closed_demo.root / "vault.lock").touch()
    before = _state(closed_demo.root)
    code, out, err = _cli(closed_demo.root, *command)
    assert code == 0, (out, err)
    assert out.strip()
    assert _state(closed_demo.root) == before


@pytest.mark.parametrize("command", ["due", "reviews"])
def test_read_only_commands_import_no_sqlalchemy_alembic_docx_or_qt(
        closed_demo: ClosedVault, command: str) -> None:
    code = ("import sys\n"
            "from iro_desktop.cli import run\n"
            f"rc = run(['--vault', {str(closed_demo.root)!r}, {command!r}, '--json'])\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sqlalchemy', 'alembic', 'docx', 'PySide6', 'sqlite3'})\n"
            "print('HEAVY', rc, ','.join(heavy), file=sys.stderr)\n")
    env = dict(os.environ, IRO_DESKTOP_PASSPHRASE=PASSPHRASE)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120, stdin=subprocess.DEVNULL)
    line = [x for x in result.stderr.splitlines() if x.startswith("HEAVY")]
    assert line == ["HEAVY 0 "], result.stderr[-2000:]
    assert json.loads(result.stdout)  # it did answer


# ---- the same answer -----------------------------------------------------------------------


def _with_brought_forward_reviews(root: Path) -> None:
    """Two significant changes that bring a review forward, one that does not (a later
    date than the law's), and a child taken off the caseload."""
    vault = Vault(root, secret_store=MemorySecretStore()).open()
    vault.unlock(PASSPHRASE)
    try:
        caseload = CaseloadService(vault)
        today = date.today()
        monitoring = MonitoringService(vault)
        entries = [e for e in caseload.entries() if e.due.due > today + timedelta(days=20)]
        assert len(entries) >= 4
        for entry, change, days in ((entries[0], ChangeType.PLACEMENT_MOVE, 7),
                                    (entries[1], ChangeType.OTHER, 10)):
            monitoring.add_entry(entry.council.id, entry.child.id, EntryKind.SIGNIFICANT_CHANGE,
                                 today, checked="checked", change_type=change,
                                 bring_forward_to=today + timedelta(days=days))
        monitoring.add_entry(entries[2].council.id, entries[2].child.id,
                             EntryKind.SIGNIFICANT_CHANGE, today, checked="noted",
                             change_type=ChangeType.MISSING_EPISODE)
        caseload.end_child(entries[3].council.id, entries[3].child.id)
    finally:
        vault.close()


def test_read_only_due_is_the_caseload_service_due_field_by_field(
        closed_demo: ClosedVault) -> None:
    _with_brought_forward_reviews(closed_demo.root)
    assert due_read.DUE_SOON_DAYS == caseload_service.DUE_SOON_DAYS
    today = date.today()
    for day in (today, today + timedelta(days=45), today + timedelta(days=400)):
        for within in (None, 0, 30):
            vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
            vault.unlock(PASSPHRASE)
            try:
                expected = CaseloadService(vault, today=lambda d=day: d).due(within)
            finally:
                vault.close()
            with ReadOnlyVault(closed_demo.root, secret_store=MemorySecretStore()).open() as r:
                r.unlock(PASSPHRASE)
                got = due_read.due_entries(r, day, within)
            assert len(got) == len(expected) > 0
            for mine, theirs in zip(got, expected, strict=True):
                assert asdict(mine.council) == asdict(theirs.council)
                assert mine.child == theirs.child  # id, council and every field of the record
                assert mine.due == theirs.due  # date, review number, rule, start, kind
                assert mine.status == theirs.status
            if day == today and within is None:  # the overrides were read, not only the clock
                assert sum(e.due.rule_key == "brought_forward" for e in got) == 2


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS)
def test_read_only_commands_print_what_they_printed_through_the_normal_open(
        closed_demo: ClosedVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        command: list[str]) -> None:
    _with_brought_forward_reviews(closed_demo.root)
    fast = _cli(closed_demo.root, *command)
    _full_only(monkeypatch)
    assert _cli(closed_demo.root, *command) == fast
    assert fast[0] == 0


def test_an_unknown_council_is_named_as_before(closed_demo: ClosedVault,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    fast = _cli(closed_demo.root, "due", "--council", "XYZ")
    _full_only(monkeypatch)
    assert _cli(closed_demo.root, "due", "--council", "XYZ") == fast
    assert fast[0] == 2 and "no council 'XYZ'" in fast[2] and "EMB" in fast[2]


# ---- refused, recovered, migrated: as before ------------------------------------------------


def _same_as_the_normal_open(root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                             *command: str, passphrase: str = PASSPHRASE) -> tuple[int, str, str]:
    """The command's result on ``root`` equals the normal open's on a copy made first."""
    control = tmp_path / "control"
    shutil.copytree(root, control)
    fast = _cli(root, *command, passphrase=passphrase)
    with monkeypatch.context() as m:
        _full_only(m)
        before = _cli(control, *command, passphrase=passphrase)
    assert fast == (before[0], before[1], before[2].replace(str(control), str(root)))
    return fast


@pytest.mark.parametrize("where", ["page 1", "the children's table"])
def test_a_damaged_council_gives_the_same_message(closed_demo: ClosedVault, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  where: str) -> None:
    db = closed_demo.dbs["EMB"]
    page = 1 if where == "page 1" else root_page(db, data_keys(closed_demo.root)[db.stem],
                                                 "child")
    flip_byte(db, page_offset(page))
    code, out, err = _same_as_the_normal_open(closed_demo.root, monkeypatch, tmp_path,
                                              "due", "--json")
    assert code == 3
    assert ("EMB" in err or db.name in err) and "damaged" in err


def test_an_older_copy_of_a_council_gives_the_same_message(
        closed_demo: ClosedVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = closed_demo.dbs["EMB"]
    older = db.read_bytes()
    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    vault.unlock(PASSPHRASE)
    try:
        with vault.session(vault.council_by_code("EMB").id) as session:
            session.add(AuditEvent(at=datetime.now(), code="test.note", detail=""))
    finally:
        vault.close()
    db.write_bytes(older)  # put back as it was before that write: one generation behind
    code, out, err = _same_as_the_normal_open(closed_demo.root, monkeypatch, tmp_path, "due")
    assert code == 3 and "EMB" in err and "older copy" in err


def test_a_wrong_passphrase_and_an_edited_keystore_give_the_same_message(
        closed_demo: ClosedVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _out, err = _same_as_the_normal_open(closed_demo.root, monkeypatch, tmp_path / "1",
                                               "due", passphrase="not the passphrase at all")
    assert code == 3 and "passphrase is not right" in err
    data = json.loads(closed_demo.keystore.read_text())
    data["councils"][0]["generation"] += 1  # outside the app: the header MAC no longer fits
    closed_demo.keystore.write_text(json.dumps(data))
    code, _out, err = _same_as_the_normal_open(closed_demo.root, monkeypatch, tmp_path / "2",
                                               "due")
    assert code == 3 and "changed outside iro-desktop" in err


def test_a_vault_left_open_by_a_crash_is_recovered_by_the_normal_open_then_read_only(
        closed_demo: ClosedVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    vault.unlock(PASSPHRASE)
    try:
        CaseloadService(vault).end_child(vault.council_by_code("EMB").id, 1)
        image = tmp_path / "image"  # as a power cut leaves it: .open marker, -wal
        shutil.copytree(closed_demo.root, image, ignore=shutil.ignore_patterns("vault.lock"))
    finally:
        force_close(vault)
    assert list((image / "councils").glob("*.open"))
    opened: list[str] = []
    real = ReadOnlyVault._open_councils

    def spy(self: ReadOnlyVault, deks: dict[str, bytes]) -> None:
        try:
            real(self, deks)
        except NeedsFullOpen as exc:
            opened.append(exc.reason)
            raise
        opened.append("read-only")

    monkeypatch.setattr(ReadOnlyVault, "_open_councils", spy)
    first = _cli(image, "due", "--json")
    assert first[0] == 0 and opened == ["a council database was not closed cleanly"]
    assert not list((image / "councils").glob("*.open"))  # recovered: checked, snapshotted
    before = _state(image)
    assert _cli(image, "due", "--json") == first  # the same children, now read-only
    assert opened[-1] == "read-only"
    assert _state(image) == before


def test_a_council_at_an_older_schema_is_left_to_the_normal_open(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readonly, "HEAD_REVISION", "9999")  # as if this app were newer
    reasons: list[str] = []
    real = ReadOnlyVault._open_councils

    def spy(self: ReadOnlyVault, deks: dict[str, bytes]) -> None:
        try:
            real(self, deks)
        except NeedsFullOpen as exc:
            reasons.append(exc.reason)
            raise

    monkeypatch.setattr(ReadOnlyVault, "_open_councils", spy)
    code, out, _err = _cli(closed_demo.root, "due", "--json")
    assert code == 0 and json.loads(out)
    assert reasons == ["a council database is not at the current schema"]


def test_due_unlocks_with_the_key_remembered_on_this_computer(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemorySecretStore()
    vault = Vault(closed_demo.root, secret_store=store).open()
    vault.unlock(PASSPHRASE)
    try:
        vault.set_remembered(True)
    finally:
        vault.close()
    monkeypatch.setattr(readonly, "KeyringSecretStore", lambda: store)
    monkeypatch.setattr("iro_desktop.storage.vault.KeyringSecretStore", lambda: store)
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # no terminal: a prompt would fail
    (closed_demo.root / "vault.lock").touch()
    before = _state(closed_demo.root)
    code, out, err = _cli(closed_demo.root, "due", "--json", passphrase=None)
    assert code == 0, err
    assert json.loads(out)
    assert _state(closed_demo.root) == before


def test_the_passphrase_is_asked_once_when_the_normal_open_takes_over(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def prompt(label: str) -> str:
        asked.append(label)
        return PASSPHRASE

    monkeypatch.setattr("iro_desktop.cli_common.prompt", prompt)
    monkeypatch.setattr(readonly, "HEAD_REVISION", "9999")  # the normal open takes over
    code, out, err = _cli(closed_demo.root, "due", "--json", passphrase=None)
    assert code == 0, err
    assert json.loads(out)
    assert asked == ["Vault passphrase"]
