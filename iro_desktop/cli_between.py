"""Command line for search and the annual report figures.

    iro-desktop search QUERY... [--json] [--limit N]
    iro-desktop report --council CODE --from DATE --to DATE [--json | --docx FILE | --csv FILE]

Kept apart from ``cli.py`` so it can grow without crowding it. ``cli.py`` wires it in
with two lines, one in ``build_parser`` and one in the ``COMMANDS`` dict::

    cli_between.register(sub)
    **cli_between.handlers(),

Errors are ``cli_common.CliError`` (with the exit code) or the services' ``VaultError``,
which ``cli_common.guarded`` prints without a traceback, as for every other command.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from iro_desktop.cli_common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    check_target,
    date_range,
    open_unlocked,
    write_unencrypted,
)

if TYPE_CHECKING:
    from iro_desktop.core.annual_report import AnnualReport
    from iro_desktop.services.search import SearchResults
    from iro_desktop.storage.vault import Vault

COMMANDS = ("search", "report")
VaultOpener = Callable[[], AbstractContextManager["Vault"]]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``search`` and ``report`` commands to the parser's subcommands."""
    search = sub.add_parser("search", help="search every record of every council")
    search.add_argument("query", nargs="+", metavar="QUERY",
                        help="words to find (each may be the start of a word: fost finds "
                             "foster)")
    search.add_argument("--json", action="store_true", help="print a JSON list of hits")
    search.add_argument("--limit", type=int, default=200, metavar="N",
                        help="at most N hits, best first (default: %(default)s)")

    report = sub.add_parser("report", help="annual report figures for a council and period")
    report.add_argument("--council", required=True, metavar="CODE", help="council code")
    report.add_argument("--from", dest="date_from", required=True, metavar="DATE",
                        help="first day of the period (YYYY-MM-DD or dd/mm/yyyy)")
    report.add_argument("--to", dest="date_to", required=True, metavar="DATE",
                        help="last day of the period (YYYY-MM-DD or dd/mm/yyyy)")
    fmt = report.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the figures as JSON")
    fmt.add_argument("--docx", type=Path, metavar="FILE", help="write a Word report")
    fmt.add_argument("--csv", type=Path, metavar="FILE",
                     help="write a CSV, one row per figure")
    report.add_argument("--force", action="store_true", help="replace FILE if it exists")


def handlers() -> dict[str, Callable[[argparse.Namespace, TextIO], int]]:
    """``cli.COMMANDS`` entries: each opens the vault with ``cli_common.open_unlocked``."""
    def handler(args: argparse.Namespace, out: TextIO) -> int:
        return run(args, lambda: open_unlocked(args), out)

    return {name: handler for name in COMMANDS}


def run(args: argparse.Namespace, vault_opener: VaultOpener, out: TextIO | None = None) -> int:
    """Run ``search`` or ``report``; returns the exit code."""
    out = out or sys.stdout
    if args.command == "search":
        return _search(args, vault_opener, out)
    if args.command == "report":
        return _report(args, vault_opener, out)
    raise ValueError(f"not a command of this module: {args.command!r}")


# ---- search ----------------------------------------------------------------------------


def _search(args: argparse.Namespace, vault_opener: VaultOpener, out: TextIO) -> int:
    from iro_desktop.services.search import SearchService, query_words

    query = " ".join(args.query)
    if not query_words(query):
        raise CliError("search needs at least one word (letters or digits)", EXIT_USAGE)
    if args.limit < 1:
        raise CliError("--limit takes a number of hits, 1 or more", EXIT_USAGE)
    with vault_opener() as vault:
        service = SearchService(vault, limit=args.limit)
        service.catch_up()  # no window waits here: index everything, then search
        results = service.search(query)
        if args.json:
            json.dump(hits_json(results), out, indent=2, ensure_ascii=False)
            out.write("\n")
        else:
            _print_results(results, out)
        service.close()
    return EXIT_OK


def hits_json(results: SearchResults) -> list[dict[str, object]]:
    """A flat list of hits, best child first, each naming where it was found."""
    return [{
        "council_code": g.council_code,
        "child_ref": g.child_ref,
        "child_name": g.child_name,
        "review_number": r.review_number,
        "field": h.label,
        "field_key": h.field,
        "kind": h.kind.name.lower(),
        "snippet": h.plain,
        "highlights": [list(span) for span in h.highlights()],
    } for g, r, h in results.flat()]


def _print_results(results: SearchResults, out: TextIO) -> None:
    from iro_desktop.services.search import printable

    if not results.groups:
        print(f"No matches for {results.query!r}.", file=out)
        return
    # Stored text never reaches the terminal raw: control characters (ESC, BEL, DEL...)
    # and runs of whitespace are printed as one space.
    for group in results.groups:
        print(f"{printable(group.council_code):6} {printable(group.child_ref):12} "
              f"{printable(group.child_name)}", file=out)
        for review in group.reviews:
            print(f"  {review.title}", file=out)
            for hit in review.hits:
                text = "".join(f"[{p}]" if matched else p for p, matched in hit.parts())
                print(f"    {printable(hit.label)}: {printable(text)}", file=out)
    more = " (more matched: narrow the search or raise --limit)" if results.truncated else ""
    print(f"{results.count} match(es) for {len(results.groups)} child(ren){more}.", file=out)


# ---- report ----------------------------------------------------------------------------


def _report(args: argparse.Namespace, vault_opener: VaultOpener, out: TextIO) -> int:
    from iro_desktop.services.report import ReportError, ReportService

    date_from, date_to = date_range(args)
    target: Path | None = args.docx or args.csv
    if target is not None:
        target = target.expanduser()
        check_target(target, args.force)
    with vault_opener() as vault:
        try:
            report = ReportService(vault).report(args.council, date_from, date_to)
        except ReportError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        if args.docx:
            data = ReportService(vault).word(report)
    period = f"{date_from:%d/%m/%Y} to {date_to:%d/%m/%Y}"
    if args.docx:
        assert target is not None
        write_unencrypted(target, data, args.force,
                           f"Wrote the {report.council_code} annual report figures for {period}",
                           out)
    elif args.csv:
        assert target is not None
        # A byte-order mark: Excel, where councils open it, then reads UTF-8 correctly.
        write_unencrypted(target, report.to_csv().encode("utf-8-sig"), args.force,
                           f"Wrote the {report.council_code} figures for {period} as CSV", out)
    elif args.json:
        out.write(report.to_json_text())
    else:
        _print_report(report, out)
    return EXIT_OK


def _print_report(report: AnnualReport, out: TextIO) -> None:
    print(f"{report.council_name} ({report.council_code}), {report.period_from:%d/%m/%Y} to "
          f"{report.period_to:%d/%m/%Y}", file=out)
    for figure, item, value in report.rows():
        label = figure.replace("_", " ")
        print(f"  {label + (': ' + item if item else ''):48} {value:>6}", file=out)
