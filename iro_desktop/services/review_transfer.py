"""One review as a versioned JSON document, out and back in (``review show`` / ``review
import``): its structured fields, texts with their withheld lines, agenda, people with
their attendance, decisions, and every withholding and letter mark.

Support staff and tests use it to build a review without the window. The schema is in
``docs/review-transfer-json.md``; its ``version`` changes whenever a field's meaning does.
People are named inside the document by ``id``; a mark on one person is
``"person:<id>"`` with that id, and an import maps it onto the person it matched or
added in the receiving vault.

Importing is all or nothing: the whole review is written in one transaction of the
child's council database, after every field has been checked; any problem is named
(with the JSON path) and nothing is written.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from iro_desktop.core import codes
from iro_desktop.core.redaction import (
    LETTER_MARK,
    WITHHOLD_PREFIX,
    RedactionError,
    clean_line_marks,
    encode_line_marks,
    person_id_of,
    recipient_key,
)
from iro_desktop.core.reviews import (
    CHAIRED_CHOICES,
    MAX_TEXT,
    AttendanceStatus,
    DecisionStatus,
    ItemState,
    ReviewStatus,
    age_on,
    finalise_check,
    is_text_key,
)
from iro_desktop.security.errors import VaultError
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import (
    AgendaItemRow,
    AttendanceRow,
    ChildRow,
    DecisionRow,
    PersonRow,
    ReviewRow,
    ReviewTextRow,
    TextMarkRow,
    WithholdingRow,
)
from iro_desktop.storage.repositories import audit
from iro_desktop.storage.vault import Vault

SCHEMA = "iro-desktop.review"
VERSION = 1
MAX_DOCUMENT = 64 * 1024 * 1024  # bytes of JSON one import reads
MAX_ITEMS = 2000  # people, decisions, agenda items, texts: each at most this many


class TransferError(VaultError):
    code = "review.transfer"
    user_facing = True


# ---- out ------------------------------------------------------------------------------


def review_document(vault: Vault, reviews: ReviewService, council_id: str,
                    review_id: int) -> dict[str, Any]:
    """The review as the JSON document (a dict ready for ``json.dump``)."""
    record = reviews.record(council_id, review_id)
    council = vault.council(council_id)
    network = reviews.network(council_id, record.child.id)
    people = {p.id: p for p in network}
    for attendance in record.attendance:
        people.setdefault(attendance.person.id, attendance.person)
    attended = {a.person.id: a for a in record.attendance}

    def recipients(key: str) -> list[str]:
        return sorted(m.removeprefix(WITHHOLD_PREFIX) for m in record.marks.get(key, ())
                      if m.startswith(WITHHOLD_PREFIX))

    texts: dict[str, Any] = {}
    keys = set(record.texts) | {k for k in record.marks if is_text_key(k)}
    for key in sorted(keys):
        entry: dict[str, Any] = {"text": record.texts.get(key, "")}
        lines = record.line_marks.get(key, {})
        if lines:
            entry["withheld_lines"] = {str(i): sorted(r) for i, r in sorted(lines.items())}
        if recipients(key):
            entry["withheld_from"] = recipients(key)
        if LETTER_MARK in record.marks.get(key, ()):
            entry["letter"] = True
        texts[key] = entry
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "council": council.code,
        "child_ref": record.child.record.child_ref,
        "review": {
            "number": record.number,
            "status": record.status.value,
            "planned_date": _day(record.planned_date),
            "held_date": _day(record.held_date),
            "venue": record.venue,
            "participation_code": record.participation_code,
            "advocate_offered": record.advocate_offered,
            "advocate_used": record.advocate_used,
            "child_chaired": record.child_chaired,
            "next_review_date": _day(record.next_review_date),
        },
        "placement": {"confidential": record.placement_confidential,
                      "address": record.placement_address},
        "agenda": [{"key": i.key, "title": i.title, "state": i.state.value, "ad_hoc": i.ad_hoc}
                   for i in record.agenda],
        "people": [{
            "id": p.id, "name": p.name, "role": p.role, "organisation": p.organisation,
            "relationship": p.relationship, "address": p.address, "share_address": p.share_address,
            "withheld_from": recipients(f"person:{p.id}"),
            "attendance": ({"status": attended[p.id].status.value,
                            "reason": attended[p.id].reason} if p.id in attended else None),
        } for p in people.values()],
        "texts": texts,
        "decisions": [{
            "text": d.text, "responsible": d.responsible if d.person_id is None else "",
            "person": d.person_id, "due_date": _day(d.due_date), "agenda_key": d.agenda_key,
            "status": d.status.value, "withheld_from": recipients(f"decision:{d.id}"),
        } for d in record.decisions],
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# ---- in -------------------------------------------------------------------------------


class _Reader:
    """Typed access to the document, every problem naming its JSON path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(f"{path}: {message}")

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return {}
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return []
        if len(value) > MAX_ITEMS:
            self.fail(path, f"more than {MAX_ITEMS} entries")
            return []
        return value

    def text(self, value: Any, path: str, limit: int = MAX_TEXT, required: bool = False) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(path, "must be text")
            return ""
        if required and not value.strip():
            self.fail(path, "must not be empty")
        if len(value) > limit:
            self.fail(path, f"is {len(value):,} characters; at most {limit:,} are kept "
                      "(nothing is cut short on import)")
            return ""
        if "\x00" in value:
            self.fail(path, "holds a NUL character")
            return ""
        return value

    def flag(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
            return False
        return value

    def day(self, value: Any, path: str) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(path, "must be a date as YYYY-MM-DD")
            return None

    def choice(self, value: Any, path: str, choices: type, default: Any) -> Any:
        if value is None:
            return default
        try:
            return choices(value)
        except ValueError:
            allowed = ", ".join(c.value for c in choices)  # type: ignore[attr-defined]
            self.fail(path, f"must be one of {allowed}")
            return default

    def recipients(self, value: Any, path: str, people: dict[int, Any]) -> list[str]:
        out = []
        for n, raw in enumerate(self.items(value, path)):
            try:
                key = recipient_key(str(raw))
            except RedactionError as exc:
                self.fail(f"{path}[{n}]", str(exc))
                continue
            pid = person_id_of(key)
            if pid is not None and pid not in people:
                self.fail(f"{path}[{n}]", f"names person {pid}, who is not in 'people'")
                continue
            out.append(key)
        return out


def parse_document(data: bytes) -> dict[str, Any]:
    """The JSON document read with bounds on its size and depth."""
    if len(data) > MAX_DOCUMENT:
        raise TransferError(f"The review file is {len(data):,} bytes; at most "
                            f"{MAX_DOCUMENT:,} are read.")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise TransferError("The review file is not UTF-8 text.") from None
    except RecursionError:
        raise TransferError("The review file is nested too deeply to be a review.") from None
    except ValueError as exc:
        raise TransferError(f"The review file is not valid JSON ({exc}).") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise TransferError(f"The file is not an iro-desktop review (its \"schema\" is not "
                            f"{SCHEMA!r}).")
    if document.get("version") != VERSION:
        raise TransferError(f"The review file is version {document.get('version')!r}; this "
                            f"version of iro-desktop reads version {VERSION}.")
    return document


def import_review(vault: Vault, reviews: ReviewService, document: dict[str, Any]) -> tuple[str, int]:
    """Write the document as a new review of its child (numbered after the child's last
    review). Returns (council id, review id). All or nothing."""
    read = _Reader()
    code = read.text(document.get("council"), "council", 10, required=True)
    child_ref = read.text(document.get("child_ref"), "child_ref", 40, required=True)
    if read.problems:
        raise TransferError("The review was not imported: " + "; ".join(read.problems))
    council = vault.council_by_code(code.strip())
    if council is None:
        raise TransferError(f"The review was not imported: no council {code.strip()!r} in "
                            "this vault.")
    review = read.obj(document.get("review"), "review")
    raw_placement = read.obj(document.get("placement", {}), "placement")
    placement = ({"confidential": read.flag(raw_placement.get("confidential"),
                                            "placement.confidential"),
                  "address": read.text(raw_placement.get("address"), "placement.address", 2000)}
                 if raw_placement else {})
    status = read.choice(review.get("status"), "review.status", ReviewStatus,
                         ReviewStatus.PLANNED)
    fields = {
        "planned_date": read.day(review.get("planned_date"), "review.planned_date"),
        "held_date": read.day(review.get("held_date"), "review.held_date"),
        "venue": read.text(review.get("venue"), "review.venue", 200),
        "advocate_offered": read.flag(review.get("advocate_offered"), "review.advocate_offered"),
        "advocate_used": read.flag(review.get("advocate_used"), "review.advocate_used"),
        "next_review_date": read.day(review.get("next_review_date"), "review.next_review_date"),
    }
    chaired = review.get("child_chaired") or "no"
    if chaired not in CHAIRED_CHOICES:
        read.fail("review.child_chaired", f"must be one of {', '.join(CHAIRED_CHOICES)}")
    fields["child_chaired"] = chaired if chaired in CHAIRED_CHOICES else "no"
    code_value = review.get("participation_code")
    participation = None
    if code_value:
        participation = codes.normalise(codes.PARTICIPATION, str(code_value))
        if participation is None:
            read.fail("review.participation_code", "is not a participation code (PN0-PN7)")
    fields["participation_code"] = participation
    if status.rank >= ReviewStatus.HELD.rank and fields["held_date"] is None:
        read.fail("review.held_date", f"is needed for a review that is {status.value}")

    people_in: dict[int, dict[str, Any]] = {}
    for n, raw in enumerate(read.items(document.get("people"), "people")):
        entry = read.obj(raw, f"people[{n}]")
        pid = entry.get("id")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid in people_in:
            read.fail(f"people[{n}].id", "must be a whole number, different for each person")
            continue
        people_in[pid] = entry
    people: dict[int, dict[str, Any]] = {}
    for pid, entry in people_in.items():
        path = f"people[id={pid}]"
        attendance = entry.get("attendance")
        att = None
        if attendance is not None:
            a = read.obj(attendance, f"{path}.attendance")
            att = (read.choice(a.get("status"), f"{path}.attendance.status", AttendanceStatus,
                               AttendanceStatus.INVITED),
                   read.text(a.get("reason"), f"{path}.attendance.reason", 4000))
            if att[0] is AttendanceStatus.EXCLUDED and not att[1].strip():
                read.fail(f"{path}.attendance.reason", "say why the person was excluded")
        people[pid] = {
            "name": read.text(entry.get("name"), f"{path}.name", 200, required=True).strip(),
            "role": read.text(entry.get("role"), f"{path}.role", 60, required=True).strip(),
            "organisation": read.text(entry.get("organisation"), f"{path}.organisation", 200),
            "relationship": read.text(entry.get("relationship"), f"{path}.relationship",
                                      100).strip(),
            "address": read.text(entry.get("address"), f"{path}.address", 2000),
            "share_address": read.flag(entry.get("share_address"), f"{path}.share_address"),
            "withheld_from": read.recipients(entry.get("withheld_from"),
                                             f"{path}.withheld_from", people_in),
            "attendance": att,
        }

    agenda = []
    for n, raw in enumerate(read.items(document.get("agenda"), "agenda")):
        entry = read.obj(raw, f"agenda[{n}]")
        agenda.append({
            "key": read.text(entry.get("key"), f"agenda[{n}].key", 50, required=True),
            "title": read.text(entry.get("title"), f"agenda[{n}].title", 200, required=True),
            "state": read.choice(entry.get("state"), f"agenda[{n}].state", ItemState,
                                 ItemState.NOT_STARTED),
            "ad_hoc": read.flag(entry.get("ad_hoc"), f"agenda[{n}].ad_hoc"),
        })

    texts: dict[str, dict[str, Any]] = {}
    raw_texts = read.obj(document.get("texts", {}), "texts")
    if len(raw_texts) > MAX_ITEMS:
        read.fail("texts", f"more than {MAX_ITEMS} fields")
        raw_texts = {}
    for key, raw in raw_texts.items():
        path = f"texts[{key!r}]"
        if not is_text_key(key):
            read.fail(path, "is not a text field of a review")
            continue
        entry = read.obj(raw, path)
        value = read.text(entry.get("text"), f"{path}.text")
        lines = read.obj(entry.get("withheld_lines", {}), f"{path}.withheld_lines")
        marks: dict[int, list[str]] = {}
        for index, recipients in lines.items():
            if not str(index).isdigit():
                read.fail(f"{path}.withheld_lines", f"{index!r} is not a line number")
                continue
            marks[int(index)] = read.recipients(recipients, f"{path}.withheld_lines.{index}",
                                                people_in)
        try:
            cleaned = clean_line_marks(marks, value)
        except RedactionError as exc:
            read.fail(f"{path}.withheld_lines", str(exc))
            cleaned = {}
        texts[key] = {"text": value, "lines": cleaned,
                      "withheld_from": read.recipients(entry.get("withheld_from"),
                                                       f"{path}.withheld_from", people_in),
                      "letter": read.flag(entry.get("letter"), f"{path}.letter")}

    decisions = []
    for n, raw in enumerate(read.items(document.get("decisions"), "decisions")):
        entry = read.obj(raw, f"decisions[{n}]")
        person = entry.get("person")
        if person is not None and person not in people_in:
            read.fail(f"decisions[{n}].person", "names nobody in 'people'")
            person = None
        responsible = read.text(entry.get("responsible"), f"decisions[{n}].responsible", 200)
        if person is None and not responsible.strip():
            read.fail(f"decisions[{n}]", "say who is responsible (person or responsible)")
        decisions.append({
            "text": read.text(entry.get("text"), f"decisions[{n}].text", required=True),
            "responsible": responsible, "person": person,
            "due_date": read.day(entry.get("due_date"), f"decisions[{n}].due_date"),
            "agenda_key": read.text(entry.get("agenda_key"), f"decisions[{n}].agenda_key", 50),
            "status": read.choice(entry.get("status"), f"decisions[{n}].status",
                                  DecisionStatus, DecisionStatus.OPEN),
            "withheld_from": read.recipients(entry.get("withheld_from"),
                                             f"decisions[{n}].withheld_from", people_in),
        })
    if read.problems:
        raise TransferError("The review was not imported: " + "; ".join(read.problems)
                            + ". Nothing was written.")
    return council.id, _write(vault, reviews, council.id, child_ref, status, fields, placement,
                              people, agenda, texts, decisions)


def _write(vault: Vault, reviews: ReviewService, council_id: str, child_ref: str,
           status: ReviewStatus, fields: dict[str, Any], placement: dict[str, Any],
           people: dict[int, dict[str, Any]], agenda: list[dict[str, Any]],
           texts: dict[str, dict[str, Any]], decisions: list[dict[str, Any]]) -> int:
    now = datetime.now()
    template = None if agenda else reviews._agenda_for(council_id)  # before the transaction
    with vault.session(council_id) as s:
        child = s.scalar(select(ChildRow).where(ChildRow.child_ref == child_ref.strip()))
        if child is None:
            raise TransferError(f"The review was not imported: no child {child_ref.strip()!r} "
                                "in that council.")
        if s.scalar(select(ReviewRow.id).where(ReviewRow.child_id == child.id,
                                               ReviewRow.status != ReviewStatus.FINALISED.value)):
            raise TransferError("The review was not imported: this child already has a review "
                                "that is not finalised; finish that one first.")
        if status is ReviewStatus.FINALISED:
            check = finalise_check(status=ReviewStatus.RECORDING, held_date=fields["held_date"],
                                   participation_code=fields["participation_code"],
                                   date_of_birth=child.date_of_birth,
                                   looked_after=child.date_became_looked_after,
                                   today=reviews.today())
            if not check.ok:
                raise TransferError("The review was not imported as finalised: "
                                    + "; ".join(check.problems) + ".")
        last = s.scalar(select(func.max(ReviewRow.number)).where(
            ReviewRow.child_id == child.id)) or 0
        row = ReviewRow(child_id=child.id, number=max(last, child.reviews_held) + 1,
                        status=status.value, created_at=now, updated_at=now,
                        finalised_at=now if status is ReviewStatus.FINALISED else None, **fields)
        s.add(row)
        s.flush()
        # people: the child's own network member of the same name and role, or a new one
        existing = list(s.scalars(select(PersonRow).where(PersonRow.child_id == child.id)))
        ids: dict[int, int] = {}
        for pid, entry in people.items():
            match = next((p for p in existing if p.name == entry["name"]
                          and p.role == entry["role"]), None)
            if match is None:
                match = PersonRow(child_id=child.id, name=entry["name"], role=entry["role"],
                                  organisation=entry["organisation"], active=True)
                s.add(match)
                existing.append(match)
            match.address = entry["address"]
            if entry["relationship"]:
                match.relationship = entry["relationship"]
            match.share_address = entry["share_address"]
            s.flush()
            ids[pid] = match.id

        def mapped(recipients: list[str]) -> list[str]:
            out = []
            for r in recipients:
                pid = person_id_of(r)
                out.append(f"person:{ids[pid]}" if pid is not None else r)
            return out

        for pid, entry in people.items():
            for recipient in mapped(entry["withheld_from"]):
                s.merge(WithholdingRow(child_id=child.id, subject=f"person:{ids[pid]}",
                                       recipient=recipient))
            if entry["attendance"] is not None:
                att_status, reason = entry["attendance"]
                s.add(AttendanceRow(review_id=row.id, person_id=ids[pid],
                                    status=att_status.value, reason=reason))
        for position, item in enumerate(agenda):
            s.add(AgendaItemRow(review_id=row.id, key=item["key"], title=item["title"],
                                guidance="", position=position, state=item["state"].value,
                                ad_hoc=item["ad_hoc"]))
        if template is not None:  # no agenda given: the council's, for the child's age
            day = fields["planned_date"] or fields["held_date"] or date.today()
            for position, standard in enumerate(template.items_for_age(
                    age_on(child.date_of_birth, day))):
                s.add(AgendaItemRow(review_id=row.id, key=standard.key, title=standard.title,
                                    guidance="\n".join(standard.guidance), position=position,
                                    state=ItemState.NOT_STARTED.value, ad_hoc=False))
        for key, entry in texts.items():
            lines = {i: frozenset(mapped(sorted(r))) for i, r in entry["lines"].items()}
            s.add(ReviewTextRow(review_id=row.id, key=key, value=entry["text"], updated_at=now,
                                line_marks=encode_line_marks(lines)))
            for recipient in mapped(entry["withheld_from"]):
                s.add(TextMarkRow(review_id=row.id, key=key, mark=WITHHOLD_PREFIX + recipient))
            if entry["letter"]:
                s.add(TextMarkRow(review_id=row.id, key=key, mark=LETTER_MARK))
        for entry in decisions:
            dec = DecisionRow(review_id=row.id, child_id=child.id, text=entry["text"],
                              person_id=ids.get(entry["person"]) if entry["person"] is not None
                              else None, responsible_text=entry["responsible"],
                              due_date=entry["due_date"], agenda_key=entry["agenda_key"],
                              status=entry["status"].value, created_at=now)
            s.add(dec)
            s.flush()
            for recipient in mapped(entry["withheld_from"]):
                s.add(WithholdingRow(child_id=child.id, subject=f"decision:{dec.id}",
                                     recipient=recipient))
        if placement:
            child.placement_confidential = placement["confidential"]
            child.placement_address = placement["address"]
        if status is ReviewStatus.FINALISED and row.held_date is not None:
            child.reviews_held = max(child.reviews_held, row.number)
            if child.last_review_date is None or row.held_date > child.last_review_date:
                child.last_review_date = row.held_date
        audit(s, "review.imported", review=row.id)
        s.flush()
        return row.id
