"""No child data on disk in plaintext: vault folder, WAL/SHM, keystore, logs, config, temp.

The demo caseload (72 fictional children) is written, then every file the app could have
touched is searched for surnames, references, social workers and council names in UTF-8
and UTF-16-LE. Also after a SIGKILL in the middle of a large import.
"""

from __future__ import annotations

import json
import random
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    demo_template,
    POSIX,
    SAMPLE_CSV,
    child_process,
    cli_process,
    files_under,
    sample_markers,
    scan_for_plaintext,
    wait_for_line,
)
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.storage.vault import Vault

MARKERS = sample_markers()


def test_markers_are_meaningful() -> None:
    """The scan is only worth something if it looks for real sample data."""
    assert {"Llewellyn", "NB927036", "Mitchell"} <= set(MARKERS)
    assert len(MARKERS) > 60
    assert "Llewellyn" in SAMPLE_CSV.read_text("utf-8-sig")


def test_scan_finds_plaintext_when_it_is_there(tmp_path: Path) -> None:
    """Guard against a scan that can never fail."""
    (tmp_path / "a.txt").write_bytes("x Llewellyn y".encode("utf-16-le"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"\x00NB927036\x00")
    hits = scan_for_plaintext([tmp_path], MARKERS)
    assert any("a.txt" in h and "utf-16-le" in h for h in hits)
    assert any("b.bin" in h for h in hits)


def test_no_plaintext_while_unlocked_with_wal_and_shm(demo_vault, vault_dir: Path,
                                                      _isolated_data_dir: Path) -> None:
    """Right after the import: the children are in the live WAL, not yet checkpointed."""
    names = {p.name for p in files_under(vault_dir)}
    assert any(n.endswith(".db-wal") for n in names), names  # the scan covers a live WAL
    assert any(n.endswith(".db-shm") for n in names), names
    assert scan_for_plaintext([vault_dir, _isolated_data_dir], MARKERS) == []
    # the data really is there, readable through the vault
    entries = CaseloadService(demo_vault).entries()
    assert len(entries) == 72
    assert "Llewellyn" in {e.child.record.last_name for e in entries}
    if POSIX:  # owner-only: keystore, databases, -wal, -shm, lock file; folders 0700
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files_under(vault_dir)}
        assert modes["keystore.json"] == 0o600
        for name, mode in modes.items():
            assert mode == 0o600, f"{name} is {oct(mode)}"
        for folder in (vault_dir, vault_dir / "councils"):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_no_plaintext_after_lock_and_close(closed_demo: ClosedVault,
                                           _isolated_data_dir: Path) -> None:
    root = closed_demo.root
    assert scan_for_plaintext([root, _isolated_data_dir], MARKERS) == []
    vault = Vault(root, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE)
        assert len(CaseloadService(vault).entries()) == 72
        vault.lock()
        assert scan_for_plaintext([root, _isolated_data_dir], MARKERS) == []
    finally:
        vault.close()
    assert len([p for p in files_under(root / "councils") if p.suffix == ".db"]) == 3
    assert len([p for p in files_under(root / "backups") if p.suffix == ".db"]) == 3  # snapshots
    assert scan_for_plaintext([root, _isolated_data_dir], MARKERS) == []


def test_keystore_json_holds_no_child_data_or_secrets(closed_demo: ClosedVault) -> None:
    text = closed_demo.keystore.read_text("utf-8")
    data = json.loads(text)
    assert len(data["councils"]) == 3
    assert scan_for_plaintext([closed_demo.keystore], MARKERS) == []
    assert PASSPHRASE not in text
    assert closed_demo.recovery_key.replace("-", "") not in text.upper()


def test_stdlib_sqlite3_cannot_read_a_council_database(closed_demo: ClosedVault) -> None:
    dbs = [p for p in files_under(closed_demo.root) if p.suffix == ".db"]
    assert len(dbs) == 6  # three councils and a snapshot of each
    for db in dbs:
        conn = sqlite3.connect(db)
        try:
            with pytest.raises(sqlite3.DatabaseError):
                conn.execute("select * from sqlite_master").fetchall()
        finally:
            conn.close()


# ---- the real command line: logs, config and temp files ---------------------------------


def _bad_csv(path: Path) -> Path:
    lines = SAMPLE_CSV.read_text("utf-8-sig").splitlines()
    bad = lines[2].split(",")
    bad[6] = "31/02/2015"  # no such date
    path.write_text("\n".join([lines[0], lines[1], ",".join(bad)]) + "\n", encoding="utf-8")
    return path


