"""Command line for scripting and support; drives the same services as the window.

Passphrases come from ``IRO_DESKTOP_PASSPHRASE`` (and ``IRO_DESKTOP_NEW_PASSPHRASE``
for a new one) or a prompt; never from an argument, which would show in the
process list and shell history.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from iro_desktop import __version__
from iro_desktop.cli_common import (
    ENV_NEW_PASSPHRASE,
    ENV_PASSPHRASE,
    EXIT_CODES_HELP,
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_USAGE,
    EXIT_VAULT,
    CliError,
    NotFound,
    check_target,
    date_range,
    found,
    guarded,
    new_passphrase,
    open_unlocked,
    prompt,
    read_only_or_full,
    vault_dir,
    write_unencrypted,
)
from iro_desktop.security.errors import VaultError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iro-desktop",
        description="Encrypted workspace for Independent Reviewing Officers. "
                    "With no command, opens the window. Passphrases come from a prompt or "
                    f"{ENV_PASSPHRASE} (and {ENV_NEW_PASSPHRASE} for a new one).",
        epilog=EXIT_CODES_HELP)
    parser.add_argument("--vault", type=Path, metavar="DIR", default=None, help=VAULT_HELP)
    parser.add_argument("--demo", action="store_true",
                        help="open a throwaway demo vault with fictional children")
    parser.add_argument("--exit-on-show", action="store_true",
                        help="quit as soon as the window is on screen (with --demo: once the "
                             "dashboard shows), exit 0 if it did; for smoke tests of a build")
    parser.add_argument("--version", action="version", version=f"iro-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = sub.add_parser("init", help="create a new vault and show its recovery key")
    init.add_argument("--remember", action="store_true",
                      help="also remember the vault on this computer's keyring")

    imp = sub.add_parser("import-caseload", help="import a council's caseload CSV")
    imp.add_argument("file", type=Path)
    imp.add_argument("--nation", action="append", default=[], metavar="CODE=england|wales",
                     help="nation of a council new to the vault (repeatable)")

    due = sub.add_parser("due", help="list when each child's next review is due")
    due.add_argument("--within", type=int, metavar="DAYS",
                     help="only overdue reviews and those due within DAYS days")
    due.add_argument("--council", metavar="CODE", help="only this council")
    due.add_argument("--json", action="store_true", help="print JSON for scripts")

    sub.add_parser("check", help="verify every council database (HMAC and structure)")
    restore = sub.add_parser("restore", help="bring damaged councils back from their newest "
                                             "good encrypted snapshot")
    restore.add_argument("--council", metavar="CODE", help="only this damaged council")
    sub.add_parser("demo-data", help="seed the vault with the demo caseload")
    sub.add_parser("change-passphrase", help="set a new passphrase (databases untouched)")

    revs = sub.add_parser("reviews", help="list every review of every council")
    revs.add_argument("--json", action="store_true", help="print JSON for scripts")

    exp = sub.add_parser("export", help="write a review record as a Word document (.docx)")
    exp.add_argument("--council", required=True, metavar="CODE", help="council code, e.g. NBK")
    exp.add_argument("--child", required=True, metavar="REF", help="the child's council reference")
    exp.add_argument("--review", default="latest", metavar="N|latest",
                     help="review number (default: the latest review)")
    exp.add_argument("--variant", type=_variant, default="full",
                     metavar="full|decisions|letter|redacted:GROUP|redacted:person:ID",
                     help="the full record, the decisions only, the letter to the child, a "
                          "copy for one group (parents, child, carers, professionals), or "
                          "for one person of the network (their id in 'review show --json') "
                          "(default: %(default)s)")
    exp.add_argument("--out", required=True, type=Path, metavar="FILE",
                     help="where to write the .docx (not encrypted)")
    exp.add_argument("--force", action="store_true", help="replace FILE if it exists")

    data = sub.add_parser("review-data",
                          help="write structured review data for the council's return")
    data.add_argument("--from", dest="date_from", required=True, metavar="DATE",
                      help="first review date included (YYYY-MM-DD or dd/mm/yyyy)")
    data.add_argument("--to", dest="date_to", required=True, metavar="DATE",
                      help="last review date included (YYYY-MM-DD or dd/mm/yyyy)")
    data.add_argument("--council", metavar="CODE", help="only this council")
    fmt = data.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", type=Path, metavar="FILE", help="write one CSV row per review")
    fmt.add_argument("--json", type=Path, metavar="FILE",
                     help="write a JSON list, one object per review")
    data.add_argument("--force", action="store_true", help="replace FILE if it exists")
    _outbox_parser(sub)
    from iro_desktop import cli_between, cli_council, cli_review  # light: services load on use

    cli_council.register(sub)
    cli_between.register(sub)
    cli_review.register(sub)
    _finish_subcommands(parser)
    return parser


VAULT_HELP = ("vault folder (default: the per-user data folder, or $IRO_DESKTOP_DATA_DIR/vault); "
              "may come before or after the command")


def _finish_subcommands(parser: argparse.ArgumentParser) -> None:
    """Every subcommand, at any depth (those added later too): a description for its
    --help (its one-line help when it has none) and the global --vault option, so that
    ``iro-desktop --vault X init`` and ``iro-desktop init --vault X`` both work."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        seen: set[int] = set()
        for name, child in action.choices.items():
            if id(child) in seen:  # an alias of one already done
                continue
            seen.add(id(child))
            if not child.description:
                text = str(helps.get(name) or name)
                child.description = text[0].upper() + text[1:] + "."
            if child.epilog is None:
                child.epilog = EXIT_CODES_HELP
            if not any("--vault" in a.option_strings for a in child._actions):
                # SUPPRESS: given before the command only, the top-level value stands
                child.add_argument("--vault", type=Path, metavar="DIR",
                                   default=argparse.SUPPRESS, help=VAULT_HELP)
            _finish_subcommands(child)


