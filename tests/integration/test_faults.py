"""Fault injection: damaged pages, damaged WAL headers, older copies, edited key slots, a
full disk at every write and SIGKILL at every step of import, send and erase.

Where a fault has more places than a CI run can afford, 20 are drawn with a fixed seed
(``SEED``), so every run tries the same ones. Each test prints its counts; the figures
are in docs/reliability.md. What must hold everywhere: the fault is reported by name or
the work is whole; nothing committed vanishes in silence; a damaged file is never written.
"""

from __future__ import annotations

import errno
import io
import json
import os
import random
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    POSIX,
    ClosedVault,
    build_demo_vault,
    closed_demo,
    data_keys,
    demo_template,
    flip_byte,
    force_close,
    page_offset,
    root_page,
    sha256,
)
from iro_desktop.cli import run
from iro_desktop.security.errors import DatabaseTamperedError, VaultError
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.storage.models import AuditEvent
from iro_desktop.storage.vault import Vault

SEED = 20261203
POINTS = 20
RUNNER = Path(__file__).with_name("fault_runner.py")
TABLES = ("agenda_item", "alembic_version", "amendment", "attendance", "audit_event", "child",
          "council", "council_asset", "council_setting", "decision", "decision_update",
          "escalation", "escalation_stage", "monitoring_entry", "outbox_item", "person",
          "review", "review_text", "search_pending", "text_mark", "vault_meta")


def _open(root: Path) -> Vault:
    return Vault(root, secret_store=MemorySecretStore()).open()


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("IRO_DESKTOP_PASSPHRASE")
    os.environ["IRO_DESKTOP_PASSPHRASE"] = PASSPHRASE
    try:
        code = run(["--vault", str(root), *args], out=out, err=err)
    finally:
        if old is None:
            os.environ.pop("IRO_DESKTOP_PASSPHRASE", None)
        else:
            os.environ["IRO_DESKTOP_PASSPHRASE"] = old
    return code, out.getvalue(), err.getvalue()


def _note(vault: Vault, code: str, what: str) -> None:
    with vault.session(vault.council_by_code(code).id) as session:
        session.add(AuditEvent(at=datetime.now(), code="test.note", detail=what))


def _notes(vault: Vault, code: str) -> list[str]:
    with vault.session(vault.council_by_code(code).id) as session:
        return [e.detail for e in session.query(AuditEvent).filter_by(code="test.note")]


def _sample(population: list[int], rng: random.Random) -> list[int]:
    return population if len(population) <= POINTS else sorted(rng.sample(population, POINTS))


