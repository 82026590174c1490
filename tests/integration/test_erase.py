"""Erasing a council when a contract ends: its key and files are gone, nothing of its
children is left in the vault folder, and the other councils open and pass their check."""

from __future__ import annotations

import argparse
import io
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from iro_desktop import cli_council
from iro_desktop.security.errors import DatabaseTamperedError, VaultError
from iro_desktop.security.keystore import Keystore
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.councils import CouncilError, CouncilService
from iro_desktop.storage.engine import raw_connect
from iro_desktop.storage.models import ChildRow, PersonRow
from iro_desktop.storage.vault import Vault
from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    data_keys,
    demo_template,
    files_under,
    hashes,
    scan_for_plaintext,
)


def unlocked(root: Path) -> Vault:
    vault = Vault(root, secret_store=MemorySecretStore()).open()
    vault.unlock(PASSPHRASE)
    return vault


def child_data(vault: Vault, council_id: str) -> list[str]:
    """Every name and reference of the council's children and their networks (6+ bytes, so
    ciphertext cannot match by chance)."""
    with vault.session(council_id) as s:
        found = {v for r in s.scalars(select(ChildRow))
                 for v in (r.child_ref, r.first_name, r.last_name, r.social_worker)}
        found |= {p.name for p in s.scalars(select(PersonRow))}
    return sorted(v for v in found if len(v.encode("utf-8")) >= 6)


def test_erase_leaves_no_key_no_file_and_no_child_data(closed_demo: ClosedVault,
                                                       tmp_path: Path) -> None:
    vault = unlocked(closed_demo.root)
    try:
        voh = vault.council_by_code("VOH")
        markers = child_data(vault, voh.id)
        assert len(markers) >= 15 and "Vale of Hafren" not in markers
        old_copy = tmp_path / "voh-backup.db"  # as an old backup of the file would be
        shutil.copy(vault.database_path(voh.id), old_copy)
        others = {c.code: vault.database_path(c.id) for c in vault.councils() if c.code != "VOH"}

        report = CouncilService(vault).erase(voh.id, "voh")
        assert (report.code, report.children) == ("VOH", 19)
        assert f"{voh.id}.db" in report.files
        assert not [m for m in markers if m in report.summary()]
        assert [c.code for c in vault.councils()] == ["EMB", "NBK"]
    finally:
        vault.close()

    assert not [p for p in files_under(closed_demo.root) if voh.id in p.name]
    store = Keystore.load(closed_demo.keystore)
    assert voh.id not in store.councils and voh.id not in closed_demo.keystore.read_text()
    assert scan_for_plaintext([closed_demo.root], markers) == []

    # nothing left on the device opens the old copy: not the passphrase, not the recovery key
    left = list(data_keys(closed_demo.root).values())
    left += list(store.unwrap_all_with_recovery(closed_demo.recovery_key).values())
    assert len(left) == 4
    for key in left:
        with pytest.raises(DatabaseTamperedError):
            raw_connect(old_copy, key).close()

    vault = unlocked(closed_demo.root)  # the others still open, and pass the check
    try:
        assert [c.code for c in vault.councils()] == ["EMB", "NBK"]
        assert sorted((r.council_code, r.ok) for r in vault.check()) == [("EMB", True),
                                                                          ("NBK", True)]
        assert {c.code: vault.database_path(c.id) for c in vault.councils()} == others
    finally:
        vault.close()


def test_erase_needs_the_typed_code_and_changes_nothing_without_it(
        closed_demo: ClosedVault) -> None:
    vault = unlocked(closed_demo.root)
    try:
        emb = vault.council_by_code("EMB")
        before = hashes(p for p in files_under(closed_demo.root) if not p.name.endswith("-shm"))
        for wrong in ("", "NBK", "EM", "yes"):
            with pytest.raises(CouncilError, match=r"type its code \(EMB\) to confirm"):
                CouncilService(vault).erase(emb.id, wrong)
            with pytest.raises(VaultError, match="Nothing was erased"):
                vault.erase_council(emb.id, wrong)
        after = hashes(p for p in files_under(closed_demo.root) if not p.name.endswith("-shm"))
        assert after == before  # same files, same bytes: keystore, databases, WAL
        assert [c.code for c in vault.councils()] == ["EMB", "NBK", "VOH"]
    finally:
        vault.close()


