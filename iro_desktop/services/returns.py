"""Structured data for the council's return (SSDA903-style): JSON per review and a CSV.

The return is statistical. Nothing here carries a person's name or the child's own
words: attendance and responsibility are given by role, and the child's views stay in
the Word record. See ``docs/review-json-schema.md`` for the versioned schema.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from iro_desktop.core import codes
from iro_desktop.core.models import Council
from iro_desktop.core.records import Decision, Person, ReviewRecord, ReviewSummary
from iro_desktop.core.review_clock import RuleSet, next_review_due
from iro_desktop.core.spreadsheet import escape_cell
from iro_desktop.security.errors import VaultError
from iro_desktop.services.report import previous_held
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import ChildRow, ReviewRow
from iro_desktop.storage.vault import Vault

SCHEMA_VERSION = "1.0"

CSV_COLUMNS = ("council_code", "child_ref", "review_number", "review_date", "status",
               "participation_code", "held_on_time", "decisions_made")

class ReturnsError(VaultError):
    code = "returns.error"


# ---- small helpers ---------------------------------------------------------------------


def parse_day(text: str) -> date:
    """A date written ISO (2026-04-01) or British (01/04/2026); ValueError otherwise."""
    value = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
        return datetime.strptime(value, "%d/%m/%Y").date()
    raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD or dd/mm/yyyy")


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---- one review as JSON ----------------------------------------------------------------


def _roles(service: ReviewService, council_id: str, record: ReviewRecord,
           network: list[Person] | None = None) -> dict[int, str]:
    if network is None:
        network = service.network(council_id, record.child.id)
    roles = {p.id: p.role for p in network}
    roles.update({a.person.id: a.person.role for a in record.attendance})
    return roles


def _responsible(decision: Decision, roles: dict[int, str]) -> str:
    """Who is responsible, by role only: a linked person is given as their role."""
    if decision.person_id is None:
        return decision.responsible
    if decision.person_id in roles:
        return roles[decision.person_id]
    match = re.search(r"\(([^()]*)\)\s*$", decision.responsible)
    return match.group(1) if match else ""


def _participation_meaning(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return codes.meaning(codes.PARTICIPATION, code)
    except KeyError:
        return codes.describe(codes.PARTICIPATION, code)


def _record_json(council: Council, record: ReviewRecord, roles: dict[int, str]
                 ) -> dict[str, object]:
    return {
        "schema_version": SCHEMA_VERSION,
        "council_code": council.code,
        "council_name": council.name,
        "child_ref": record.child.record.child_ref,
        "review_number": record.number,
        "review_date": _iso(record.review_date),
        "status": record.status.value,
        "participation_code": record.participation_code or None,
        "participation_meaning": _participation_meaning(record.participation_code),
        "advocate_offered": bool(record.advocate_offered),
        "advocate_used": bool(record.advocate_used),
        "child_chaired": record.child_chaired,
        "next_review_date": _iso(record.next_review_date),
        "finalised_at": _iso(record.finalised_at),
        "decisions": [{
            "text": d.text,
            "responsible": _responsible(d, roles),
            "due_date": _iso(d.due_date),
            "agenda_key": d.agenda_key or None,
            "status": d.status.value,
        } for d in record.decisions],
        "earlier_decisions_updated": [{
            "text": d.text,
            "status_at_this_review": d.update_status.value if d.update_status else None,
            "comment": d.update_comment,
            "drifting": bool(d.drifting),
        } for d in record.earlier_decisions],
        "attendance": [{"role": a.person.role, "status": a.status.value}
                       for a in record.attendance],
    }


def review_json(vault: Vault, council_id: str, review_id: int, *,
                record: ReviewRecord | None = None,
                network: list[Person] | None = None) -> dict[str, object]:
    """One review as a JSON-ready dict (schema ``SCHEMA_VERSION``); no names, no views.
    ``record`` and ``network``: the review's record and its child's network if already
    read."""
    service = ReviewService(vault)
    if record is None or record.id != review_id or record.council_id != council_id:
        record = service.record(council_id, review_id)
        network = None
    return _record_json(vault.council(council_id), record,
                        _roles(service, council_id, record, network))


# ---- reviews in a date range -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewRef:
    council: Council
    child_id: int
    child_ref: str
    summary: ReviewSummary
    previous: ReviewSummary | None  # the review before it, if the app holds it


def reviews_in_range(vault: Vault, date_from: date, date_to: date,
                     council_code: str | None = None) -> list[ReviewRef]:
    """Every review whose date (held, else planned) is within [date_from, date_to],
    by council code, child reference and review number."""
    if date_from > date_to:
        raise ReturnsError(f"the start date {date_from:%d/%m/%Y} is after the end date "
                           f"{date_to:%d/%m/%Y}")
    council_id = None
    if council_code:
        council = vault.council_by_code(council_code.strip())
        if council is None:
            known = ", ".join(c.code for c in vault.councils()) or "none"
            raise ReturnsError(f"no council {council_code.strip().upper()!r} in this vault "
                               f"(councils: {known})")
        council_id = council.id
    service = ReviewService(vault)
    found: list[ReviewRef] = []
    councils = [vault.council(council_id)] if council_id else vault.councils()
    for council in councils:
        # every child, also those who have left the caseload since: their reviews in the
        # period still belong in the council's return
        with vault.session(council.id) as s:
            children = s.execute(select(ChildRow.id, ChildRow.child_ref)).all()
        for child_id, child_ref in children:
            summaries = sorted(service.reviews(council.id, child_id), key=lambda r: r.number)
            by_number = {r.number: r for r in summaries}
            for summary in summaries:
                day = summary.date
                if day is None or not date_from <= day <= date_to:
                    continue
                found.append(ReviewRef(council, child_id, child_ref, summary,
                                       by_number.get(summary.number - 1)))
    found.sort(key=lambda r: (r.council.code, r.child_ref.lower(), r.summary.number))
    return found


def reviews_json(vault: Vault, date_from: date, date_to: date,
                 council_code: str | None = None) -> list[dict[str, object]]:
    """``review_json`` of every review in the range."""
    return [review_json(vault, r.council.id, r.summary.id)
            for r in reviews_in_range(vault, date_from, date_to, council_code)]


def _held_on_time(service: ReviewService, ref: ReviewRef, record: ReviewRecord) -> str:
    """"yes"/"no" against the latest lawful date set by the previous review (or, for a
    first review, by becoming looked after); blank if not held or not knowable here."""
    held = record.held_date
    if held is None:
        return ""
    try:
        if ref.previous is not None:
            previous = service.record(ref.council.id, ref.previous.id)
            lawful = service.latest_lawful_next(ref.council.id, previous)
        elif record.number == 1:
            rules = RuleSet.from_dict(service.vault.council_rules(ref.council.id))
            lawful = next_review_due(record.child.record.date_became_looked_after, 0, None, rules)
        else:  # the previous review was held before the app: the caseload CSV's date
            previous_held = _csv_previous_held(service, ref.council.id, record.id)
            if previous_held is None:
                return ""
            rules = RuleSet.from_dict(service.vault.council_rules(ref.council.id))
            lawful = next_review_due(record.child.record.date_became_looked_after,
                                     record.number - 1, previous_held, rules)
    except (ValueError, VaultError):
        return ""
    if lawful is None:
        return ""
    return "yes" if held <= lawful.due else "no"


def _csv_previous_held(service: ReviewService, council_id: str, review_id: int) -> date | None:
    """The review before ``review_id`` as the caseload CSV gave it (the annual report's
    rule, ``services/report.previous_held``)."""
    with service.vault.session(council_id) as s:
        review = s.get(ReviewRow, review_id)
        if review is None:
            return None
        child = s.get(ChildRow, review.child_id)
        if child is None:
            return None
        return previous_held(review, child, {})


def reviews_csv(vault: Vault, date_from: date, date_to: date,
                council_code: str | None = None) -> str:
    """One row per review in the range (see ``CSV_COLUMNS``), with a header row."""
    service = ReviewService(vault)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for ref in reviews_in_range(vault, date_from, date_to, council_code):
        record = service.record(ref.council.id, ref.summary.id)
        writer.writerow([escape_cell(v) for v in (
            ref.council.code, ref.child_ref, record.number, _iso(record.review_date) or "",
            record.status.value, record.participation_code or "",
            _held_on_time(service, ref, record), len(record.decisions))])
    return buffer.getvalue()
