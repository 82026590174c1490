"""A council database changed outside the app: detected, reported, never written to.

security.md test 3: flip a byte in page 1 and in page N; tamper reported with the page
number, no crash, no write. One byte is flipped in a closed vault's EMB database (no WAL:
locking checkpoints it), then the vault is opened as the IRO would.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    demo_template,
    data_keys,
    flip_byte,
    force_close,
    page_offset,
    root_page,
    sha256,
)
from iro_desktop.cli import run
from iro_desktop.security.errors import DatabaseTamperedError
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.storage.vault import Vault


class Tampered:
    """A closed demo vault with one byte of one council's database flipped."""

    def __init__(self, root: Path, dbs: dict[str, Path], code: str, page: int) -> None:
        self.root, self.dbs, self.code, self.page = root, dbs, code, page
        self.db = dbs[code]
        flip_byte(self.db, 100 if page == 1 else page_offset(page))
        self.hash = sha256(self.db)
        self.keystore_hash = sha256(root / "keystore.json")

    def open(self) -> Vault:
        return Vault(self.root, secret_store=MemorySecretStore()).open()

    def untouched(self) -> bool:
        return sha256(self.db) == self.hash and sha256(self.root / "keystore.json") == \
            self.keystore_hash


@pytest.fixture
def closed_dbs(closed_demo: ClosedVault) -> dict[str, Path]:
    assert not list((closed_demo.root / "councils").glob("*-wal"))  # all in the .db files
    return closed_demo.dbs