def test_a_crash_after_the_key_is_destroyed_finishes_at_the_next_unlock(
        closed_demo: ClosedVault) -> None:
    vault = unlocked(closed_demo.root)
    try:
        nbk = vault.council_by_code("NBK")
        path = vault.database_path(nbk.id)
        # the first half of erase_council, as if the power went before the files were removed
        (path.parent / f"{nbk.id}.pending").write_bytes(b"")
        store = vault._require_keystore()
        store.erase_council(nbk.id, vault._kek)
        store.save()
    finally:
        vault.close()
    assert path.is_file()
    vault = unlocked(closed_demo.root)
    try:
        assert [c.code for c in vault.councils()] == ["EMB", "VOH"]
        assert all(r.ok for r in vault.check())
    finally:
        vault.close()
    assert not [p for p in files_under(closed_demo.root) if nbk.id in p.name]


def test_after_a_lock_with_a_damaged_council_the_others_can_still_be_erased(
        closed_demo: ClosedVault) -> None:
    """Erase rewrites the keystore MAC over every council's generation: the vault must still
    unlock (same window, same Vault object) after a lock that left a damaged one alone."""
    from tests.helpers import flip_byte

    flip_byte(closed_demo.dbs["EMB"], 200)  # page 1: EMB cannot be opened at all
    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE, tolerate_damaged=True)
        assert len(vault.damaged) == 1
        vault.lock()
        vault.unlock(PASSPHRASE, tolerate_damaged=True)  # was: "keystore ... changed"
        report = CouncilService(vault).erase(vault.council_by_code("VOH").id, "VOH")
        assert report.code == "VOH"
        assert [c.code for c in vault.councils()] == ["NBK"]
    finally:
        vault.close()
    vault = unlocked_tolerant(closed_demo.root)
    try:
        assert [c.code for c in vault.councils()] == ["NBK"] and len(vault.damaged) == 1
    finally:
        vault.close()


def unlocked_tolerant(root: Path) -> Vault:
    vault = Vault(root, secret_store=MemorySecretStore()).open()
    vault.unlock(PASSPHRASE, tolerate_damaged=True)
    return vault


# ---- the command line -----------------------------------------------------------------------


def council_cli(vault_dir: Path, *args: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="iro-desktop")
    parser.add_argument("--vault", type=Path)
    cli_council.register(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = cli_council.run(parser.parse_args(["--vault", str(vault_dir), *args]), out, err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def test_cli_erase_asks_for_yes_then_reports_and_check_passes(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    before = hashes(files_under(closed_demo.root))
    code, out, err = council_cli(closed_demo.root, "council", "erase", "emb")
    assert code == 2 and "--yes" in err and "cannot be undone" in err
    assert hashes(files_under(closed_demo.root)) == before

    code, _out, err = council_cli(closed_demo.root, "council", "erase", "XYZ", "--yes")
    assert code == 2 and "no council 'XYZ'" in err and "EMB, NBK, VOH" in err

    code, out, err = council_cli(closed_demo.root, "council", "erase", "emb", "--yes")
    assert code == 0, err
    assert "Erased EMB (Eastmere Borough Council)" in out and "19 child record(s)" in out
    assert "no hand-over archive of EMB had been made" in out
    assert "Councils still in the vault: NBK, VOH." in out

    code, out, err = council_cli(closed_demo.root, "council", "list", "--json")
    assert code == 0, err
    assert [c["code"] for c in json.loads(out)] == ["NBK", "VOH"]
    from tests.helpers import cli

    code, out, err = cli(closed_demo.root, "check")
    assert code == 0 and "2 database(s) checked, 0 with problems." in out