def _variant(text: str) -> str:
    """An export variant as typed -> its canonical form; a usage error lists the choices."""
    from iro_desktop.services.outbox import check_variant

    try:
        return check_variant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _outbox_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    box = sub.add_parser("outbox", help="copies kept encrypted until sent to the council")
    actions = box.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)

    ls = actions.add_parser("list", help="what is in the outbox and which copy went to whom")
    ls.add_argument("--council", metavar="CODE", help="only this council")
    ls.add_argument("--child", metavar="REF", help="only this child (needs --council)")
    ls.add_argument("--review", metavar="N|latest", help="only this review (needs --child)")
    ls.add_argument("--state", choices=("ready", "delivered", "purged"),
                    help="only items in this state")
    ls.add_argument("--json", action="store_true", help="print JSON for scripts")

    add = actions.add_parser("add", help="put copies of a review in the outbox")
    add.add_argument("--council", required=True, metavar="CODE", help="council code, e.g. NBK")
    add.add_argument("--child", required=True, metavar="REF",
                     help="the child's council reference")
    add.add_argument("--review", default="latest", metavar="N|latest",
                     help="review number (default: the latest review)")
    add.add_argument("--variant", required=True, action="append", type=_variant,
                     metavar="full|decisions|letter|redacted:GROUP|redacted:person:ID",
                     help="a copy to queue (repeatable); the review data JSON always comes too")
    add.add_argument("--to", action="append", default=[], metavar="VARIANT=WHO",
                     help='who that copy is for, e.g. "redacted:parents=Dana Price (Parent)" '
                          "(default: from the child's network)")

    send = actions.add_parser("send", help="write ready items to each council's delivery folder")
    send.add_argument("--council", metavar="CODE", help="only this council")

    purge = actions.add_parser("purge", help="drop the content of items delivered longer ago "
                                             "than the council's retention period")
    purge.add_argument("--council", metavar="CODE", help="only this council")
    purge.add_argument("--dry-run", action="store_true", help="only say what would be purged")

    folder = actions.add_parser("folder", help="show or set a council's delivery folder")
    folder.add_argument("--council", required=True, metavar="CODE", help="council code")
    folder.add_argument("path", nargs="?", metavar="PATH",
                        help='the folder to deliver to ("" to clear it)')
    folder.add_argument("--retention", type=int, metavar="DAYS",
                        help="keep delivered items in the outbox this many days (0-3650)")
    folder.add_argument("--auto-send", choices=("yes", "no"),
                        help="send by itself when the folder is reachable (in the window)")


# ---- commands ------------------------------------------------------------------------


