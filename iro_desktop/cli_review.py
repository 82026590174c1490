"""Command line for one review as JSON, out and back in.

    iro-desktop review show --council CODE --child REF [--review N|latest] [--json]
    iro-desktop review import FILE.json

``show --json`` prints the review with its texts, withheld lines, decisions, people and
marks in the versioned schema of ``docs/review-transfer-json.md``; ``import`` writes such
a document as a new review of its child (all or nothing). Without ``--json``, ``show``
prints a short summary that names no child data beyond the reference.

Kept apart from ``cli.py``; it is wired in with one line in ``build_parser``
(``cli_review.register(sub)``) and one in ``COMMANDS`` (``**cli_review.handlers()``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from iro_desktop.cli_common import EXIT_PROBLEM, EXIT_USAGE, CliError, open_unlocked


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    review = sub.add_parser(
        "review", help="one review as JSON: show it, or import one",
        description="Show one review (texts, withheld lines, decisions, people and marks) "
                    "as versioned JSON, or import such a file as a new review of its child.")
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print one review",
                              description="Print one review; --json gives the whole review "
                                          "in the schema of docs/review-transfer-json.md.")
    show.add_argument("--council", required=True, metavar="CODE", help="council code")
    show.add_argument("--child", required=True, metavar="REF", help="the child's reference")
    show.add_argument("--review", default="latest", metavar="N|latest",
                      help="review number (default: the latest review)")
    show.add_argument("--json", action="store_true", help="print the whole review as JSON")
    imp = actions.add_parser("import", help="import a review from a JSON file",
                             description="Write a review JSON file (as 'review show --json' "
                                         "prints it) as a new review of its child. All or "
                                         "nothing: any problem is named and nothing is "
                                         "written.")
    imp.add_argument("file", type=Path, metavar="FILE.json", help="the review file")


def handlers() -> dict[str, Callable[[argparse.Namespace, TextIO], int]]:
    def handler(args: argparse.Namespace, out: TextIO) -> int:
        from iro_desktop.services.review_transfer import TransferError

        try:
            if args.review_command == "show":
                return _show(args, out)
            return _import(args, out)
        except TransferError as exc:  # bad input, not a vault fault: exit 1, nothing written
            raise CliError(str(exc), EXIT_PROBLEM) from None

    return {"review": handler}


def _show(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services.export import ExportService
    from iro_desktop.services.review_transfer import review_document

    review: str | int = args.review.strip().lower()
    if review != "latest":
        if not str(review).isdigit() or int(review) < 1:
            raise CliError(f"--review takes a review number or 'latest', not {args.review!r}",
                           EXIT_USAGE)
        review = int(review)
    from iro_desktop.services.export import ExportError

    with open_unlocked(args) as vault:
        exports = ExportService(vault)
        try:  # a council, child or review that is not there: exit 2
            council = exports.council(args.council)
            child_id = exports.child_id(council, args.child)
            review_id = exports.review_id(council, child_id, args.child.strip(), review)
        except ExportError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        document = review_document(vault, exports.reviews, council.id, review_id)
    if args.json:
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    r = document["review"]
    marked = sum(len(t.get("withheld_lines", {})) for t in document["texts"].values())
    print(f"{document['council']} {document['child_ref']} review {r['number']}: {r['status']}, "
          f"{r['held_date'] or r['planned_date'] or 'no date'}; "
          f"{len(document['decisions'])} decision(s), {len(document['people'])} people, "
          f"{marked} withheld line(s). Use --json for the whole review.", file=out)
    return 0


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from iro_desktop.services.review_transfer import (
        MAX_DOCUMENT,
        import_review,
        parse_document,
    )
    from iro_desktop.services.reviews import ReviewService

    path: Path = args.file.expanduser()
    try:
        if path.stat().st_size > MAX_DOCUMENT:
            raise CliError(f"{path} is larger than {MAX_DOCUMENT:,} bytes; not a review file",
                           EXIT_PROBLEM)
        data = path.read_bytes()
    except FileNotFoundError:
        raise CliError(f"{path} does not exist", EXIT_USAGE) from None
    except IsADirectoryError:
        raise CliError(f"{path} is a folder; give a .json file", EXIT_USAGE) from None
    except PermissionError:
        raise CliError(f"{path} cannot be read (permission denied)", EXIT_PROBLEM) from None
    document = parse_document(data)
    with open_unlocked(args) as vault:
        reviews = ReviewService(vault)
        council_id, review_id = import_review(vault, reviews, document)
        record = reviews.record(council_id, review_id)
    print(f"Imported as review {record.number} of {document['child_ref']} in "
          f"{document['council']} ({record.status.value}).", file=out)
    return 0