def _cli(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    out, err = io.StringIO(), io.StringIO()
    code = run(["--vault", str(root), *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ---- page 1 -------------------------------------------------------------------------------


@pytest.fixture
def page1(closed_dbs: dict[str, Path], vault_dir: Path) -> Tampered:
    return Tampered(vault_dir, closed_dbs, "EMB", 1)


def test_page1_flip_is_refused_at_unlock_as_tamper_and_nothing_is_written(page1: Tampered) -> None:
    vault = page1.open()
    try:
        with pytest.raises(DatabaseTamperedError) as caught:
            vault.unlock(PASSPHRASE)
        assert caught.value.pages == (1,)
        assert "page 1" in str(caught.value)
        assert "changed outside iro-desktop" in str(caught.value)
        assert not vault.is_unlocked
    finally:
        vault.close()
    assert page1.untouched()


def test_page1_flip_error_says_which_database(page1: Tampered) -> None:
    vault = page1.open()
    try:
        with pytest.raises(DatabaseTamperedError) as caught:
            vault.unlock(PASSPHRASE)
    finally:
        vault.close()
    exc = caught.value
    assert exc.council_code == "EMB" or page1.db.stem in str(exc) or "EMB" in str(exc)


def test_cli_check_reports_page1_tamper_with_exit_1(page1: Tampered,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _cli(page1.root, monkeypatch, "check")
    assert code == 1, (out, err)
    assert "page 1" in out + err
    assert "Traceback" not in out + err
    assert page1.untouched()


def test_cli_refuses_page1_tamper_without_traceback_or_write(page1: Tampered,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    code, out, err = _cli(page1.root, monkeypatch, "due")
    assert code == 3
    assert "changed outside iro-desktop" in err
    assert "Traceback" not in out + err
    assert "Llewellyn" not in out
    assert page1.untouched()


# ---- a later page: the child table, not read while unlocking ------------------------------


@pytest.fixture
def child_page(closed_dbs: dict[str, Path], vault_dir: Path) -> Tampered:
    keys = data_keys(vault_dir)
    db = closed_dbs["EMB"]
    page = root_page(db, keys[db.stem], "child")
    assert page > 1
    return Tampered(vault_dir, closed_dbs, "EMB", page)


def _read_children(vault: Vault, council_id: str) -> int:
    from iro_desktop.storage.repositories import ChildRepository

    with vault.session(council_id) as session:
        return len(ChildRepository(session, council_id).active())


def test_later_page_flip_is_reported_when_reading_with_the_council_code(child_page: Tampered
                                                                        ) -> None:
    vault = child_page.open()
    try:
        vault.unlock(PASSPHRASE)  # the damaged page is not needed to unlock
        emb = vault.council_by_code("EMB")
        nbk = vault.council_by_code("NBK")
        assert emb is not None and nbk is not None
        with pytest.raises(DatabaseTamperedError) as caught:
            _read_children(vault, emb.id)
        assert caught.value.council_code == "EMB"
        assert "EMB" in str(caught.value)
        assert "changed outside iro-desktop" in str(caught.value)
        # the other councils are untouched and still readable
        assert _read_children(vault, nbk.id) == 34
        assert len(CaseloadService(vault).entries(nbk.id)) == 34
        # the caseload either refuses with the same error or shows the others only
        try:
            entries = CaseloadService(vault).entries()
        except DatabaseTamperedError as exc:
            assert exc.council_code == "EMB"
        else:
            assert {e.council.code for e in entries} == {"NBK", "VOH"}
            assert len(entries) == 34 + 19
    finally:
        force_close(vault)


def test_later_page_flip_error_and_check_name_the_page(child_page: Tampered) -> None:
    vault = child_page.open()
    try:
        vault.unlock(PASSPHRASE)
        with pytest.raises(DatabaseTamperedError) as caught:
            _read_children(vault, vault.council_by_code("EMB").id)
        assert child_page.page in caught.value.pages
        assert f"page {child_page.page}" in str(caught.value)
        by_code = {r.council_code: r for r in vault.check()}
        assert by_code["NBK"].ok and by_code["VOH"].ok
        assert not by_code["EMB"].ok
        assert any(f"page {child_page.page}" in p for p in by_code["EMB"].problems)
    finally:
        force_close(vault)


def test_vault_check_flags_only_the_damaged_council(child_page: Tampered) -> None:
    vault = child_page.open()
    try:
        vault.unlock(PASSPHRASE)
        by_code = {r.council_code: r for r in vault.check()}
        assert set(by_code) == {"NBK", "EMB", "VOH"}
        assert by_code["NBK"].ok and by_code["VOH"].ok
        assert not by_code["EMB"].ok
        assert by_code["EMB"].database == child_page.db.name
    finally:
        force_close(vault)


def test_lock_after_tamper_was_detected_still_forgets_the_keys(child_page: Tampered) -> None:
    vault = child_page.open()
    try:
        vault.unlock(PASSPHRASE)
        with pytest.raises(DatabaseTamperedError):
            _read_children(vault, vault.council_by_code("EMB").id)
        vault.lock()
        assert not vault.is_unlocked
    finally:
        force_close(vault)


def test_tampered_database_is_not_written_after_detection(child_page: Tampered) -> None:
    vault = child_page.open()
    try:
        vault.unlock(PASSPHRASE)
        with pytest.raises(DatabaseTamperedError):
            _read_children(vault, vault.council_by_code("EMB").id)
        assert not all(r.ok for r in vault.check())
    finally:
        force_close(vault)
    assert child_page.untouched()


def test_cli_check_names_the_damaged_later_page_and_leaves_the_file(
        child_page: Tampered, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _cli(child_page.root, monkeypatch, "check")
    assert code == 1, (out, err)
    assert "EMB" in out and f"page {child_page.page}" in out
    assert "Traceback" not in out + err
    assert child_page.untouched()


# ---- the last page (offset 4096 * N + 200) ------------------------------------------------


@pytest.fixture
def last_page(closed_dbs: dict[str, Path], vault_dir: Path) -> Tampered:
    pages = closed_dbs["EMB"].stat().st_size // 4096
    assert pages > 2
    return Tampered(vault_dir, closed_dbs, "EMB", pages)


def test_last_page_flip_is_detected_on_unlock_or_by_check(last_page: Tampered) -> None:
    vault = last_page.open()
    try:
        try:
            vault.unlock(PASSPHRASE)
        except DatabaseTamperedError as exc:  # the page is needed to unlock: refused, no write
            assert "changed outside iro-desktop" in str(exc)
            assert not vault.is_unlocked
            assert last_page.untouched()
        else:  # the page is not needed to unlock: check() must find it, in EMB only
            by_code = {r.council_code: r for r in vault.check()}
            assert by_code["NBK"].ok and by_code["VOH"].ok
            assert not by_code["EMB"].ok
    finally:
        force_close(vault)


def test_cli_check_names_the_damaged_last_page(last_page: Tampered,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _cli(last_page.root, monkeypatch, "check")
    assert code == 1, (out, err)
    assert f"page {last_page.page}" in out
    assert "Traceback" not in out + err
    assert last_page.untouched()


# ---- a whole file swapped for an older copy -----------------------------------------------


def test_database_rolled_back_to_an_older_copy_is_detected(demo_vault, vault_dir: Path) -> None:
    from iro_desktop.services.demo import demo_csv

    emb = demo_vault.council_by_code("EMB")
    db = demo_vault.database_path(emb.id)
    demo_vault.lock()
    old = db.read_bytes()
    demo_vault.unlock(PASSPHRASE)
    text = demo_csv(CaseloadService(demo_vault).today()).decode("utf-8")
    extra = [ln for ln in text.splitlines() if ln.startswith("EMB,")][0].split(",")
    extra[2] = "EMB-NEW-1"
    CaseloadService(demo_vault).import_caseload(
        (text.splitlines()[0] + "\n" + ",".join(extra) + "\n").encode("utf-8"))
    demo_vault.close()
    db.write_bytes(old)
    vault = Vault(vault_dir, secret_store=MemorySecretStore()).open()
    try:
        with pytest.raises(DatabaseTamperedError, match="EMB database is an older copy") as exc:
            vault.unlock(PASSPHRASE)
        assert exc.value.council_code == "EMB"  # the rolled-back council, not another
        assert not vault.is_unlocked
        assert db.read_bytes() == old  # refused before anything was written to it
    finally:
        force_close(vault)


# ---- truncated, missing or replaced files -------------------------------------------------


def _cycle(root: Path, code: str = "EMB") -> None:
    """Open, unlock, save one change to ``code`` and close (its generation moves on)."""
    from datetime import datetime

    from iro_desktop.storage.models import AuditEvent

    vault = Vault(root, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE)
        with vault.session(vault.council_by_code(code).id) as session:
            session.add(AuditEvent(at=datetime.now(), code="test.edit", detail=""))
    finally:
        vault.close()


@pytest.mark.parametrize("size", [
    pytest.param(0, id="empty"),
    pytest.param(4096, id="one-page"),
    pytest.param(3 * 4096 + 100, id="mid-page"),
    pytest.param(-1, id="half"),
])
def test_truncated_council_database_is_refused_and_left_as_it_is(closed_demo: ClosedVault,
                                                               size: int) -> None:
    db = closed_demo.dbs["EMB"]
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2 if size < 0 else size])
    before = sha256(db)
    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    try:
        with pytest.raises(DatabaseTamperedError):
            vault.unlock(PASSPHRASE)
        assert not vault.is_unlocked
    finally:
        force_close(vault)
    assert sha256(db) == before


def test_cli_check_reports_a_missing_council_database(closed_demo: ClosedVault,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = closed_demo.dbs["EMB"]
    db.unlink()
    code, out, err = _cli(closed_demo.root, monkeypatch, "check")
    assert code == 1, (out, err)
    assert "missing" in (out + err).lower()
    assert not db.exists()  # checking did not invent an empty database in its place


def test_cli_check_reports_an_empty_council_database(closed_demo: ClosedVault,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    closed_demo.dbs["EMB"].write_bytes(b"")
    code, out, err = _cli(closed_demo.root, monkeypatch, "check")
    assert code == 1, (out, err)
    assert "0 with problems" not in out


def test_cli_check_reports_a_rolled_back_council_database(closed_demo: ClosedVault,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = closed_demo.dbs["EMB"]
    old = db.read_bytes()
    _cycle(closed_demo.root)
    db.write_bytes(old)
    code, out, err = _cli(closed_demo.root, monkeypatch, "due")
    assert code == 3 and "older copy" in err  # the vault itself notices
    code, out, err = _cli(closed_demo.root, monkeypatch, "check")
    assert code == 1, (out, err)
    assert "older" in out.lower()