def _damage_report(args: argparse.Namespace, code: int, err: TextIO) -> int:
    """A command that could not read a council says which and exits non-zero: what it
    printed covers the other councils only."""
    named = []
    for vault in args.__dict__.get("opened_vaults", []):
        named += [(cid, label) for cid, label in vault.damaged_councils() if cid not in
                  {c for c, _ in named}]
    if not named or args.command in ("check", "restore"):  # these report damage themselves
        return code
    for _cid, label in named:
        print(f"iro-desktop: the {label} database is damaged and was not read; what is shown "
              "leaves it out. Run 'iro-desktop check', then 'iro-desktop restore'.", file=err)
    return code if code != EXIT_OK else EXIT_VAULT


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.storage.vault import Vault

    root = vault_dir(args)
    if Vault.exists(root):
        raise CliError(f"a vault already exists in {root}", EXIT_PROBLEM)
    passphrase = new_passphrase(ENV_PASSPHRASE)
    vault, recovery_key = Vault.create(root, passphrase)
    with vault:
        print(f"Created an encrypted vault in {root}", file=out)
        print("\nRECOVERY KEY - shown only this once. Print it or write it down and give it "
              "to\nyour council's IRO manager to keep safe. It opens the vault if the "
              f"passphrase is\nforgotten:\n\n    {recovery_key}\n", file=out)
        out.flush()
        if args.remember:
            try:
                vault.set_remembered(True)
                print("Remembered on this computer's keyring.", file=out)
            except VaultError as exc:
                print(f"warning: not remembered: {exc}", file=out)
    return EXIT_OK


def _parse_nations(values: Sequence[str]):  # type: ignore[no-untyped-def]
    from iro_desktop.core.models import Nation

    nations = {}
    for value in values:
        code, sep, nation = value.partition("=")
        if not sep or not code.strip():
            raise CliError(f"--nation takes CODE=england or CODE=wales, not {value!r}", EXIT_USAGE)
        try:
            nations[code.strip().upper()] = Nation.parse(nation)
        except ValueError as exc:
            raise CliError(f"--nation {value}: {exc}", EXIT_USAGE) from None
    return nations


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.core.caseload_csv import MAX_FILE_BYTES
    from iro_desktop.services.caseload import CaseloadImportError, CaseloadService

    nations = _parse_nations(args.nation)
    try:
        with open(args.file, "rb") as fh:  # a pipe reports no size: read at most the cap
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise CliError(f"{args.file} is larger than {MAX_FILE_BYTES:,} bytes, the limit "
                           "for a caseload file; nothing was imported.", EXIT_PROBLEM)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}", EXIT_PROBLEM) from None
    with open_unlocked(args) as vault:
        try:
            report = CaseloadService(vault).import_caseload(data, nations=nations)
        except CaseloadImportError as exc:
            print(str(exc), file=out)
            for issue in exc.issues:
                print(f"  {issue}", file=out)
            return EXIT_PROBLEM
    for counts in report.councils:
        flag = " (new council, own encrypted database)" if counts.new else ""
        print(f"{counts.code} {counts.name} [{counts.nation.label}]{flag}: {counts.added} added, "
              f"{counts.updated} updated, {counts.unchanged} unchanged", file=out)
    for warning in report.warnings:
        print(f"warning: {warning}", file=out)
    print(f"Imported: {report.summary()}.", file=out)
    return EXIT_OK


def _known_council(args: argparse.Namespace, vault) -> None:  # type: ignore[no-untyped-def]
    """NotFound unless ``--council`` (if given) names a council of ``vault`` (a ``Vault``
    or a ``ReadOnlyVault``)."""
    if args.council and vault.council_by_code(args.council.strip()) is None:
        known = ", ".join(c.code for c in vault.councils()) or "none"
        raise NotFound(f"no council {args.council.strip().upper()!r} in this vault "
                       f"(councils: {known})")


