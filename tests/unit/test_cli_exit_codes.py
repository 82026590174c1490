"""Exit codes as the README states them, the global --vault before or after the command,
and a description in every subcommand's --help."""

from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from iro_desktop.cli import build_parser, run
from iro_desktop.security.kdf import fast_test_params
from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    closed_reviews_vault,
    demo_template,
)


@pytest.fixture(autouse=True)
def _fast_and_keyringless(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("iro_desktop.storage.vault.calibrate",
                        lambda *a, **k: fast_test_params())
    original = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(original)


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out=out, err=err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def _subparsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield (*path, name), child
                yield from _subparsers(child, (*path, name))


# ---- global options anywhere ----------------------------------------------------------


def test_vault_option_after_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    root = tmp_path / "after"
    code, out, err = call("init", "--vault", str(root))
    assert code == 0, err
    assert (root / "keystore.json").is_file() and str(root) in out
    code, out, err = call("check", "--vault", str(root))
    assert code == 0 and "0 database(s) checked" in out, err
    code, out, err = call("council", "list", "--vault", str(root))  # nested subcommand
    assert code == 0, err


def test_vault_option_before_the_command_still_works(closed_demo: ClosedVault,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    code, out, err = call("--vault", str(closed_demo.root), "due", "--json")
    assert code == 0, err
    assert len(json.loads(out)) == 72
    code, out, err = call("outbox", "list", "--vault", str(closed_demo.root))
    assert code == 0 and "The outbox is empty." in out, err


def test_every_subcommand_has_a_description_and_accepts_vault(
        capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    found = dict(_subparsers(parser))
    assert {("init",), ("export",), ("outbox", "send"), ("council", "erase"),
            ("report",)} <= set(found)
    for path, sub in found.items():
        assert sub.description and len(sub.description) > 10, path
        assert any("--vault" in a.option_strings for a in sub._actions), path
    with pytest.raises(SystemExit) as done:
        run(["council", "erase", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "Destroy a council's key and database for good." in text
    assert "--vault DIR" in text and "exit codes:" in text


def test_exit_on_show_is_documented_and_refused_with_a_command(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(["--help"])
    assert "--exit-on-show" in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        run(["--demo", "due"])
    assert done.value.code == 2
    assert "without a command" in capsys.readouterr().err


# ---- exit codes ----------------------------------------------------------------------


def test_lookups_that_find_nothing_exit_2(closed_reviews_vault: Path) -> None:
    vault = str(closed_reviews_vault)
    reviews = json.loads(call("--vault", vault, "reviews", "--json")[1])
    council, child = reviews[0]["council_code"], reviews[0]["child_ref"]
    out_file = str(closed_reviews_vault.parent / "x.docx")
    cases = [
        (["export", "--council", "XYZ", "--child", child, "--out", out_file], "no council"),
        (["export", "--council", council, "--child", "NOPE1", "--out", out_file], "NOPE1"),
        (["export", "--council", council, "--child", child, "--review", "99",
          "--out", out_file], "no review 99"),
        (["outbox", "add", "--council", "XYZ", "--child", child, "--variant", "full"],
         "no council"),
        (["outbox", "send", "--council", "XYZ"], "no council"),
        (["due", "--council", "XYZ"], "no council"),
        (["council", "export-archive", "XYZ", "--out", out_file], "no council"),
        (["report", "--council", "XYZ", "--from", "2026-01-01", "--to", "2026-12-31"], "XYZ"),
    ]
    for argv, says in cases:
        code, out, err = call("--vault", vault, *argv)
        assert code == 2, (argv, code, err)
        assert says in err, (argv, err)
    assert not Path(out_file).exists()


def test_vault_errors_exit_3_and_problems_exit_1(closed_reviews_vault: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    vault = str(closed_reviews_vault)
    code, _out, err = call("--vault", vault, "council", "add", "NBK", "--name", "Again",
                           "--nation", "england")
    assert code == 1 and "already in this vault" in err  # a problem, not the vault's fault
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", "not the passphrase at all")
    code, _out, err = call("--vault", vault, "due")
    assert code == 3 and "not right" in err


def test_an_unexpected_error_exits_4_naming_the_log_without_child_data(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch,
        _isolated_data_dir: Path) -> None:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("Llewellyn lives at 4 Secret Lane")

    # `due` reads through the read-only open (services/due_read.py), or through the caseload
    # service when the vault needs the normal open: both are broken here.
    monkeypatch.setattr("iro_desktop.services.caseload.CaseloadService.due", broken)
    monkeypatch.setattr("iro_desktop.services.due_read.due_entries", broken)
    code, out, err = call("--vault", str(closed_demo.root), "due")
    assert code == 4
    assert "RuntimeError" in err and "Llewellyn" not in out + err
    log = Path(re.search(r"are in (\S+\.log)", err).group(1))  # type: ignore[union-attr]
    assert log.is_file() and log.is_relative_to(_isolated_data_dir)
    text = log.read_text("utf-8")
    assert "builtins.RuntimeError" in text and "in broken" in text
    assert "Llewellyn" not in text and "Secret Lane" not in text


def test_the_windowed_program_refuses_commands(tmp_path: Path) -> None:
    """iro-desktop-gui has no console on Windows: `init` there would print the recovery key
    nowhere, so it refuses every command and points to the console program."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("IRO_DESKTOP_")}
    env.update(IRO_DESKTOP_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen",
               IRO_DESKTOP_PASSPHRASE=PASSPHRASE)
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from iro_desktop.__main__ import gui_main; "
                               "sys.argv[0] = 'iro-desktop-gui'; sys.exit(gui_main())",
         "--vault", str(tmp_path / "v"), "init"],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert "console program iro-desktop" in result.stderr
    assert not (tmp_path / "v").exists() and "RECOVERY" not in result.stdout
