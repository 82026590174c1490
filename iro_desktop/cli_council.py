"""``iro-desktop council ...``: list and add councils, hand one over, import it, erase it.

``register(subparsers)`` adds the ``council`` command to the main parser and
``run(args)`` runs it, returning the exit code (errors are printed, never a traceback).
The vault passphrase comes from ``IRO_DESKTOP_PASSPHRASE`` or a prompt, as for every
command; the archive passphrase from ``IRO_DESKTOP_ARCHIVE_PASSPHRASE`` or a prompt
(asked twice when making an archive). Never from an argument, which would show in the
process list and shell history.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from iro_desktop.cli_common import (
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_USAGE,
    CliError,
    UsageError,
    check_target,
    found,
    guarded,
    open_unlocked,
)

ENV_ARCHIVE_PASSPHRASE = "IRO_DESKTOP_ARCHIVE_PASSPHRASE"
MAX_KEY_FILE = 16 * 1024


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``council`` and its actions to the main parser's subparsers."""
    council = subparsers.add_parser(
        "council", help="list, add, hand over (archive), import or erase councils")
    actions = council.add_subparsers(dest="council_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every council with its counts")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")

    add = actions.add_parser("add", help="add a council with its own encrypted database and key")
    add.add_argument("code", help="2 to 10 letters or digits, e.g. NBK")
    add.add_argument("--name", required=True, help="the council's name")
    add.add_argument("--nation", required=True, metavar="england|wales",
                     help="whose review timescales the council follows")

    exp = actions.add_parser("export-archive",
                             help="write one encrypted hand-over archive of a council")
    exp.add_argument("code", help="the council's code")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE",
                     help="where to write the archive (outside the vault folder)")
    exp.add_argument("--public-key", type=Path, metavar="FILE",
                     help="seal the archive to the council's X25519 public key (PEM) instead "
                          "of a passphrase")
    exp.add_argument("--force", action="store_true", help="replace FILE if it exists")

    imp = actions.add_parser("import-archive", help="add a council from a hand-over archive")
    imp.add_argument("file", type=Path)
    imp.add_argument("--private-key", type=Path, metavar="FILE",
                     help="the X25519 private key (PEM) the archive was sealed to")

    erase = actions.add_parser("erase", help="destroy a council's key and database for good")
    erase.add_argument("code", help="the council's code")
    erase.add_argument("--yes", action="store_true",
                       help="confirm: this cannot be undone (make an archive first)")
    return council


# ---- secrets -------------------------------------------------------------------------


def _archive_passphrase(*, new: bool) -> str:

    value = os.environ.get(ENV_ARCHIVE_PASSPHRASE)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"no terminal to ask for the archive passphrase: set "
                       f"{ENV_ARCHIVE_PASSPHRASE} for scripts", EXIT_USAGE)
    import getpass

    label = ("Archive passphrase (12+ characters or three or more words; not your vault's)"
             if new else "Archive passphrase")
    first = getpass.getpass(f"{label}: ")
    if new and getpass.getpass("Repeat the archive passphrase: ") != first:
        raise CliError("the two passphrases differ; nothing was written", EXIT_USAGE)
    return first


def _read_key_file(path: Path, what: str) -> bytes:

    try:
        with open(path.expanduser(), "rb") as fh:
            data = fh.read(MAX_KEY_FILE + 1)
    except OSError as exc:
        raise CliError(f"cannot read the {what} {path}: {exc.strerror}", EXIT_PROBLEM) from None
    if len(data) > MAX_KEY_FILE:
        raise CliError(f"{path} is far larger than a {what} file", EXIT_PROBLEM)
    return data


# ---- actions ---------------------------------------------------------------------------


