"""The command line, driven in-process through ``iro_desktop.cli.run``."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    NEW_PASSPHRASE,
    PASSPHRASE,
    SAMPLE_CSV,
    ClosedVault,
    closed_demo,
    demo_template,
)
from iro_desktop.cli import run
from iro_desktop.security.errors import WrongPassphraseError
from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.storage.vault import Vault

RECOVERY_LINE = re.compile(r"^\s+([A-Z2-7]{4}(?:-[A-Z2-7]{4})+)\s*$", re.MULTILINE)
DUE_KEYS = {"council_code", "child_ref", "next_review_due", "rule", "overdue"}


@pytest.fixture(autouse=True)
def _fast_and_keyringless(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Calibration would take ~0.5 s per init; and never touch the developer's keyring."""
    monkeypatch.setattr("iro_desktop.storage.vault.calibrate",
                        lambda *a, **k: fast_test_params())
    original = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(original)


@pytest.fixture
def env_passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE


@pytest.fixture
def empty_vault(vault, vault_dir: Path) -> Path:
    vault.close()
    return vault_dir


def cli(vault_dir: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--vault", str(vault_dir), *args], out=out, err=err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def children_count(vault_dir: Path) -> int:
    vault = Vault(vault_dir, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE)
        return len(CaseloadService(vault).entries())
    finally:
        vault.close()


def due_json(vault_dir: Path, *args: str) -> list[dict]:
    code, out, err = cli(vault_dir, "due", "--json", *args)
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, list)
    return data


# ---- init ------------------------------------------------------------------------------------