def cmd_due(args: argparse.Namespace, out: TextIO) -> int:
    """Read-only: computed on the vault opened read-only (nothing written, no SQLAlchemy),
    or the normal way when that open cannot vouch for the vault (``read_only_or_full``)."""
    from datetime import date

    if args.within is not None and args.within < 0:
        raise CliError("--within takes a number of days, 0 or more", EXIT_USAGE)
    today = date.today()

    def read(reader):  # type: ignore[no-untyped-def]
        from iro_desktop.services.due_read import due_entries

        _known_council(args, reader)
        return due_entries(reader, today, args.within)

    def full(vault):  # type: ignore[no-untyped-def]
        from iro_desktop.services.caseload import CaseloadService

        _known_council(args, vault)
        return CaseloadService(vault, today=lambda: today).due(args.within)

    entries = read_only_or_full(args, read, full)
    if args.council:
        entries = [e for e in entries if e.council.code == args.council.upper()]
    if args.json:
        json.dump([{
            "council_code": e.council.code,
            "child_ref": e.child.record.child_ref,
            "last_name": e.child.record.last_name,
            "review_number": e.due.review_number,
            "next_review_due": e.due.due.isoformat(),
            "days_until_due": e.due.days_until(today),
            "rule": e.due.rule,
            "overdue": e.due.is_overdue(today),
            "status": e.status.value,
        } for e in entries], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    if not entries:
        print("No reviews due.", file=out)
        return EXIT_OK
    print(f"{'Council':8} {'Reference':12} {'Name':28} {'Due':10} {'Days':>5}  Status", file=out)
    for e in entries:
        rec = e.child.record
        print(f"{e.council.code:8} {rec.child_ref:12} {rec.display_name[:28]:28} "
              f"{e.due.due:%d/%m/%Y} {e.due.days_until(today):>5}  {e.status.label}", file=out)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, out: TextIO) -> int:
    """Restore every damaged council (or the one named) from its newest good snapshot."""
    with open_unlocked(args, tolerate_damaged=True) as vault:
        vault.check()  # damage no command has read yet counts too
        resealed = vault.repair_key_slots()
        for council_id in resealed:
            label = next((c.code for c in vault.councils() if c.id == council_id),
                         f"{council_id}.db")
            print(f"{label}: its recovery slot in the keystore was sealed again; the recovery "
                  "key opens it once more.", file=out)
        targets = vault.damaged_councils()
        if args.council:
            targets = [t for t in targets if t[1].upper() == args.council.upper()]
            if not targets:
                raise CliError(f"{args.council.upper()} is not damaged in this vault; nothing "
                               "was restored.", EXIT_PROBLEM)
        if not targets:
            if not resealed:
                print("No council needs restoring: every database passed its check.",
                      file=out)
            return EXIT_OK
        failed = 0
        for council_id, label in targets:
            try:
                council, snapshot = vault.restore_council(council_id)
            except VaultError as exc:
                print(f"{label}: NOT restored: {exc}", file=out)
                failed += 1
                continue
            if snapshot == vault.database_path(council_id):
                print(f"{council.code} {council.name}: its database is sound and newer than "
                      "any snapshot, so it was kept as it is; the work it lacks is lost (any "
                      "lost WAL was kept aside as .evidence-...).", file=out)
                continue
            print(f"{council.code} {council.name}: restored from the snapshot of "
                  f"{_snapshot_time(snapshot)}; work saved after it is not in it. The damaged "
                  "file was kept beside it (.damaged-...).", file=out)
    return EXIT_OK if not failed else EXIT_PROBLEM


def _snapshot_time(snapshot: Path) -> str:
    from datetime import datetime

    try:
        when = datetime.strptime(snapshot.stem.split("-", 1)[1][:15], "%Y%m%dT%H%M%S")
    except (IndexError, ValueError):
        return snapshot.name
    return f"{when:%d/%m/%Y %H:%M}"


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.security.keystore import Keystore

    Keystore.load(vault_dir(args) / "keystore.json")  # keystore readable and well formed
    with open_unlocked(args, tolerate_damaged=True) as vault:
        results = vault.check()
    for result in results:
        state = "ok" if result.ok else "FAILED: " + "; ".join(result.problems[:5])
        print(f"{result.council_code:6} {result.database}: {state}", file=out)
    bad = [r for r in results if not r.ok]
    print(f"{len(results)} database(s) checked, {len(bad)} with problems.", file=out)
    return EXIT_PROBLEM if bad else EXIT_OK