@pytest.mark.skipif(not POSIX, reason="POSIX file modes and TMPDIR")
def test_cli_session_leaves_no_plaintext_in_logs_config_or_temp(vault, vault_dir: Path,
                                                                tmp_path: Path,
                                                                _isolated_data_dir: Path) -> None:
    """Import, list, fail an import and mistype the passphrase through ``iro-desktop``;
    the log (and anything else in the data folder or TMPDIR) holds no child data and
    the log is owner-only."""
    vault.close()
    os_tmp = tmp_path / "os-tmp"
    os_tmp.mkdir()
    env = {"IRO_DESKTOP_PASSPHRASE": PASSPHRASE, "TMPDIR": str(os_tmp)}
    imported = cli_process(["--vault", str(vault_dir), "import-caseload", str(SAMPLE_CSV),
                            "--nation", "VOH=wales"], env=env)
    assert imported.returncode == 0, imported.stderr
    assert "72 added" in imported.stdout
    listed = cli_process(["--vault", str(vault_dir), "due"], env=env)
    assert listed.returncode == 0, listed.stderr
    assert "Llewellyn" in listed.stdout  # shown to the user, not written to disk
    refused = cli_process(["--vault", str(vault_dir), "import-caseload",
                           str(_bad_csv(tmp_path / "bad.csv"))], env=env)
    assert refused.returncode == 1
    wrong = cli_process(["--vault", str(vault_dir), "due"],
                        env={**env, "IRO_DESKTOP_PASSPHRASE": "wrong"})
    assert wrong.returncode == 3

    log = _isolated_data_dir / "logs" / "iro-desktop.log"
    assert log.is_file() and log.stat().st_size > 0  # the scan below read a real log
    assert "caseload.imported" in log.read_text("utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert scan_for_plaintext([vault_dir, _isolated_data_dir, os_tmp], MARKERS) == []
    assert PASSPHRASE not in log.read_text("utf-8")
    assert files_under(os_tmp) == []


# ---- SIGKILL in the middle of a large import ---------------------------------------------

_CRASH_WRITER = r"""
import csv, io, sys
from datetime import date
from pathlib import Path
from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.demo import demo_csv
from iro_desktop.storage.vault import Vault

root, passphrase = Path(sys.argv[1]), sys.argv[2]
vault, _ = Vault.create(root, passphrase, kdf=fast_test_params(),
                        secret_store=MemorySecretStore())
rows = list(csv.DictReader(io.StringIO(demo_csv(date.today()).decode("utf-8"))))
service = CaseloadService(vault)
print("created", flush=True)
for batch in range(1000):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for copy in range(12):  # 288 children per council, one transaction per council
        for row in rows:
            writer.writerow({**row, "council_code": f"{row['council_code']}{batch}",
                             "child_ref": f"{row['child_ref']}-{copy}"})
    service.import_caseload(out.getvalue().encode("utf-8"))
    print("batch", batch, flush=True)
"""

PER_COUNCIL = {"NBK": 34 * 12, "EMB": 19 * 12, "VOH": 19 * 12}


@pytest.mark.skipif(not POSIX, reason="SIGKILL is POSIX")
@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_mid_import_leaves_no_plaintext_and_a_consistent_vault(
        seed: int, tmp_path: Path, _isolated_data_dir: Path) -> None:
    root = tmp_path / "crash-vault"
    code = _CRASH_WRITER.replace("sys.argv[1]", repr(str(root))).replace(
        "sys.argv[2]", repr(PASSPHRASE))
    with child_process(code) as proc:
        wait_for_line(proc, "created")
        wait_for_line(proc, "batch 0")
        # somewhere inside the next batch's parse, council creation or transactions
        time.sleep(random.Random(seed).uniform(0.05, 0.5))
        assert proc.poll() is None, "the writer finished before it could be killed"
    # child is SIGKILLed and reaped by now
    assert scan_for_plaintext([root, _isolated_data_dir], MARKERS) == []

    vault = Vault(root, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE)
        results = vault.check()
        known = [r for r in results if r.council_code != "?"]
        assert known and all(r.ok for r in known), results
        counts = {}
        for council in vault.councils():
            counts[council.code] = len(CaseloadService(vault).entries(council.id))
        # batch 0 is complete; any later council holds all its children or none
        for base, n in PER_COUNCIL.items():
            assert counts.get(f"{base}0") == n, counts
        for code, n in counts.items():
            assert n in (0, PER_COUNCIL[code[:3]]), counts
    finally:
        vault.close()
    assert scan_for_plaintext([root, _isolated_data_dir], MARKERS) == []


_KILL_IN_ADD_COUNCIL = r"""
import os, signal, sys
from pathlib import Path
from iro_desktop.core.models import Nation
from iro_desktop.security import keystore
from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.storage.vault import Vault

root = Path(ROOT)
vault, _ = Vault.create(root, PASSPHRASE, kdf=fast_test_params(), secret_store=MemorySecretStore())
vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
def die(self):  # power cut after the database exists, before its key is saved
    os.kill(os.getpid(), signal.SIGKILL)
keystore.Keystore.save = die
print("ready", flush=True)
vault.add_council("EMB", "Eastmere Borough Council", Nation.ENGLAND)
"""


@pytest.mark.skipif(not POSIX, reason="SIGKILL is POSIX")
def test_crash_while_adding_a_council_leaves_a_vault_that_checks_clean(tmp_path: Path) -> None:
    """Killed after the new council's database exists but before the keystore holds its key:
    the next unlock finishes the job (no orphan database that check() would report forever)."""
    root = tmp_path / "v"
    code = _KILL_IN_ADD_COUNCIL.replace("ROOT", repr(str(root))).replace(
        "PASSPHRASE", repr(PASSPHRASE))
    with child_process(code) as proc:
        wait_for_line(proc, "ready")
        proc.wait(timeout=30)
    vault = Vault(root, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE)
        assert [c.code for c in vault.councils()] == ["NBK"]
        results = vault.check()
        assert all(r.ok for r in results), results
        assert len(list((root / "councils").glob("*.db"))) == 1
    finally:
        vault.close()