def _list(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services.councils import CouncilService

    with open_unlocked(args, tolerate_damaged=True) as vault:
        rows = CouncilService(vault).list()
        damaged = len(vault.damaged)
    if args.json:
        json.dump([{
            "code": r.council.code, "name": r.council.name, "nation": r.council.nation.value,
            "children_on_caseload": r.active_children, "children_ended": r.ended_children,
            "children_to_purge": r.flagged_children, "reviews": r.reviews,
            "outbox_items": r.outbox_items, "contract_start": r.contract_start or None,
            "contract_end": r.contract_end or None, "rules": r.rules.to_dict(),
            "agenda": r.agenda_name,
        } for r in rows], out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif not rows:
        print("No councils yet: add one with 'iro-desktop council add CODE --name NAME "
              "--nation england|wales' or import a caseload.", file=out)
    else:
        print(f"{'Code':6} {'Name':30} {'Nation':8} {'Children':>8} {'Ended':>5} "
              f"{'Purge':>5} {'Reviews':>7} {'Outbox':>6}  Contract ends", file=out)
        for r in rows:
            print(f"{r.council.code:6} {r.council.name[:30]:30} {r.council.nation.label:8} "
                  f"{r.active_children:>8} {r.ended_children:>5} {r.flagged_children:>5} "
                  f"{r.reviews:>7} {r.outbox_items:>6}  {r.contract_end or '-'}", file=out)
    if damaged:
        print(f"warning: {damaged} council database(s) could not be opened; run "
              "'iro-desktop check'.", file=sys.stderr if args.json else out)
    return EXIT_OK


def _add(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.core.models import Nation
    from iro_desktop.services.councils import CouncilError, CouncilService, clean_code

    try:
        nation = Nation.parse(args.nation)
    except ValueError as exc:
        raise CliError(f"--nation: {exc}", EXIT_USAGE) from None
    try:  # a bad code is a usage error, reported before the passphrase is asked for
        clean_code(args.code)
    except CouncilError as exc:
        raise UsageError(str(exc)) from None
    with open_unlocked(args) as vault:
        council = CouncilService(vault).add(args.code, args.name, nation)
    print(f"Added {council.code} ({council.name}) [{council.nation.label}] with its own "
          "encrypted database and key.", file=out)
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services import archive
    from iro_desktop.services.councils import CouncilService

    target: Path = args.out.expanduser()
    check_target(target, args.force, f"a file name such as {args.code.upper()}"
                                      f"{archive.SUFFIX}")
    public_key = None
    if args.public_key is not None:
        public_key = archive.load_public_key(_read_key_file(args.public_key, "public key"))
    with open_unlocked(args) as vault:
        council = found(CouncilService(vault).by_code, args.code)
        passphrase = None if public_key is not None else _archive_passphrase(new=True)
        result = archive.export_archive(vault, council.id, target, passphrase=passphrase,
                                        public_key=public_key, overwrite=args.force)
    print(f"Wrote the hand-over archive of {result.summary()} to {result.path}", file=out)
    if result.protection == "passphrase":
        print("It is encrypted with the archive passphrase: give the passphrase to the "
              "receiver by another route than the file (for example by phone).", file=out)
    else:
        print("It is sealed to the council's public key: only their private key opens it.",
              file=out)
    print(f"When the receiver has it, erase the council here with "
          f"'iro-desktop council erase {council.code} --yes'.", file=out)
    return EXIT_OK


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services import archive

    path: Path = args.file.expanduser()
    manifest = archive.read_manifest(path)  # not an archive: said before any passphrase
    private_key = None
    if args.private_key is not None:
        private_key = _read_key_file(args.private_key, "private key")
    with open_unlocked(args) as vault:
        passphrase = None
        if manifest["protection"]["type"] == "passphrase":
            passphrase = _archive_passphrase(new=False)
        result = archive.import_archive(vault, path, passphrase=passphrase,
                                        private_key=private_key)
    print(f"Imported {result.summary()} from {result.path}.", file=out)
    print(f"{result.council.code} has its own encrypted database and a new key of this vault; "
          "the archive's passphrase or key does not open it.", file=out)
    return EXIT_OK


def _erase(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services.councils import CouncilService

    code = args.code.strip().upper()
    if not args.yes:
        raise CliError(f"erasing {code} destroys its key and records for good and cannot be "
                       f"undone; make a hand-over archive first, then run "
                       f"'iro-desktop council erase {code} --yes'", EXIT_USAGE)
    with open_unlocked(args, tolerate_damaged=True) as vault:
        service = CouncilService(vault)
        # a damaged council can be erased too; an unknown code is refused by by_code
        council = vault.council_by_code(code) or found(service.by_code, code)
        report = service.erase(council.id, code)
        left = [c.code for c in vault.councils()]
    print(report.summary(), file=out)
    if not report.archived:
        print(f"note: no hand-over archive of {report.code} had been made from this vault.",
              file=out)
    print(f"Councils still in the vault: {', '.join(left) or 'none'}.", file=out)
    return EXIT_OK


ACTIONS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "list": _list,
    "add": _add,
    "export-archive": _export,
    "import-archive": _import,
    "erase": _erase,
}


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``iro-desktop council ACTION``; returns the exit code."""
    out = out or sys.stdout
    return guarded(lambda: ACTIONS[args.council_action](args, out), err or sys.stderr)