def _report(name: str, counts: dict[str, int]) -> None:
    print(f"\nfaults {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def _healthy(root: Path) -> Vault:
    """Unlocks with nothing damaged and every page and slot passing ``check``."""
    vault = _open(root)
    try:
        vault.unlock(PASSPHRASE)
        problems = [r for r in vault.check() if not r.ok]
        assert not problems, problems
        assert not vault.damaged
    except BaseException:
        force_close(vault)
        raise
    return vault


# ---- a damaged page in each table -----------------------------------------------------------


def test_a_damaged_page_in_each_table_is_reported_never_written_and_restored(
        demo_template: ClosedVault, tmp_path: Path) -> None:
    counts = {"tables": 0, "reported": 0, "file unchanged": 0, "restored": 0}
    for table in TABLES:
        case = demo_template.copy_to(tmp_path / table)
        db = case.dbs["EMB"]
        page = root_page(db, data_keys(case.root)[db.stem], table)
        flip_byte(db, page_offset(page, 300))
        before = sha256(db)
        counts["tables"] += 1
        code, out, err = _cli(case.root, "due")
        silent = code == 0 and "EMB" not in err
        vault = _open(case.root)
        try:
            vault.unlock(PASSPHRASE, tolerate_damaged=True)
            if not vault.damaged:  # not read yet: the first write must find it
                with pytest.raises(DatabaseTamperedError):
                    _note(vault, "EMB", "written around the damage?")
            labels = [label for _cid, label in vault.damaged_councils()]
            assert labels in (["EMB"], [db.name]), (table, labels)
        finally:
            force_close(vault)
        if silent:  # due read nothing of that table: its output was whole
            assert table not in ("child", "council")
        code, out, err = _cli(case.root, "check")
        assert code == 1 and f"page {page}" in out, (table, out, err)
        counts["reported"] += 1
        assert sha256(db) == before, table
        counts["file unchanged"] += 1
        code, out, err = _cli(case.root, "restore")
        assert code == 0, (table, out, err)
        _healthy(case.root).close()
        counts["restored"] += 1
    _report("damaged page per table", counts)
    assert counts["restored"] == len(TABLES)


# ---- the WAL header after a crash -----------------------------------------------------------


@pytest.fixture(scope="module")
def crash_image(demo_template: ClosedVault, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo vault as a power cut leaves it: two committed notes in EMB's WAL only."""
    work = demo_template.copy_to(tmp_path_factory.mktemp("crash") / "live")
    image = work.root.parent / "image"
    vault = _open(work.root)
    vault.unlock(PASSPHRASE)
    try:
        _note(vault, "EMB", "first")
        _note(vault, "EMB", "second")
        shutil.copytree(work.root, image, ignore=shutil.ignore_patterns("vault.lock"))
    finally:
        force_close(vault)
    return image


def test_a_damaged_wal_header_never_loses_a_commit_in_silence(crash_image: Path,
                                                             tmp_path: Path) -> None:
    rng = random.Random(SEED)
    wal = max((crash_image / "councils").glob("*.db-wal"), key=lambda p: p.stat().st_size)
    assert wal.stat().st_size > 32  # EMB's, holding the two commits
    offsets = _sample(list(range(32)), rng) + _sample(list(range(32, 56)), rng)[:POINTS // 2]
    counts = {"points": 0, "whole": 0, "refused as older": 0, "silent loss": 0}
    for n, offset in enumerate(offsets):
        case = tmp_path / f"wal{n}"
        shutil.copytree(crash_image, case)
        flip_byte(case / "councils" / wal.name, offset)
        counts["points"] += 1
        vault = _open(case)
        try:
            try:
                vault.unlock(PASSPHRASE)
            except DatabaseTamperedError as exc:
                assert exc.council_code == "EMB" and "older copy" in str(exc)
                counts["refused as older"] += 1
                continue
            if _notes(vault, "EMB") == ["first", "second"]:
                counts["whole"] += 1
            else:
                counts["silent loss"] += 1
        finally:
            force_close(vault)
    _report("WAL header/frame byte flipped after a crash", counts)
    assert counts["silent loss"] == 0


# ---- rollback to an older copy --------------------------------------------------------------


def test_an_older_copy_of_a_database_is_always_refused(demo_template: ClosedVault,
                                                       tmp_path: Path) -> None:
    work = demo_template.copy_to(tmp_path / "live")
    db = work.dbs["EMB"]
    states: list[dict[str, bytes]] = []
    vault = _open(work.root)
    vault.unlock(PASSPHRASE)
    try:
        for n in range(POINTS):
            states.append({p.name: p.read_bytes() for p in db.parent.glob(f"{db.name}*")})
            _note(vault, "EMB", f"note {n}")
    finally:
        vault.close()
    final = {p.name: p.read_bytes() for p in db.parent.glob(f"{db.name}*")}
    rng = random.Random(SEED)
    picks = [rng.randrange(len(states)) for _ in range(POINTS)]
    counts = {"points": 0, "refused": 0, "accepted": 0}
    for index in picks:
        for p in db.parent.glob(f"{db.name}*"):
            p.unlink()
        for name, data in states[index].items():
            (db.parent / name).write_bytes(data)
        counts["points"] += 1
        code, out, err = _cli(work.root, "due")
        if code != 0 and "EMB" in err and "older copy" in err:
            counts["refused"] += 1
        else:
            counts["accepted"] += 1
    for p in db.parent.glob(f"{db.name}*"):
        p.unlink()
    for name, data in final.items():
        (db.parent / name).write_bytes(data)
    vault = _healthy(work.root)  # the latest copy is accepted with every note
    try:
        assert _notes(vault, "EMB") == [f"note {n}" for n in range(POINTS)]
    finally:
        vault.close()
    _report("database put back from an earlier point of a session", counts)
    assert counts["refused"] == POINTS


# ---- an edited recovery slot ----------------------------------------------------------------


def test_every_edited_recovery_slot_is_named_by_check(demo_template: ClosedVault,
                                                      tmp_path: Path) -> None:
    rng = random.Random(SEED)
    counts = {"points": 0, "named by check": 0}
    ids = {p.stem: code for code, p in demo_template.dbs.items()}
    for n in range(POINTS):
        case = demo_template.copy_to(tmp_path / f"slot{n}")
        data = json.loads(case.keystore.read_text("utf-8"))
        entry = rng.choice(data["councils"])
        field = rng.choice(["epk", "nonce", "ct"])
        text = entry["slots"]["recovery"][field]
        at = rng.randrange(len(text))
        entry["slots"]["recovery"][field] = text[:at] + ("1" if text[at] != "1" else "2") + \
            text[at + 1:]
        case.keystore.write_text(json.dumps(data, indent=1), "utf-8")
        counts["points"] += 1
        code, out, err = _cli(case.root, "check")
        code_of = ids[entry["id"]]
        line = next(ln for ln in out.splitlines() if ln.startswith(code_of))
        if code == 1 and "recovery key would not open it" in line:
            counts["named by check"] += 1
    _report("recovery slot edited (one character)", counts)
    assert counts["named by check"] == POINTS


# ---- a full disk at each write of a three-council import ------------------------------------


class _DiskFull:
    """Fails the N-th write (an fsync or a database commit) as a full disk would."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at, self.seen = fail_at, 0

    def tick(self) -> None:
        self.seen += 1
        if self.seen == self.fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")


def _import_with_full_disk(root: Path, csv: bytes, fail_at: int,
                           monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    import sqlcipher3.dbapi2 as sqlcipher
    from sqlalchemy.exc import OperationalError

    disk = _DiskFull(fail_at)
    real_fsync = os.fsync
    before = Vault._before_write_commit

    def fsync(fd: int) -> None:
        disk.tick()
        real_fsync(fd)

    def before_commit(self, council_id, conn):  # type: ignore[no-untyped-def]
        try:
            disk.tick()
        except OSError:  # as SQLAlchemy reports SQLITE_FULL from the COMMIT
            raise OperationalError("COMMIT", None,
                                   sqlcipher.OperationalError("database or disk is full")
                                   ) from None
        before(self, council_id, conn)

    vault = _open(root)
    vault.unlock(PASSPHRASE)
    message = ""
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", fsync)
        patch.setattr(Vault, "_before_write_commit", before_commit)
        try:
            CaseloadService(vault).import_caseload(csv)
        except VaultError as exc:
            message = str(exc)
        finally:
            force_close(vault)
    return disk.seen, message


def test_a_full_disk_at_each_write_of_an_import_is_named_and_loses_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.services.demo import demo_csv

    csv = demo_csv(date.today())
    expected = {"NBK": 0, "EMB": 0, "VOH": 0}
    for line in csv.decode("utf-8").splitlines()[1:]:
        expected[line.split(",")[0]] += 1
    empty = tmp_path / "empty"
    Vault.create(empty, PASSPHRASE, kdf=fast_test_params(),
                 secret_store=MemorySecretStore())[0].close()
    total, message = _import_with_full_disk(shutil.copytree(empty, tmp_path / "count"), csv,
                                            0, monkeypatch)
    assert message == "" and total > 6
    counts = {"write points": total, "tried": 0, "stopped naming the disk": 0,
              "finished (a retried write failed)": 0, "councils whole": 0,
              "completed by re-run": 0}
    for fail_at in _sample(list(range(1, total + 1)), random.Random(SEED)):
        case = shutil.copytree(empty, tmp_path / f"full{fail_at}")
        seen, message = _import_with_full_disk(case, csv, fail_at, monkeypatch)
        counts["tried"] += 1
        if message:
            assert "disk is full" in message, message
            counts["stopped naming the disk"] += 1
        else:
            counts["finished (a retried write failed)"] += 1
        vault = _healthy(case)
        try:
            held = {c.code: len(CaseloadService(vault).entries(c.id)) for c in vault.councils()}
            written = [code for code in expected if "Written in full: " in message
                       and code in message.split("Written in full:")[1].split(".")[0]]
            assert all(held.get(code, 0) in (0, expected[code]) for code in expected), held
            assert all(held.get(code) == expected[code] for code in written), (held, message)
            counts["councils whole"] += 1
            CaseloadService(vault).import_caseload(csv)  # the same import again completes it
            held = {c.code: len(CaseloadService(vault).entries(c.id)) for c in vault.councils()}
            assert held == expected
            counts["completed by re-run"] += 1
        finally:
            force_close(vault)
    _report("disk full at a write of a three-council import", counts)
    assert counts["completed by re-run"] == counts["tried"]


# ---- SIGKILL at each step of import, send and erase -----------------------------------------


def _runner(op: str, root: Path, kill_at: int, arg: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, IRO_DESKTOP_PASSPHRASE=PASSPHRASE, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, str(RUNNER), op, str(root), str(kill_at), arg],
                          capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parents[2], stdin=subprocess.DEVNULL)


def _steps(op: str, template: Path, work: Path, arg: str = "") -> int:
    case = shutil.copytree(template, work)
    done = _runner(op, case, 0, arg)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split("steps")[1].split()[0])


def _kill_points(op: str, template: Path, tmp_path: Path, arg: str = "") -> list[tuple[int, Path]]:
    total = _steps(op, template, tmp_path / f"{op}-count", arg)
    cases = []
    for kill_at in _sample(list(range(1, total + 1)), random.Random(SEED)):
        case = shutil.copytree(template, tmp_path / f"{op}-{kill_at}")
        done = _runner(op, case, kill_at, arg)
        assert done.returncode == -9, (kill_at, done.returncode, done.stderr)
        cases.append((kill_at, case))
    return cases


@pytest.mark.skipif(not POSIX, reason="SIGKILL is POSIX")
def test_sigkill_at_each_step_of_a_three_council_import(tmp_path: Path) -> None:
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.services.demo import demo_csv

    csv = tmp_path / "caseload.csv"
    csv.write_bytes(demo_csv(date.today()))
    expected = {"NBK": 0, "EMB": 0, "VOH": 0}
    for line in csv.read_text("utf-8").splitlines()[1:]:
        expected[line.split(",")[0]] += 1
    empty = tmp_path / "empty"
    Vault.create(empty, PASSPHRASE, kdf=fast_test_params(),
                 secret_store=MemorySecretStore())[0].close()
    counts = {"kills": 0, "opened healthy": 0, "councils whole": 0, "completed by re-run": 0}
    for _kill_at, case in _kill_points("import", empty, tmp_path, str(csv)):
        counts["kills"] += 1
        vault = _healthy(case)
        counts["opened healthy"] += 1
        try:
            held = {c.code: len(CaseloadService(vault).entries(c.id)) for c in vault.councils()}
            # each council's children are all there or none (a council may have been added
            # just before the kill, still empty)
            assert all(held[code] in (0, expected[code]) for code in held), held
            counts["councils whole"] += 1
            CaseloadService(vault).import_caseload(csv.read_bytes())
            held = {c.code: len(CaseloadService(vault).entries(c.id)) for c in vault.councils()}
            assert held == expected
            counts["completed by re-run"] += 1
        finally:
            force_close(vault)
    _report("SIGKILL during import", counts)


@pytest.mark.skipif(not POSIX, reason="SIGKILL is POSIX")
def test_sigkill_at_each_step_of_an_erase(demo_template: ClosedVault, tmp_path: Path) -> None:
    emb_id = demo_template.dbs["EMB"].stem
    counts = {"kills": 0, "opened healthy": 0, "kept whole": 0, "erased cleanly": 0}
    for _kill_at, case in _kill_points("erase", demo_template.root, tmp_path, "EMB"):
        counts["kills"] += 1
        vault = _healthy(case)
        counts["opened healthy"] += 1
        try:
            codes = {c.code for c in vault.councils()}
            assert {"NBK", "VOH"} <= codes
            if "EMB" in codes:
                assert len(CaseloadService(vault).entries(vault.council_by_code("EMB").id)) > 0
                counts["kept whole"] += 1
            else:
                left = [p.name for p in case.rglob(f"{emb_id}*")]
                assert left == [], left
                counts["erased cleanly"] += 1
        finally:
            force_close(vault)
    _report("SIGKILL during erase", counts)


@pytest.fixture(scope="module")
def outbox_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo vault with reviews, two copies of the finalised review queued for NBK's
    delivery folder (outside the vault)."""
    from iro_desktop.core.reviews import ReviewStatus
    from iro_desktop.services.council_profile import CouncilProfileService
    from iro_desktop.services.export import ExportService
    from iro_desktop.services.outbox import OutboxService
    from iro_desktop.services.reviews import ReviewService

    base = tmp_path_factory.mktemp("outbox")
    closed = build_demo_vault(base / "vault")
    folder = base / "delivery"
    folder.mkdir()
    vault = _open(closed.root)
    vault.unlock(PASSPHRASE)
    try:
        service = ReviewService(vault)
        for council in vault.councils():
            for entry in CaseloadService(vault).entries(council.id):
                for summary in service.reviews(council.id, entry.child.id):
                    if summary.status is ReviewStatus.FINALISED:
                        CouncilProfileService(vault).set(council.id, "delivery_folder",
                                                         str(folder))
                        OutboxService(vault, ExportService(vault)).queue(
                            council.id, summary.id, ["full", "decisions"])
    finally:
        vault.close()
    return closed.root, folder


@pytest.mark.skipif(not POSIX, reason="SIGKILL is POSIX")
def test_sigkill_at_each_step_of_an_outbox_send(outbox_template: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    from iro_desktop.services.export import ExportService
    from iro_desktop.services.outbox import OutboxService

    template, folder = outbox_template
    counts = {"kills": 0, "opened healthy": 0, "sent whole by re-run": 0}
    total = _steps("send", template, tmp_path / "send-count")
    for kill_at in _sample(list(range(1, total + 1)), random.Random(SEED)):
        shutil.rmtree(folder)
        folder.mkdir()
        case = shutil.copytree(template, tmp_path / f"send-{kill_at}")
        done = _runner("send", case, kill_at)
        assert done.returncode == -9, (kill_at, done.stderr)
        counts["kills"] += 1
        vault = _healthy(case)
        counts["opened healthy"] += 1
        try:
            box = OutboxService(vault, ExportService(vault))
            box.send()
            items = box.items(None, None)
            assert items and all(i.state == "delivered" for i in items)
            for item in items:  # every delivered file is whole
                delivered = folder / item.filename
                if delivered.exists():
                    assert sha256(delivered) == item.sha256
            counts["sent whole by re-run"] += 1
        finally:
            force_close(vault)
    _report("SIGKILL during outbox send", counts)
