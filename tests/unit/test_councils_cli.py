"""``iro-desktop council list|add|export-archive|import-archive|erase`` (cli_council.py),
driven in-process through ``register`` and ``run`` as cli.py wires them."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from iro_desktop import cli_council
from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.storage.vault import Vault
from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    demo_template,
    files_under,
    hashes,
)

ARCHIVE_PASSPHRASE = "lantern otter quietly juggles marmalade"


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("iro_desktop.services.archive.calibrate",
                        lambda *a, **k: fast_test_params())
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("IRO_DESKTOP_ARCHIVE_PASSPHRASE", raising=False)


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    v, _ = Vault.create(tmp_path / "laptop2", PASSPHRASE, kdf=fast_test_params(),
                        secret_store=MemorySecretStore())
    v.close()
    return tmp_path / "laptop2"


def council_cli(vault_dir: Path, *args: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="iro-desktop")
    parser.add_argument("--vault", type=Path)
    commands = parser.add_subparsers(dest="command")
    cli_council.register(commands)
    out, err = io.StringIO(), io.StringIO()
    code = cli_council.run(parser.parse_args(["--vault", str(vault_dir), "council", *args]),
                           out, err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def listed(vault_dir: Path) -> dict[str, dict]:
    code, out, err = council_cli(vault_dir, "list", "--json")
    assert code == 0, err
    return {c["code"]: c for c in json.loads(out)}


def test_list_shows_every_council_with_counts(closed_demo: ClosedVault) -> None:
    councils = listed(closed_demo.root)
    assert sorted(councils) == ["EMB", "NBK", "VOH"]
    assert councils["NBK"]["children_on_caseload"] == 34
    assert councils["VOH"]["nation"] == "wales" and councils["VOH"]["rules"]["first"] == {
        "amount": 28, "unit": "days"}
    code, out, _err = council_cli(closed_demo.root, "list")
    assert code == 0 and out.splitlines()[0].startswith("Code") and "Northbrook" in out


def test_add_a_council(closed_demo: ClosedVault) -> None:
    code, out, err = council_cli(closed_demo.root, "add", "brk", "--name", "Brookside Council",
                                 "--nation", "wales")
    assert code == 0, err
    assert "Added BRK (Brookside Council) [Wales] with its own encrypted database" in out
    assert listed(closed_demo.root)["BRK"]["children_on_caseload"] == 0
    code, _out, err = council_cli(closed_demo.root, "add", "BRK", "--name", "Again",
                                  "--nation", "england")
    assert code == 1 and "BRK is already in this vault" in err
    code, _out, err = council_cli(closed_demo.root, "add", "B", "--name", "X", "--nation", "wales")
    assert code == 2 and "2 to 10 letters or digits" in err  # usage
    code, _out, err = council_cli(closed_demo.root, "add", "SCO", "--name", "X",
                                  "--nation", "scotland")
    assert code == 2 and "use England or Wales" in err


def test_hand_over_by_passphrase_from_one_laptop_to_another(
        closed_demo: ClosedVault, fresh: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    out_file = tmp_path / "EMB.iroarchive"
    code, _out, err = council_cli(closed_demo.root, "export-archive", "EMB", "--out",
                                  str(out_file))
    assert code == 2 and "IRO_DESKTOP_ARCHIVE_PASSPHRASE" in err and not out_file.exists()

    monkeypatch.setenv("IRO_DESKTOP_ARCHIVE_PASSPHRASE", ARCHIVE_PASSPHRASE)
    code, out, err = council_cli(closed_demo.root, "export-archive", "emb", "--out",
                                 str(out_file))
    assert code == 0, err
    assert f"to {out_file.resolve()}" in out and "19 child record(s)" in out
    assert "another route" in out
    code, _out, err = council_cli(closed_demo.root, "export-archive", "EMB", "--out",
                                  str(out_file))
    assert code == 1 and "--force" in err

    code, out, err = council_cli(fresh, "import-archive", str(out_file))
    assert code == 0, err
    assert "Imported EMB (Eastmere Borough Council): 19 child record(s)" in out
    source, restored = listed(closed_demo.root)["EMB"], listed(fresh)["EMB"]
    assert restored == source

    code, _out, err = council_cli(fresh, "import-archive", str(out_file))
    assert code == 1 and "Council EMB is already in this vault" in err


def test_import_with_the_wrong_passphrase_changes_nothing(
        closed_demo: ClosedVault, fresh: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    out_file = tmp_path / "VOH.iroarchive"
    monkeypatch.setenv("IRO_DESKTOP_ARCHIVE_PASSPHRASE", ARCHIVE_PASSPHRASE)
    assert council_cli(closed_demo.root, "export-archive", "VOH", "--out", str(out_file))[0] == 0
    monkeypatch.setenv("IRO_DESKTOP_ARCHIVE_PASSPHRASE", "wrong " + ARCHIVE_PASSPHRASE)
    before = hashes(files_under(fresh))
    code, _out, err = council_cli(fresh, "import-archive", str(out_file))
    assert code == 1 and "That passphrase does not open this archive" in err
    assert hashes(files_under(fresh)) == before
    code, _out, err = council_cli(fresh, "import-archive", str(tmp_path / "missing.iroarchive"))
    assert code == 1 and "Cannot read" in err


def test_hand_over_sealed_to_a_public_key(closed_demo: ClosedVault, fresh: Path,
                                          tmp_path: Path) -> None:
    key = X25519PrivateKey.generate()
    public = tmp_path / "council.pub.pem"
    public.write_bytes(key.public_key().public_bytes(Encoding.PEM,
                                                     PublicFormat.SubjectPublicKeyInfo))
    private = tmp_path / "council.key.pem"
    private.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    out_file = tmp_path / "NBK.iroarchive"
    code, out, err = council_cli(closed_demo.root, "export-archive", "NBK", "--out",
                                 str(out_file), "--public-key", str(public))
    assert code == 0, err
    assert "sealed to the council's public key" in out
    code, _out, err = council_cli(fresh, "import-archive", str(out_file))
    assert code == 1 and "private key" in err
    code, out, err = council_cli(fresh, "import-archive", str(out_file), "--private-key",
                                 str(private))
    assert code == 0, err
    assert listed(fresh)["NBK"]["children_on_caseload"] == 34
    code, _out, err = council_cli(fresh, "export-archive", "NBK", "--out",
                                  str(tmp_path / "x.iroarchive"), "--public-key", str(private))
    assert code == 1 and "public key" in err


def test_export_then_erase_reports_the_archive(closed_demo: ClosedVault, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_ARCHIVE_PASSPHRASE", ARCHIVE_PASSPHRASE)
    assert council_cli(closed_demo.root, "export-archive", "VOH", "--out",
                       str(tmp_path / "VOH.iroarchive"))[0] == 0
    code, out, err = council_cli(closed_demo.root, "erase", "VOH", "--yes")
    assert code == 0, err
    assert "Erased VOH" in out and "no hand-over archive" not in out
    assert sorted(listed(closed_demo.root)) == ["EMB", "NBK"]