def test_init_creates_a_vault_and_shows_a_14_group_recovery_key(vault_dir: Path,
                                                                env_passphrase: str) -> None:
    code, out, err = cli(vault_dir, "init")
    assert code == 0, err
    keys = RECOVERY_LINE.findall(out)
    assert len(keys) == 1
    assert len(keys[0].split("-")) == 14
    assert "shown only this once" in out
    assert (vault_dir / "keystore.json").is_file()
    # the key shown really recovers the vault
    vault = Vault(vault_dir, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock_with_recovery(keys[0], NEW_PASSPHRASE)
    finally:
        vault.close()


def test_init_twice_is_refused_and_keeps_the_first_vault(vault_dir: Path,
                                                         env_passphrase: str) -> None:
    assert cli(vault_dir, "init")[0] == 0
    before = (vault_dir / "keystore.json").read_bytes()
    code, out, err = cli(vault_dir, "init")
    assert code == 1
    assert "already exists" in err
    assert RECOVERY_LINE.findall(out) == []
    assert (vault_dir / "keystore.json").read_bytes() == before


@pytest.mark.parametrize("weak", ["password", "password123456", "qwertyuiopasdf"])
def test_init_refuses_a_weak_passphrase_with_advice(vault_dir: Path, weak: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", weak)
    code, out, err = cli(vault_dir, "init")
    assert code != 0
    assert len(err.strip()) > len("iro-desktop: ") + 10  # says why and what to do
    assert RECOVERY_LINE.findall(out) == []
    assert not (vault_dir / "keystore.json").exists()


def test_init_weak_short_passphrase_advice_names_the_rule(vault_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", "password")
    code, _out, err = cli(vault_dir, "init")
    assert code == 2  # usage: choose another passphrase (3 is for the vault's own errors)
    assert "12 characters" in err and "three or more words" in err


def test_init_remember_without_a_keyring_never_loses_the_recovery_key(
        vault_dir: Path, env_passphrase: str) -> None:
    """No usable keyring (the fail backend): the vault is made, its recovery key shown, and
    'remember' is refused with a warning - never a vault whose key was not shown."""
    code, out, err = cli(vault_dir, "init", "--remember")
    created = (vault_dir / "keystore.json").exists()
    assert not created or len(RECOVERY_LINE.findall(out)) == 1, (code, out, err)
    if created:
        assert code == 0, err
        assert "not remembered" in (out + err).lower()
        vault = Vault(vault_dir, secret_store=MemorySecretStore()).open()
        try:
            assert not vault.remembered
            vault.unlock(PASSPHRASE)
        finally:
            vault.close()


def test_no_passphrase_and_no_terminal_is_a_clear_usage_error(
        empty_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO())
    for args, where in ((["due"], empty_vault), (["init"], tmp_path / "new")):
        code, out, err = cli(where, *args)
        assert code == 2
        assert "IRO_DESKTOP_PASSPHRASE" in err and "no terminal" in err
        assert out == ""
    assert not (tmp_path / "new" / "keystore.json").exists()


def test_missing_vault_is_reported(tmp_path: Path, env_passphrase: str) -> None:
    code, _out, err = cli(tmp_path / "nowhere", "due")
    assert code == 3
    assert "no vault was found" in err


# ---- import-caseload ---------------------------------------------------------------------------


def test_import_sample_then_reimport_is_unchanged(empty_vault: Path, env_passphrase: str) -> None:
    code, out, err = cli(empty_vault, "import-caseload", str(SAMPLE_CSV))
    assert code == 0, err
    assert "Imported: 72 added, 0 updated, 0 unchanged across 3 councils." in out
    for council in ("NBK", "EMB", "VOH"):
        assert re.search(rf"^{council} .*new council", out, re.MULTILINE)
    assert children_count(empty_vault) == 72
    code, out, err = cli(empty_vault, "import-caseload", str(SAMPLE_CSV))
    assert code == 0, err
    assert "Imported: 0 added, 0 updated, 72 unchanged across 3 councils." in out
    assert "new council" not in out
    assert children_count(empty_vault) == 72


def test_nation_option_makes_a_council_welsh(empty_vault: Path, env_passphrase: str) -> None:
    code, out, err = cli(empty_vault, "import-caseload", str(SAMPLE_CSV), "--nation", "VOH=wales")
    assert code == 0, err
    assert re.search(r"^VOH .*\[Wales\]", out, re.MULTILINE)
    assert re.search(r"^NBK .*\[England\]", out, re.MULTILINE)
    assert "VOH (" not in out  # no 'England assumed' warning for VOH
    entries = due_json(empty_vault)
    voh = [e for e in entries if e["council_code"] == "VOH"]
    assert len(voh) == 19
    assert all("Wales" in e["rule"] for e in voh)
    assert all("England" in e["rule"] for e in entries if e["council_code"] != "VOH")


def test_without_nation_new_councils_default_to_england_with_a_warning(
        empty_vault: Path, env_passphrase: str) -> None:
    code, out, _err = cli(empty_vault, "import-caseload", str(SAMPLE_CSV))
    assert code == 0
    assert out.count("warning:") == 3
    assert all("England" in e["rule"] for e in due_json(empty_vault))


@pytest.mark.parametrize("bad", ["VOH", "VOH=mars", "=wales"])
def test_bad_nation_option_is_a_usage_error(empty_vault: Path, env_passphrase: str,
                                            bad: str) -> None:
    code, _out, err = cli(empty_vault, "import-caseload", str(SAMPLE_CSV), "--nation", bad)
    assert code == 2
    assert "--nation" in err
    assert children_count(empty_vault) == 0


def _malformed(path: Path, new_council: bool = False) -> Path:
    lines = SAMPLE_CSV.read_text("utf-8-sig").splitlines()
    header, good, bad_date, bad_code = lines[0], lines[1], lines[2].split(","), lines[3].split(",")
    good = good.replace("NB927036", "NB000001")  # a new child: would be 'added'
    bad_date[6] = "31/02/2015"  # date_of_birth: no such date
    bad_code[8] = "ZZ"  # legal_status: unknown code
    if new_council:
        good = "NEW,New Council" + good[good.index(",", good.index(",") + 1):]
    path.write_text("\n".join([header, good, ",".join(bad_date), ",".join(bad_code)]) + "\n",
                    encoding="utf-8")
    return path


def test_malformed_csv_is_refused_whole_with_every_line_listed(
        closed_demo: ClosedVault, env_passphrase: str, tmp_path: Path) -> None:
    empty_vault = closed_demo.root  # holds the 72 demo children
    db_files = sorted((empty_vault / "councils").iterdir())
    code, out, err = cli(empty_vault, "import-caseload", str(_malformed(tmp_path / "bad.csv")))
    assert code == 1
    text = out + err
    assert "line 3" in text and "date_of_birth" in text
    assert "line 4" in text and "legal_status" in text
    assert "line 2" not in text
    assert "Nothing was changed" in text
    assert children_count(empty_vault) == 72
    assert "NB000001" not in {e["child_ref"] for e in due_json(empty_vault)}
    assert sorted((empty_vault / "councils").iterdir()) == db_files


def test_malformed_csv_creates_no_new_council(empty_vault: Path, env_passphrase: str,
                                              tmp_path: Path) -> None:
    code, _out, _err = cli(empty_vault, "import-caseload",
                           str(_malformed(tmp_path / "bad.csv", new_council=True)))
    assert code == 1
    assert list((empty_vault / "councils").iterdir()) == []
    assert children_count(empty_vault) == 0


def test_unreadable_csv_path_is_reported(empty_vault: Path, env_passphrase: str,
                                         tmp_path: Path) -> None:
    code, _out, err = cli(empty_vault, "import-caseload", str(tmp_path / "missing.csv"))
    assert code == 1
    assert "cannot read" in err


# ---- due ---------------------------------------------------------------------------------------


def test_due_json_lists_every_child_with_the_documented_fields(closed_demo: ClosedVault,
                                                               env_passphrase: str) -> None:
    entries = due_json(closed_demo.root)
    assert len(entries) == 72
    today = date.today()
    refs = set()
    for e in entries:
        assert DUE_KEYS <= set(e)
        assert e["council_code"] in {"NBK", "EMB", "VOH"}
        due = date.fromisoformat(e["next_review_due"])
        assert isinstance(e["overdue"], bool)
        assert e["overdue"] == (due < today)
        assert isinstance(e["rule"], str) and "review" in e["rule"]
        refs.add(e["child_ref"])
    assert len(refs) == 72 and "NB927036" in refs
    dues = [e["next_review_due"] for e in entries]
    assert dues == sorted(dues)


def test_due_within_is_an_ordered_subset(closed_demo: ClosedVault, env_passphrase: str) -> None:
    everything = due_json(closed_demo.root)
    within = due_json(closed_demo.root, "--within", "14")
    assert len(everything) == 72
    assert 0 < len(within) < 72  # the demo is re-dated to today: some, not all
    keyed = {(e["council_code"], e["child_ref"]): e for e in everything}
    today = date.today()
    for e in within:
        assert keyed[(e["council_code"], e["child_ref"])] == e
        assert e["overdue"] or (date.fromisoformat(e["next_review_due"]) - today).days <= 14
    left_out = [e for k, e in keyed.items()
                if k not in {(w["council_code"], w["child_ref"]) for w in within}]
    assert all(not e["overdue"] and
               (date.fromisoformat(e["next_review_due"]) - today).days > 14 for e in left_out)
    dues = [e["next_review_due"] for e in within]
    assert dues == sorted(dues)


def test_due_council_filter_and_table_output(closed_demo: ClosedVault,
                                             env_passphrase: str) -> None:
    voh = due_json(closed_demo.root, "--council", "voh")
    assert voh and {e["council_code"] for e in voh} == {"VOH"}
    code, out, err = cli(closed_demo.root, "due", "--within", "14")
    assert code == 0, err
    assert out.splitlines()[0].split()[:3] == ["Council", "Reference", "Name"]


def test_due_within_negative_is_a_usage_error(closed_demo: ClosedVault,
                                              env_passphrase: str) -> None:
    code, _out, err = cli(closed_demo.root, "due", "--within", "-1")
    assert code == 2
    assert "--within" in err


# ---- check, demo-data, change-passphrase ------------------------------------------------------


def test_check_passes_on_a_good_vault(closed_demo: ClosedVault, env_passphrase: str) -> None:
    code, out, err = cli(closed_demo.root, "check")
    assert code == 0, err
    assert "3 database(s) checked, 0 with problems." in out
    assert out.count(": ok") == 3


def test_check_on_an_empty_vault(empty_vault: Path, env_passphrase: str) -> None:
    code, out, _err = cli(empty_vault, "check")
    assert code == 0
    assert "0 database(s) checked" in out


def test_demo_data_seeds_72_children_once(empty_vault: Path, env_passphrase: str) -> None:
    code, out, err = cli(empty_vault, "demo-data")
    assert code == 0, err
    assert "72 added" in out and "3 councils" in out
    code, out, _err = cli(empty_vault, "demo-data")
    assert code == 0
    assert "0 added" in out and "72 unchanged" in out
    assert children_count(empty_vault) == 72


def test_change_passphrase_from_the_environment(closed_demo: ClosedVault, env_passphrase: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    code, out, err = cli(closed_demo.root, "change-passphrase")
    assert code == 0, err
    assert "Passphrase changed" in out
    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    try:
        with pytest.raises(WrongPassphraseError):
            vault.unlock(PASSPHRASE)
        vault.unlock(NEW_PASSPHRASE)
    finally:
        vault.close()
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", NEW_PASSPHRASE)
    assert cli(closed_demo.root, "check")[0] == 0


def test_change_passphrase_refuses_a_weak_one(closed_demo: ClosedVault, env_passphrase: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_NEW_PASSPHRASE", "password")
    code, out, err = cli(closed_demo.root, "change-passphrase")
    assert code == 2
    assert "12 characters" in err
    assert "Passphrase changed" not in out
    assert cli(closed_demo.root, "check")[0] == 0  # the old passphrase still works


def test_wrong_passphrase_exit_code(closed_demo: ClosedVault,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", "not the passphrase")
    code, out, err = cli(closed_demo.root, "due")
    assert code == 3
    assert "not right" in err
    assert out == ""


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="POSIX FIFO")
def test_import_from_an_endless_pipe_stops_at_the_size_cap(empty_vault: Path, env_passphrase: str,
                                                           tmp_path: Path) -> None:
    import os
    import threading

    from iro_desktop.core.caseload_csv import MAX_FILE_BYTES

    fifo = tmp_path / "caseload.csv"
    os.mkfifo(fifo)
    written = [0]
    limit = MAX_FILE_BYTES * 4  # stands in for an endless stream

    done = threading.Event()

    def writer() -> None:
        chunk = b"x" * 65536
        fd = None
        while fd is None and not done.is_set():  # wait for a reader, never block for good
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                done.wait(0.01)
        if fd is None:
            return
        os.set_blocking(fd, True)
        try:
            while written[0] < limit:
                os.write(fd, chunk)
                written[0] += len(chunk)
        except OSError:  # the reader stopped reading (BrokenPipe): that is the point
            pass
        finally:
            os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        code, _out, err = cli(empty_vault, "import-caseload", str(fifo))
    finally:
        done.set()
        thread.join(timeout=30)
    assert code == 1, err
    assert written[0] <= MAX_FILE_BYTES + 1024 * 1024