def cmd_demo_data(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services.demo import seed_demo

    with open_unlocked(args) as vault:
        report = seed_demo(vault)
    print(f"Demo caseload seeded: {report.summary()}.", file=out)
    return EXIT_OK


def cmd_change_passphrase(args: argparse.Namespace, out: TextIO) -> int:
    with open_unlocked(args) as vault:
        current = os.environ.get(ENV_PASSPHRASE) or prompt("Current passphrase")
        vault.change_passphrase(current, new_passphrase(ENV_NEW_PASSPHRASE))
    print("Passphrase changed. The recovery key still works.", file=out)
    return EXIT_OK


def cmd_reviews(args: argparse.Namespace, out: TextIO) -> int:
    """Read-only: as ``cmd_due``, on the vault opened read-only when it can be."""

    def read(reader):  # type: ignore[no-untyped-def]
        from iro_desktop.services.reviews_read import reviews_overview

        return reviews_overview(reader)

    def full(vault):  # type: ignore[no-untyped-def]
        from iro_desktop.services.export import ExportService

        return ExportService(vault).reviews_overview()

    rows = read_only_or_full(args, read, full)
    if args.json:
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    if not rows:
        print("No reviews.", file=out)
        return EXIT_OK
    print(f"{'Council':8} {'Reference':12} {'Name':20} {'No.':>4} {'Date':10}  {'Status':12} PN",
          file=out)
    for r in rows:
        print(f"{r['council_code']:8} {r['child_ref']:12} {str(r['last_name'])[:20]:20} "
              f"{r['review_number']:>4} {r['date'] or '-':10}  {r['status']:12} "
              f"{r['participation_code'] or '-'}", file=out)
    return EXIT_OK


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    review = args.review.strip().lower()
    if review != "latest":
        if not review.isdigit() or int(review) < 1:
            raise CliError(f"--review takes a review number or 'latest', not {args.review!r}",
                           EXIT_USAGE)
        review = int(review)
    target: Path = args.out.expanduser()
    check_target(target, args.force, "a file name ending .docx")
    with open_unlocked(args) as vault:
        exports = _exports(vault)
        council = found(exports.council, args.council)
        child_id = found(exports.child_id, council, args.child)
        review_id = found(exports.review_id, council, child_id, args.child.strip(), review)
        data = exports.export_review(council.id, review_id, args.variant)
    write_unencrypted(target, data, args.force,
                       f"Wrote the {args.variant} review record", out)
    return EXIT_OK


def cmd_review_data(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services import returns

    date_from, date_to = date_range(args)
    target: Path = (args.csv or args.json).expanduser()
    check_target(target, args.force)
    with open_unlocked(args) as vault:
        try:
            if args.csv:
                text = returns.reviews_csv(vault, date_from, date_to, args.council)
                count = max(0, len(text.splitlines()) - 1)
            else:
                items = returns.reviews_json(vault, date_from, date_to, args.council)
                text = json.dumps(items, indent=2, ensure_ascii=False) + "\n"
                count = len(items)
        except returns.ReturnsError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
    kind = "CSV" if args.csv else "JSON"
    # A byte-order mark on CSV: Excel, where councils open it, then reads UTF-8 correctly.
    write_unencrypted(target, text.encode("utf-8-sig" if args.csv else "utf-8"), args.force,
                       f"Wrote {count} review(s) from {date_from:%d/%m/%Y} to "
                       f"{date_to:%d/%m/%Y} as {kind}", out)
    return EXIT_OK


# ---- the outbox ----------------------------------------------------------------------


def _review_choice(text: str) -> str | int:
    value = text.strip().lower()
    if value == "latest":
        return value
    if not value.isdigit() or int(value) < 1:
        raise CliError(f"--review takes a review number or 'latest', not {text!r}", EXIT_USAGE)
    return int(value)


def _exports(vault):  # type: ignore[no-untyped-def]
    """The export service, signing documents with the chair's details from the settings."""
    from iro_desktop.core.chair import Chair
    from iro_desktop.services.export import ExportService
    from iro_desktop.settings import Settings

    return ExportService(vault, chair=Chair.from_settings(Settings()))


def _outbox(vault):  # type: ignore[no-untyped-def]
    from iro_desktop.services.outbox import OutboxService

    return OutboxService(vault, _exports(vault))


def _when(value: object) -> str:
    from datetime import datetime

    return f"{value:%d/%m/%Y %H:%M}" if isinstance(value, datetime) else "-"


def _outbox_list(args: argparse.Namespace, out: TextIO) -> int:
    if args.child and not args.council:
        raise CliError("--child needs --council", EXIT_USAGE)
    if args.review and not args.child:
        raise CliError("--review needs --child", EXIT_USAGE)
    with open_unlocked(args) as vault:
        box = _outbox(vault)
        council_id = found(box.exports.council, args.council).id if args.council else None
        if args.child:  # one child's (or one review's) distribution
            council = vault.council(council_id)
            child_id = found(box.exports.child_id, council, args.child)
            if args.review:
                review_ids = {found(box.exports.review_id, council, child_id,
                                    args.child.strip(), _review_choice(args.review))}
            else:
                review_ids = {r.id for r in box.reviews.reviews(council.id, child_id)}
            items = [i for i in box.items(council.id, args.state) if i.review_id in review_ids]
        else:
            items = box.items(council_id, args.state)
    if args.json:
        json.dump([i.as_dict() for i in items], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    if not items:
        print("The outbox is empty." if not (args.council or args.state) else
              "No items match.", file=out)
        return EXIT_OK
    print(f"{'Council':8} {'Reference':12} {'No.':>4} {'Copy':24} {'Record':10} State", file=out)
    for i in items:
        if i.state == "ready":
            state = f"ready, queued {_when(i.created_at)}"
        else:
            state = f"{i.state}, sent {_when(i.delivered_at)} to {i.delivered_to}"
            if i.purged_at:
                state += f"; content purged {_when(i.purged_at)}"
        print(f"{i.council_code:8} {i.child_ref:12} {i.review_number:>4} {i.variant:24} "
              f"{i.review_status:10} {state}", file=out)
        print(f"{'':8} for: {i.recipients}", file=out)
        print(f"{'':8} file: {i.filename} ({i.size:,} bytes)", file=out)
        if i.last_error and i.state == "ready":
            print(f"{'':8} last attempt: {i.last_error}", file=out)
    return EXIT_OK


def _outbox_add(args: argparse.Namespace, out: TextIO) -> int:
    recipients: dict[str, str] = {}
    for value in args.to:
        variant, sep, who = value.partition("=")
        if not sep or not who.strip():
            raise CliError(f'--to takes VARIANT=WHO, e.g. "full=Council case record", '
                           f"not {value!r}", EXIT_USAGE)
        try:
            key = "data" if variant.strip().lower() == "data" else _variant(variant)
        except argparse.ArgumentTypeError as exc:
            raise CliError(f"--to {value}: {exc}", EXIT_USAGE) from None
        recipients[key] = who.strip()
    unknown = set(recipients) - set(args.variant) - {"data"}
    if unknown:
        raise CliError(f"--to names {', '.join(sorted(unknown))}, which is not a --variant "
                       "being queued", EXIT_USAGE)
    review = _review_choice(args.review)
    with open_unlocked(args) as vault:
        box = _outbox(vault)
        council = found(box.exports.council, args.council)
        child_id = found(box.exports.child_id, council, args.child)
        review_id = found(box.exports.review_id, council, child_id, args.child.strip(), review)
        items = box.queue(council.id, review_id, args.variant, recipients=recipients)
    for i in items:
        print(f"Queued {i.filename} ({i.variant}) for {i.recipients}", file=out)
    if items and items[0].review_status != "finalised":
        print(f"Review {items[0].review_number} is not finalised: these are copies of the "
              "record as it stands now. Queue them again after finalising to replace them.",
              file=out)
    print(f"{len(items)} item(s) kept encrypted in the {council.code} outbox; "
          "`iro-desktop outbox send` delivers them.", file=out)
    return EXIT_OK


def _outbox_send(args: argparse.Namespace, out: TextIO) -> int:
    with open_unlocked(args) as vault:
        box = _outbox(vault)
        council_id = found(box.exports.council, args.council).id if args.council else None
        report = box.send(council_id)
    if not report.councils:
        print("Nothing to send: no ready items in the outbox.", file=out)
        return EXIT_OK
    for c in report.councils:
        if c.error:
            print(f"NOT SENT: {c.error}", file=out)
        elif not c.files:
            print(f"{c.council_code} {c.council_name}: nothing to send.", file=out)
        else:
            print(f"{c.council_code} {c.council_name}: {len(c.files)} file(s) written to "
                  f"{c.folder}", file=out)
            for name in c.files:
                print(f"  {name}", file=out)
            print(f"  {c.manifest} (manifest: the SHA-256 of each file)", file=out)
    if report.delivered:
        print("Delivered files are not encrypted: the delivery folder is the council's to "
              "look after.", file=out)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def _outbox_purge(args: argparse.Namespace, out: TextIO) -> int:
    with open_unlocked(args) as vault:
        box = _outbox(vault)
        council_id = found(box.exports.council, args.council).id if args.council else None
        report = box.purge(council_id, dry_run=args.dry_run)
    verb = "would be purged (dry run, nothing changed)" if report.dry_run else "purged"
    for c in report.councils:
        if c.purged:
            print(f"{c.council_code}: {c.purged} item(s) delivered more than "
                  f"{c.retention_days} day(s) ago {verb}", file=out)
        else:
            print(f"{c.council_code}: nothing to purge (delivered items are kept "
                  f"{c.retention_days} day(s))", file=out)
    return EXIT_OK


def _outbox_folder(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services.council_profile import (
        PROFILE_SETTINGS,
        CouncilProfileService,
        ProfileError,
    )

    with open_unlocked(args) as vault:
        box = _outbox(vault)
        council = found(box.exports.council, args.council)
        profiles = CouncilProfileService(vault)
        changes = []
        if args.path is not None:
            path = os.path.abspath(os.path.expanduser(args.path)) if args.path.strip() else ""
            changes.append(("delivery_folder", path))
        if args.retention is not None:
            changes.append(("retention_days", str(args.retention)))
        if args.auto_send is not None:
            changes.append(("auto_send", args.auto_send))
        specs = {spec.key: spec for spec in PROFILE_SETTINGS}
        try:
            for key, value in changes:  # all checked before any is stored
                specs[key].check(value)
        except ProfileError as exc:
            raise CliError(f"{exc} Nothing was changed.", EXIT_USAGE) from None
        for key, value in changes:
            profiles.set(council.id, key, value)
        profile = profiles.profile(council.id)
        reach = box.reachable(council.id)
    print(f"{council.code} {council.name}", file=out)
    if profile.delivery_folder:
        state = "reachable now" if reach else f"not reachable now: {reach.reason}"
        print(f"  delivery folder: {profile.delivery_folder} ({state})", file=out)
    else:
        print("  delivery folder: not set", file=out)
    print(f"  delivered items kept: {profile.retention_days} day(s)", file=out)
    print(f"  send when reachable: {'yes' if profile.auto_send else 'no'}", file=out)
    return EXIT_OK


def cmd_outbox(args: argparse.Namespace, out: TextIO) -> int:
    return {"list": _outbox_list, "add": _outbox_add, "send": _outbox_send,
            "purge": _outbox_purge, "folder": _outbox_folder}[args.outbox_command](args, out)


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "init": cmd_init,
    "import-caseload": cmd_import,
    "due": cmd_due,
    "check": cmd_check,
    "restore": cmd_restore,
    "demo-data": cmd_demo_data,
    "change-passphrase": cmd_change_passphrase,
    "reviews": cmd_reviews,
    "export": cmd_export,
    "review-data": cmd_review_data,
    "outbox": cmd_outbox,
}


def run(argv: Sequence[str] | None = None, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """Run a command; returns the exit code. With no command, opens the window."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from iro_desktop.app import main as gui_main  # Qt is imported only here

        return gui_main(vault_dir=args.vault, demo=args.demo, exit_on_show=args.exit_on_show)
    if args.demo or args.exit_on_show:
        parser.error("--demo and --exit-on-show open the window: give them without a command")
    return guarded(lambda: _dispatch(args, out, err), err)


def _dispatch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "council":
        from iro_desktop import cli_council

        return _damage_report(args, cli_council.run(args, out, err), err)
    if args.command in ("search", "report"):
        from iro_desktop import cli_between

        COMMANDS.update(cli_between.handlers())
    if args.command == "review":
        from iro_desktop import cli_review

        COMMANDS.update(cli_review.handlers())
    return _damage_report(args, COMMANDS[args.command](args, out), err)
