"""Chairing a review: plan, prepare, hold, record, finalise, amend.

Every call names the council whose database holds the child, so a review, its
people and its decisions can only ever be written into that council's file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from iro_desktop.core import codes, text
from iro_desktop.core.agenda import AgendaTemplate
from iro_desktop.core.models import Child, Council, carer_list
from iro_desktop.core.records import (
    AgendaItem,
    Amendment,
    Attendance,
    Decision,
    NextReviewCheck,
    RELATIONSHIP_MAX,
    Person,
    ReviewRecord,
    ReviewSummary,
)
from iro_desktop.core.redaction import (
    LETTER_MARK,
    WITHHOLD_PREFIX,
    LineMarks,
    MarkedText,
    RedactionError,
    clean_line_marks,
    decode_line_marks,
    encode_line_marks,
    lines_of,
    person_id_of,
    recipient_key,
)
from iro_desktop.core.review_clock import DueDate, RuleSet, next_review_due
from iro_desktop.core.reviews import (
    MAX_TEXT,
    ENDORSED_CHOICES,
    AttendanceStatus,
    DecisionStatus,
    ItemState,
    ReviewStatus,
    age_on,
    finalise_check,
    held_date_problem,
    is_drifting,
    is_text_key,
)
from iro_desktop.core.text import one_line, trim
from iro_desktop.security.errors import VaultError
from iro_desktop.services.councils import CouncilService
from iro_desktop.storage.models import (
    AgendaItemRow,
    AmendmentRow,
    AttendanceRow,
    ChildRow,
    DecisionRow,
    DecisionUpdateRow,
    PersonRow,
    ReviewRow,
    ReviewTextRow,
    TextMarkRow,
    WithholdingRow,
)
from iro_desktop.storage.repositories import audit, child_from_row
from iro_desktop.storage.vault import Vault

log = logging.getLogger(__name__)


class ReviewError(VaultError):
    code = "review.error"


class ReviewLockedError(ReviewError):
    code = "review.finalised"


# Structured fields of the record added for the council's front sheet, with their labels.
RECORD_FIELDS: dict[str, str] = {
    "brought_forward": "Brought forward",
    "care_plan_endorsed": "Care plan endorsed",
    "child_seen_on": "Date the child was last seen",
    "child_seen_alone_on": "Date the child was last seen alone",
    "midway_on": "Date of the midway (monitoring) contact",
    "placement_start": "Placement start date",
    "team_manager": "Team manager",
}


def clean_text(value: str, limit: int = MAX_TEXT, what: str = "That text") -> str:
    """``core.text.clean_text``, its refusal raised as this service's :class:`ReviewError`
    (which the window and the command line catch from every review call)."""
    try:
        return text.clean_text(value, limit, what)
    except text.TextTooLongError as exc:
        raise ReviewError(str(exc)) from None


# The autosaver's upsert, one statement object for every call: built per call (a
# multi-row VALUES whose shape changed with the number of fields) it was compiled again
# each time.
def _text_upsert():  # type: ignore[no-untyped-def]
    upsert = sqlite_insert(ReviewTextRow)
    return upsert.on_conflict_do_update(
        index_elements=["review_id", "key"],
        set_={"value": upsert.excluded.value, "updated_at": upsert.excluded.updated_at,
              "line_marks": upsert.excluded.line_marks})


_UPSERT_TEXT = _text_upsert()


# ---- the service ----------------------------------------------------------------------


class ReviewService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today,
                 agenda_for: Callable[[str], AgendaTemplate] | None = None) -> None:
        self.vault = vault
        self.today = today
        self._agenda_for = agenda_for or self._council_agenda

    def _council_agenda(self, council_id: str) -> AgendaTemplate:
        """The council's own agenda file if it has one, else its nation's built-in agenda."""
        return CouncilService(self.vault).agenda(council_id)

    # ---- children and their network ------------------------------------------------

    def child(self, council_id: str, child_id: int) -> Child:
        with self.vault.session(council_id) as s:
            return child_from_row(self._child_row(s, child_id), council_id)

    @staticmethod
    def _child_row(s: Session, child_id: int) -> ChildRow:
        row = s.get(ChildRow, child_id)
        if row is None:
            raise ReviewError("That child is not in this council's records.")
        return row

    def council(self, council_id: str) -> Council:
        """The council whose file holds the review (its code, name and colour)."""
        return self.vault.council(council_id)

    def network(self, council_id: str, child_id: int) -> list[Person]:
        with self.vault.session(council_id) as s:
            rows = s.scalars(select(PersonRow).where(PersonRow.child_id == child_id,
                                                     PersonRow.active).order_by(PersonRow.id))
            return [_person(r) for r in rows]

    def add_person(self, council_id: str, child_id: int, name: str, role: str,
                   organisation: str = "", relationship: str = "") -> Person:
        name, role = trim(name), trim(role)
        if not name or not role:
            raise ReviewError("A person needs a name and a role.")
        with self.vault.session(council_id) as s:
            self._child_row(s, child_id)
            row = PersonRow(child_id=child_id, name=clean_text(name, 200, "A name"),
                            role=clean_text(role, 60, "A role"),
                            organisation=clean_text(organisation, 200, "An organisation"),
                            relationship=clean_text(trim(relationship), RELATIONSHIP_MAX,
                                                    "A relationship to the child"),
                            active=True)
            s.add(row)
            s.flush()
            return _person(row)

    def update_person(self, council_id: str, person_id: int, *, address: str | None = None,
                      organisation: str | None = None,
                      relationship: str | None = None) -> Person:
        with self.vault.session(council_id) as s:
            row = s.get(PersonRow, person_id)
            if row is None:
                raise ReviewError("That person is no longer in this council's records.")
            if address is not None:
                row.address = clean_text(trim(address), 2000, "An address")
            if organisation is not None:
                row.organisation = clean_text(trim(organisation), 200, "An organisation")
            if relationship is not None:
                row.relationship = clean_text(trim(relationship), RELATIONSHIP_MAX,
                                              "A relationship to the child")
            return _person(row)

    def placement(self, council_id: str, child_id: int) -> tuple[bool, str]:
        """(address confidential?, placement address) of the child."""
        with self.vault.session(council_id) as s:
            row = self._child_row(s, child_id)
            return row.placement_confidential, row.placement_address

    def set_placement(self, council_id: str, child_id: int, *, confidential: bool,
                      address: str = "") -> None:
        """A confidential placement address is withheld from parents' copies by default,
        with the address of every carer in the child's network."""
        with self.vault.session(council_id) as s:
            row = self._child_row(s, child_id)
            row.placement_confidential = bool(confidential)
            row.placement_address = clean_text(trim(address), 2000, "An address")
            row.updated_at = datetime.now()

    # ---- marks: the letter to the child, withholding from a recipient group --------

    def set_mark(self, council_id: str, review_id: int, key: str, mark: str, on: bool) -> None:
        """Mark a field for the letter ("letter"), or withhold a field, a decision or a
        person from a recipient ("withhold:parents", "withhold:person:12").

        A decision's or person's mark is kept with the child, not the review, so it
        holds wherever the decision or person appears again."""
        if not (is_text_key(key) or key.startswith(("decision:", "person:"))):
            raise ReviewError(f"{key!r} is not a field of a review")
        if mark != LETTER_MARK:
            if not mark.startswith(WITHHOLD_PREFIX):
                raise ReviewError(f"unknown mark {mark!r}")
            try:
                recipient = recipient_key(mark.removeprefix(WITHHOLD_PREFIX))
            except RedactionError as exc:
                raise ReviewError(str(exc)) from None
            mark = WITHHOLD_PREFIX + recipient
        elif key.startswith("person:"):
            raise ReviewError("A person does not go into the letter; tick a text or decision.")
        with self.vault.session(council_id) as s:
            review = self._review(s, review_id)
            if mark != LETTER_MARK:
                self._check_recipient(s, review.child_id, mark.removeprefix(WITHHOLD_PREFIX))
            if key.startswith(("decision:", "person:")):
                self._check_subject(s, review.child_id, key)
            if key.startswith(("decision:", "person:")) and mark != LETTER_MARK:
                recipient = mark.removeprefix(WITHHOLD_PREFIX)
                found = s.get(WithholdingRow, (review.child_id, key, recipient))
                if on and found is None:
                    s.add(WithholdingRow(child_id=review.child_id, subject=key,
                                         recipient=recipient))
                elif not on and found is not None:
                    s.delete(found)
                audit(s, "review.withholding", review=review_id)
                return
            existing = s.get(TextMarkRow, (review_id, key, mark))
            if on and existing is None:
                s.add(TextMarkRow(review_id=review_id, key=key, mark=mark))
            elif not on and existing is not None:
                s.delete(existing)

    @staticmethod
    def _check_recipient(s: Session, child_id: int, recipient: str) -> None:
        pid = person_id_of(recipient)
        if pid is None:
            return
        person = s.get(PersonRow, pid)
        if person is None or person.child_id != child_id:
            raise ReviewError("That person is not in this child's network.")

    @staticmethod
    def _check_subject(s: Session, child_id: int, key: str) -> None:
        kind, _, number = key.partition(":")
        if not number.isascii() or not number.isdigit():
            raise ReviewError(f"{key!r} is not a decision or person of this child")
        row: DecisionRow | PersonRow | None = (
            s.get(DecisionRow, int(number)) if kind == "decision" else s.get(PersonRow, int(number)))
        if row is None or row.child_id != child_id:
            raise ReviewError(f"That {kind} is not in this child's records.")

    def set_share_address(self, council_id: str, person_id: int, share: bool) -> Person:
        """Print (or stop printing) a network member's address in copies other than the
        council's full record. A carer's address stays out of parents' copies while the
        placement is confidential."""
        with self.vault.session(council_id) as s:
            row = s.get(PersonRow, person_id)
            if row is None:
                raise ReviewError("That person is no longer in this council's records.")
            row.share_address = bool(share)
            return _person(row)

    def marks(self, council_id: str, review_id: int) -> dict[str, set[str]]:
        with self.vault.session(council_id) as s:
            review = self._review(s, review_id)
            return self._marks(s, review_id, review.child_id)

    @staticmethod
    def _marks(s: Session, review_id: int, child_id: int) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for key, mark in s.execute(select(TextMarkRow.key, TextMarkRow.mark)
                                   .where(TextMarkRow.review_id == review_id)):
            out.setdefault(key, set()).add(mark)
        for subject, recipient in s.execute(
                select(WithholdingRow.subject, WithholdingRow.recipient)
                .where(WithholdingRow.child_id == child_id)):
            out.setdefault(subject, set()).add(WITHHOLD_PREFIX + recipient)
        return out

    # ---- lifecycle -----------------------------------------------------------------

    def reviews(self, council_id: str, child_id: int) -> list[ReviewSummary]:
        with self.vault.session(council_id) as s:
            rows = s.scalars(select(ReviewRow).where(ReviewRow.child_id == child_id)
                             .order_by(ReviewRow.number.desc()))
            return [ReviewSummary(r.id, r.number, ReviewStatus(r.status), r.planned_date,
                                  r.held_date, r.participation_code) for r in rows]

    def plan_review(self, council_id: str, child_id: int, planned_date: date | None = None,
                    venue: str = "") -> int:
        """A new review of the child, numbered after the last one, with the council's agenda
        items that apply at the child's age on the planned date. Returns its id."""
        template = self._agenda_for(council_id)
        now = datetime.now()
        with self.vault.session(council_id) as s:
            child = self._child_row(s, child_id)
            open_review = s.scalar(select(ReviewRow.id).where(
                ReviewRow.child_id == child_id, ReviewRow.status != ReviewStatus.FINALISED.value))
            if open_review is not None:
                raise ReviewError("This child already has a review that is not finalised; "
                                  "finish that one first.")
            last = s.scalar(select(func.max(ReviewRow.number)).where(
                ReviewRow.child_id == child_id)) or 0
            number = max(last, child.reviews_held) + 1
            previous = s.scalar(select(func.max(ReviewRow.held_date)).where(
                ReviewRow.child_id == child_id))
            row = ReviewRow(child_id=child_id, number=number, status=ReviewStatus.PLANNED.value,
                            planned_date=planned_date, venue=clean_text(venue, 200, "The venue"),
                            previous_held_date=(child.last_review_date
                                                if last < child.reviews_held else None),
                            advocate_offered=False, advocate_used=False, child_chaired="no",
                            created_at=now, updated_at=now,
                            last_review_on=max(filter(None, (previous, child.last_review_date)),
                                               default=None) if number > 1 else None)
            s.add(row)
            s.flush()
            age = age_on(child.date_of_birth, planned_date or self.today())
            for position, item in enumerate(template.items_for_age(age)):
                s.add(AgendaItemRow(review_id=row.id, key=item.key, title=item.title,
                                    guidance="\n".join(item.guidance), position=position,
                                    state=ItemState.NOT_STARTED.value, ad_hoc=False))
            audit(s, "review.planned", review=row.id)
            return row.id

    def invite_network(self, council_id: str, review_id: int) -> list[Person]:
        """Make the child's network the review's invitees, so nobody is typed twice.

        The network is kept per child from review to review; the child, the social worker
        and the carers named in the caseload are added to it when missing (a carer whose
        name is already in the network, in any role, is not added again). Everyone in it without
        an attendance entry at this review is marked invited. Returns the network."""
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            child = child_from_row(self._child_row(s, row.child_id), council_id).record
            people = list(s.scalars(select(PersonRow).where(
                PersonRow.child_id == row.child_id, PersonRow.active).order_by(PersonRow.id)))
            known = {(p.role.casefold(), p.name.casefold()) for p in people}
            roles = {p.role.casefold() for p in people}
            wanted = []
            if "child" not in roles:
                wanted.append((f"{child.preferred_name or child.first_name} {child.last_name}",
                               "Child", ""))
            worker = " ".join(child.social_worker.split())
            if worker and ("social worker", worker.casefold()) not in known:
                wanted.append((worker, "Social worker", ""))
            try:
                carers = carer_list(child.carers)
            except ValueError:  # written before the importer checked it: left to the IRO
                carers = []
            known_names = {p.name.casefold() for p in people}
            for name, relationship in carers:
                if name.casefold() not in known_names:
                    wanted.append((name, "Carer", relationship))
            for name, role, relationship in wanted:
                person = PersonRow(child_id=row.child_id, name=clean_text(name)[:200],
                                   role=role, organisation="", active=True,
                                   relationship=clean_text(relationship)[:100])
                s.add(person)
                people.append(person)
            s.flush()
            marked = set(s.scalars(select(AttendanceRow.person_id).where(
                AttendanceRow.review_id == review_id)))
            for person in people:
                if person.id not in marked:
                    s.add(AttendanceRow(review_id=review_id, person_id=person.id,
                                        status=AttendanceStatus.INVITED.value, reason=""))
            return [_person(p) for p in people]

    def usual_venue(self, council_id: str, child_id: int) -> str:
        """Where the next review meets, as set at the last one (or that review's venue)."""
        with self.vault.session(council_id) as s:
            last = s.scalar(select(ReviewRow).where(ReviewRow.child_id == child_id)
                            .order_by(ReviewRow.number.desc()).limit(1))
            if last is None:
                return ""
            text = s.get(ReviewTextRow, (last.id, "next.venue"))
            return (text.value if text is not None and text.value.strip() else last.venue) or ""

    def set_status(self, council_id: str, review_id: int, status: ReviewStatus) -> None:
        if status is ReviewStatus.FINALISED:
            raise ReviewError("Use finalise to finalise a review.")
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            row.status = status.value
            if status.rank >= ReviewStatus.HELD.rank and row.held_date is None:
                today = self.today()
                planned = row.planned_date
                row.held_date = planned if planned is not None and planned <= today else today
            self._touch(row)

    def update_review(self, council_id: str, review_id: int, **fields: object) -> None:
        """Set structured fields: planned_date, held_date, venue, participation_code,
        advocate_offered, advocate_used, child_chaired, next_review_date, and the record's
        brought_forward, care_plan_endorsed, child_seen_on, child_seen_alone_on, midway_on,
        placement_start, team_manager."""
        allowed = {"planned_date", "held_date", "venue", "participation_code",
                   "advocate_offered", "advocate_used", "child_chaired", "next_review_date",
                   *RECORD_FIELDS}
        unknown = set(fields) - allowed
        if unknown:
            raise ReviewError(f"unknown review field(s): {', '.join(sorted(unknown))}")
        endorsed = fields.get("care_plan_endorsed")
        if endorsed is not None and endorsed not in ("", *ENDORSED_CHOICES):
            raise ReviewError(f"Care plan endorsed: choose yes, no or in part, not {endorsed!r}.")
        for name in ("child_seen_on", "child_seen_alone_on", "midway_on", "placement_start"):
            day = fields.get(name)
            if isinstance(day, date) and day > self.today():
                raise ReviewError(f"{RECORD_FIELDS[name]}: {day:%d/%m/%Y} is in the future.")
        code = fields.get("participation_code")
        if code:
            normalised = codes.normalise(codes.PARTICIPATION, str(code))
            if normalised is None:
                raise ReviewError(f"{code} is not a participation code (PN0-PN7)")
            fields["participation_code"] = normalised
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            held = fields.get("held_date")
            if isinstance(held, date):
                child = self._child_row(s, row.child_id)
                problem = held_date_problem(held, child.date_became_looked_after, self.today())
                if problem:
                    raise ReviewError(problem[0].upper() + problem[1:] + ".")
            for name, value in fields.items():
                if isinstance(value, str):
                    value = clean_text(value, 200, f"The {name.replace('_', ' ')}")
                setattr(row, name, value)
            self._touch(row)

    def finalise(self, council_id: str, review_id: int) -> None:
        """Lock the record. The child's reviews held and last review date move on."""
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            child = self._child_row(s, row.child_id)
            check = finalise_check(status=ReviewStatus(row.status), held_date=row.held_date,
                                   participation_code=row.participation_code,
                                   date_of_birth=child.date_of_birth,
                                   looked_after=child.date_became_looked_after,
                                   today=self.today())
            if not check.ok:
                raise ReviewError("The review cannot be finalised yet: "
                                  + "; ".join(check.problems) + ".")
            row.status = ReviewStatus.FINALISED.value
            row.finalised_at = datetime.now()
            assert row.held_date is not None
            if row.number > child.reviews_held:
                child.reviews_held = row.number
            if child.last_review_date is None or row.held_date > child.last_review_date:
                child.last_review_date = row.held_date
            child.updated_at = datetime.now()
            self._touch(row)
            audit(s, "review.finalised", review=row.id)

    def sign_off(self, council_id: str, review_id: int, *, manager: str, comments: str = "",
                 signed_on: date | None = None) -> None:
        """The team manager's comments and sign-off of a finalised record (it is not a
        change to the record, so it needs no amendment)."""
        manager = " ".join(manager.split())
        if not manager:
            raise ReviewError("Say which manager signed the record off.")
        signed_on = signed_on or self.today()
        if signed_on > self.today():
            raise ReviewError(f"The sign-off date {signed_on:%d/%m/%Y} is in the future.")
        with self.vault.session(council_id) as s:
            row = self._review(s, review_id)
            if row.status != ReviewStatus.FINALISED.value:
                raise ReviewError("A manager signs off a finalised record; finalise it first.")
            if row.finalised_at is not None and signed_on < row.finalised_at.date():
                raise ReviewError(f"The sign-off date {signed_on:%d/%m/%Y} is before the record "
                                  f"was finalised ({row.finalised_at:%d/%m/%Y}).")
            row.manager_name = clean_text(manager, 200, "The manager's name")
            row.manager_comments = clean_text(comments.strip())[:20000]
            row.manager_signed_on = signed_on
            self._touch(row)
            audit(s, "review.signed_off", review=row.id)

    # ---- text (autosaved) ----------------------------------------------------------

    def save_texts(self, council_id: str,
                   edits: dict[tuple[int, str], str | MarkedText]) -> list[tuple[int, str]]:
        """Write several text fields in one transaction (the autosaver's batch).

        A :class:`MarkedText` value writes the text and its line marks together; a plain
        string is a text with no line withheld. Edits for a finalised record are not
        written (that needs an amendment) and are returned, so one refused field never
        holds back the others."""
        now = datetime.now()
        refused: list[tuple[int, str]] = []
        by_review: dict[int, list[tuple[str, str, str]]] = {}
        for (review_id, key), value in edits.items():
            if not is_text_key(key):
                raise ReviewError(f"unknown text field {key!r}")
            text, marks = _split_marked(value)
            by_review.setdefault(review_id, []).append((key, text, marks))
        # Core statements, a handful per batch: this is the autosave path (docs/performance.md).
        with self.vault.session(council_id) as s:
            for review_id, items in by_review.items():
                status = s.scalar(select(ReviewRow.status).where(ReviewRow.id == review_id))
                if status is None:
                    raise ReviewError("That review is not in this council's records.")
                if status == ReviewStatus.FINALISED.value:
                    refused.extend((review_id, key) for key, _, _ in items)
                    continue
                s.execute(_UPSERT_TEXT, [{"review_id": review_id, "key": key, "value": value,
                                          "updated_at": now, "line_marks": marks}
                                         for key, value, marks in items])
                started = [key.removeprefix("agenda:") for key, value, _ in items
                           if key.startswith("agenda:") and value.strip()]
                if started:
                    s.execute(update(AgendaItemRow).where(
                        AgendaItemRow.review_id == review_id, AgendaItemRow.key.in_(started),
                        AgendaItemRow.state == ItemState.NOT_STARTED.value,
                    ).values(state=ItemState.IN_PROGRESS.value))
                # review.updated_at is left alone here: each text row has its own time, and
                # one write fewer per keystroke batch keeps autosave commits short.
        if refused:
            log.warning("review.text_refused_finalised count=%d", len(refused))
        return refused

    def amend(self, council_id: str, review_id: int, key: str, value: str | MarkedText,
              reason: str) -> None:
        """Change a finalised record's text; the earlier text and its marks are kept with
        the reason.

        A :class:`MarkedText` sets the new text's line marks. A plain string keeps the
        marks of every withheld line that is still in the text word for word; if a
        withheld line was changed or removed the amendment is refused, because nobody
        said whether its new words are withheld."""
        if not reason.strip():
            raise ReviewError("An amendment to a finalised record needs a reason.")
        if not is_text_key(key):
            raise ReviewError(f"unknown text field {key!r}")
        with self.vault.session(council_id) as s:
            row = self._review(s, review_id)
            if row.status != ReviewStatus.FINALISED.value:
                raise ReviewError("Only a finalised record is amended; edit this one directly.")
            existing = s.get(ReviewTextRow, (review_id, key))
            old = existing.value if existing else ""
            old_marks = existing.line_marks if existing else ""
            if isinstance(value, MarkedText):
                text, marks = _split_marked(value)
            else:
                text = clean_text(value)
                marks = encode_line_marks(_carry_marks(old, _decode(old_marks, old), text))
            now = datetime.now()
            s.add(AmendmentRow(review_id=review_id, key=key, old_value=old, new_value=text,
                               reason=clean_text(reason, 4000, "The reason"), at=now,
                               old_marks=old_marks, new_marks=marks))
            if existing is None:
                s.add(ReviewTextRow(review_id=review_id, key=key, value=text, updated_at=now,
                                    line_marks=marks))
            else:
                existing.value, existing.updated_at = text, now
                existing.line_marks = marks
            audit(s, "review.amended", review=review_id)

    # ---- agenda --------------------------------------------------------------------

    def set_item_state(self, council_id: str, review_id: int, key: str, state: ItemState) -> None:
        with self.vault.session(council_id) as s:
            self._open_review(s, review_id)
            item = s.scalar(select(AgendaItemRow).where(AgendaItemRow.review_id == review_id,
                                                        AgendaItemRow.key == key))
            if item is None:
                raise ReviewError("That agenda item is not in this review.")
            item.state = state.value

    def add_item(self, council_id: str, review_id: int, title: str) -> AgendaItem:
        title = one_line(title)
        if not title:
            raise ReviewError("An agenda item needs a title.")
        with self.vault.session(council_id) as s:
            self._open_review(s, review_id)
            items = list(s.scalars(select(AgendaItemRow).where(
                AgendaItemRow.review_id == review_id)))
            key = f"adhoc_{sum(1 for i in items if i.ad_hoc) + 1}"
            # Ad hoc items go before the summary and next-review items.
            tail = [i for i in items if i.key in ("summary", "next_review")]
            position = min((i.position for i in tail), default=len(items))
            for i in items:
                if i.position >= position:
                    i.position += 1
            row = AgendaItemRow(review_id=review_id, key=key, title=clean_text(title, 200, "An agenda item's title"),
                                guidance="", position=position,
                                state=ItemState.NOT_STARTED.value, ad_hoc=True)
            s.add(row)
            s.flush()
            return _item(row)

    # ---- attendance ----------------------------------------------------------------

    def set_attendance(self, council_id: str, review_id: int, person_id: int,
                       status: AttendanceStatus, reason: str = "") -> None:
        if status is AttendanceStatus.EXCLUDED and not reason.strip():
            raise ReviewError("Say why the person was excluded.")
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            person = s.get(PersonRow, person_id)
            if person is None or person.child_id != row.child_id:
                raise ReviewError("That person is not in this child's network.")
            att = s.scalar(select(AttendanceRow).where(AttendanceRow.review_id == review_id,
                                                       AttendanceRow.person_id == person_id))
            if att is None:
                s.add(AttendanceRow(review_id=review_id, person_id=person_id,
                                    status=status.value,
                                    reason=clean_text(reason, 4000, "The reason")))
            else:
                att.status, att.reason = status.value, clean_text(reason, 4000, "The reason")

    # ---- decisions -----------------------------------------------------------------

    def add_decision(self, council_id: str, review_id: int, text: str, *,
                     person_id: int | None = None, responsible: str = "",
                     due_date: date | None = None, agenda_key: str = "") -> Decision:
        if not text.strip():
            raise ReviewError("A decision needs its text.")
        if person_id is None and not responsible.strip():
            raise ReviewError("Say who is responsible for the decision.")
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            if person_id is not None:
                person = s.get(PersonRow, person_id)
                if person is None or person.child_id != row.child_id:
                    raise ReviewError("That person is not in this child's network.")
            dec = DecisionRow(review_id=review_id, child_id=row.child_id, text=clean_text(text),
                              person_id=person_id, responsible_text=clean_text(responsible, 200, "Who is responsible"),
                              due_date=due_date, agenda_key=agenda_key[:50],
                              status=DecisionStatus.OPEN.value, created_at=datetime.now())
            s.add(dec)
            s.flush()
            return self._decision(s, dec, row.number)

    def update_decision(self, council_id: str, review_id: int, decision_id: int,
                        status: DecisionStatus, comment: str = "") -> None:
        """Record, at this review, how an earlier review's decision stands."""
        if status is DecisionStatus.OPEN:
            raise ReviewError("Choose done, in progress, not done or no longer needed.")
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            dec = s.get(DecisionRow, decision_id)
            if dec is None or dec.child_id != row.child_id or dec.review_id == review_id:
                raise ReviewError("That decision is not an earlier decision for this child.")
            upd = s.scalar(select(DecisionUpdateRow).where(
                DecisionUpdateRow.decision_id == decision_id,
                DecisionUpdateRow.review_id == review_id))
            if upd is None:
                s.add(DecisionUpdateRow(decision_id=decision_id, review_id=review_id,
                                        status=status.value, comment=clean_text(comment, 4000, "The comment"),
                                        at=datetime.now()))
            else:
                upd.status, upd.comment = status.value, clean_text(comment, 4000,
                                                                        "The comment")
            dec.status = status.value

    def edit_decision(self, council_id: str, review_id: int, decision_id: int, text: str, *,
                      person_id: int | None = None, responsible: str = "",
                      due_date: date | None = None, agenda_key: str = "") -> Decision:
        """Change a decision of this review before it is finalised (text, who, when, item)."""
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            dec = self._own_decision(s, row, decision_id)
            self._write_decision(s, row, dec, text, person_id, responsible, due_date, agenda_key)
            return self._decision(s, dec, row.number)

    def delete_decision(self, council_id: str, review_id: int, decision_id: int) -> None:
        """Remove a decision of this review before it is finalised (made by mistake)."""
        with self.vault.session(council_id) as s:
            row = self._open_review(s, review_id)
            dec = self._own_decision(s, row, decision_id)
            if s.scalar(select(DecisionUpdateRow.id).where(
                    DecisionUpdateRow.decision_id == decision_id)) is not None:
                raise ReviewError("A later review has already recorded how this decision "
                                  "stands, so it is kept.")
            s.delete(dec)
            audit(s, "decision.deleted", review=review_id)

    def amend_decision(self, council_id: str, review_id: int, decision_id: int, text: str,
                       reason: str, *, person_id: int | None = None, responsible: str = "",
                       due_date: date | None = None, agenda_key: str = "") -> Decision:
        """Change a decision of a finalised record; the earlier wording is kept with the
        reason in the record's history, as for its text."""
        if not reason.strip():
            raise ReviewError("An amendment to a finalised record needs a reason.")
        with self.vault.session(council_id) as s:
            row = self._review(s, review_id)
            if row.status != ReviewStatus.FINALISED.value:
                raise ReviewError("Only a finalised record is amended; edit this one directly.")
            dec = self._own_decision(s, row, decision_id)
            old = decision_summary(self._decision(s, dec, row.number))
            self._write_decision(s, row, dec, text, person_id, responsible, due_date, agenda_key)
            s.flush()
            new = self._decision(s, dec, row.number)
            s.add(AmendmentRow(review_id=review_id, key=f"decision:{decision_id}", old_value=old,
                               new_value=decision_summary(new), reason=clean_text(reason)[:4000],
                               at=datetime.now()))
            audit(s, "review.amended", review=review_id)
            return new

    @staticmethod
    def _own_decision(s: Session, row: ReviewRow, decision_id: int) -> DecisionRow:
        dec = s.get(DecisionRow, decision_id)
        if dec is None or dec.review_id != row.id:
            raise ReviewError("That decision is not one of this review's.")
        return dec

    @staticmethod
    def _write_decision(s: Session, row: ReviewRow, dec: DecisionRow, text: str,
                        person_id: int | None, responsible: str, due_date: date | None,
                        agenda_key: str) -> None:
        if not text.strip():
            raise ReviewError("A decision needs its text.")
        if person_id is None and not responsible.strip():
            raise ReviewError("Say who is responsible for the decision.")
        if person_id is not None:
            person = s.get(PersonRow, person_id)
            if person is None or person.child_id != row.child_id:
                raise ReviewError("That person is not in this child's network.")
        problem = due_date_problem(row.held_date or row.planned_date, due_date)
        if problem:
            raise ReviewError(problem)
        dec.text, dec.person_id = clean_text(text), person_id
        dec.responsible_text = "" if person_id is not None else clean_text(responsible)[:200]
        dec.due_date, dec.agenda_key = due_date, agenda_key[:50]

    def open_decisions(self, council_id: str, child_id: int) -> list[Decision]:
        """Every decision not yet done or dropped, with drift flags (for the child view)."""
        with self.vault.session(council_id) as s:
            numbers = dict(s.execute(select(ReviewRow.id, ReviewRow.number)
                                     .where(ReviewRow.child_id == child_id)).all())
            rows = [d for d in s.scalars(select(DecisionRow).where(
                DecisionRow.child_id == child_id)) if not DecisionStatus(d.status).closed]
            updates = self._updates(s, [d.id for d in rows])
            people = {p.id: _person(p) for p in s.scalars(
                select(PersonRow).where(PersonRow.child_id == child_id))}
            return [self._decision(s, d, numbers.get(d.review_id, 0), updates=updates[d.id],
                                   people=people) for d in rows]

    # ---- next review ---------------------------------------------------------------

    def latest_lawful_next(self, council_id: str, review: ReviewRecord) -> DueDate | None:
        held = review.held_date
        if held is None:
            return None
        rules = RuleSet.from_dict(self.vault.council_rules(council_id))
        rec = review.child.record
        return next_review_due(rec.date_became_looked_after, review.number, held, rules)

    def set_next_review(self, council_id: str, review_id: int, when: date,
                        venue: str = "") -> NextReviewCheck | None:
        """Set the next review's date; says so if it is later than the law allows."""
        self.update_review(council_id, review_id, next_review_date=when)
        if venue:
            self.save_texts(council_id, {(review_id, "next.venue"): venue})
        record = self.record(council_id, review_id)
        lawful = self.latest_lawful_next(council_id, record)
        if lawful is None:
            return None
        return NextReviewCheck(lawful, when > lawful.due)

    # ---- reading a whole record ----------------------------------------------------

    def record(self, council_id: str, review_id: int) -> ReviewRecord:
        """The whole record as the review window shows it.

        A fixed number of statements whatever the child's history (a test counts them):
        every earlier decision, its updates and the people responsible are read in one
        statement each, never one per decision."""
        with self.vault.session(council_id) as s:
            r = self._review(s, review_id)
            child_row = self._child_row(s, r.child_id)
            child = child_from_row(child_row, council_id)
            rec = ReviewRecord(
                council_id=council_id, id=r.id, child=child, number=r.number,
                status=ReviewStatus(r.status), planned_date=r.planned_date,
                held_date=r.held_date, venue=r.venue, participation_code=r.participation_code,
                advocate_offered=r.advocate_offered, advocate_used=r.advocate_used,
                child_chaired=r.child_chaired, next_review_date=r.next_review_date,
                finalised_at=r.finalised_at, brought_forward=bool(r.brought_forward),
                care_plan_endorsed=r.care_plan_endorsed or "", child_seen_on=r.child_seen_on,
                child_seen_alone_on=r.child_seen_alone_on, midway_on=r.midway_on,
                placement_start=r.placement_start, team_manager=r.team_manager or "",
                manager_name=r.manager_name or "", manager_comments=r.manager_comments or "",
                manager_signed_on=r.manager_signed_on)
            # kept when the review was planned (finalising moves the child's date on)
            rec.last_review_date = r.last_review_on or s.scalar(
                select(func.max(ReviewRow.held_date)).where(
                    ReviewRow.child_id == r.child_id, ReviewRow.number < r.number))
            for key, value, line_marks in s.execute(
                    select(ReviewTextRow.key, ReviewTextRow.value, ReviewTextRow.line_marks)
                    .where(ReviewTextRow.review_id == review_id)):
                rec.texts[key] = value
                if line_marks:
                    rec.line_marks[key] = _decode(line_marks, value)
            rec.agenda = [_item(i) for i in s.scalars(
                select(AgendaItemRow).where(AgendaItemRow.review_id == review_id)
                .order_by(AgendaItemRow.position))]
            people = {p.id: _person(p) for p in s.scalars(
                select(PersonRow).where(PersonRow.child_id == r.child_id))}
            rec.attendance = [Attendance(people[a.person_id], AttendanceStatus(a.status), a.reason)
                              for a in s.scalars(select(AttendanceRow).where(
                                  AttendanceRow.review_id == review_id)
                                  .order_by(AttendanceRow.id))]
            numbers = dict(s.execute(select(ReviewRow.id, ReviewRow.number)
                                     .where(ReviewRow.child_id == r.child_id)).all())
            decisions = list(s.scalars(select(DecisionRow).where(
                DecisionRow.child_id == r.child_id).order_by(DecisionRow.id)))
            updates = self._updates(s, [d.id for d in decisions])
            rec.decisions = [self._decision(s, d, r.number, updates=updates[d.id],
                                            people=people)
                             for d in decisions if d.review_id == review_id]
            rec.earlier_decisions = [
                self._decision(s, d, numbers.get(d.review_id, 0), at_review=review_id,
                               updates=updates[d.id], people=people)
                for d in decisions
                if numbers.get(d.review_id, 0) < r.number
                and _relevant_at(d, updates[d.id], review_id)]
            rec.placement_confidential = bool(child_row.placement_confidential)
            rec.placement_address = child_row.placement_address or ""
            rec.marks = self._marks(s, review_id, r.child_id)
            rec.amendments = [Amendment(a.key, a.old_value, a.new_value, a.reason, a.at)
                              for a in s.scalars(select(AmendmentRow).where(
                                  AmendmentRow.review_id == review_id).order_by(AmendmentRow.id))]
            return rec

    @staticmethod
    def _updates(s: Session, decision_ids: list[int]) -> dict[int, list[tuple]]:
        """(status, comment, review id, review number) per decision, oldest review first."""
        out: dict[int, list[tuple]] = {i: [] for i in decision_ids}
        if decision_ids:
            for decision_id, *update in s.execute(
                    select(DecisionUpdateRow.decision_id, DecisionUpdateRow.status,
                           DecisionUpdateRow.comment, DecisionUpdateRow.review_id,
                           ReviewRow.number)
                    .join(ReviewRow, ReviewRow.id == DecisionUpdateRow.review_id)
                    .where(DecisionUpdateRow.decision_id.in_(decision_ids))
                    .order_by(DecisionUpdateRow.decision_id, ReviewRow.number)):
                out[decision_id].append(tuple(update))
        return out

    def _decision(self, s: Session, d: DecisionRow, number: int,
                  at_review: int | None = None, updates: list[tuple] | None = None,
                  people: dict[int, Person] | None = None) -> Decision:
        """``updates`` and ``people`` (the child's network by id) as :meth:`record` reads
        them once for all decisions; without them they are read for this one."""
        if updates is None:
            updates = self._updates(s, [d.id])[d.id]
        history = [DecisionStatus(u[0]) for u in updates]
        here = next((u for u in updates if u[2] == at_review), None)
        responsible = d.responsible_text
        if d.person_id is not None:
            if people is not None:
                person: PersonRow | Person | None = people.get(d.person_id)
            else:
                person = s.get(PersonRow, d.person_id)
            if person is not None:
                responsible = f"{person.name} ({person.role})"
        return Decision(id=d.id, review_id=d.review_id, review_number=number, text=d.text,
                        responsible=responsible, person_id=d.person_id, due_date=d.due_date,
                        agenda_key=d.agenda_key, status=DecisionStatus(d.status),
                        drifting=is_drifting(history),
                        update_status=DecisionStatus(here[0]) if here else None,
                        update_comment=here[1] if here else "")

    # ---- helpers -------------------------------------------------------------------

    @staticmethod
    def _review(s: Session, review_id: int) -> ReviewRow:
        row = s.get(ReviewRow, review_id)
        if row is None:
            raise ReviewError("That review is not in this council's records.")
        return row

    def _open_review(self, s: Session, review_id: int) -> ReviewRow:
        row = self._review(s, review_id)
        if row.status == ReviewStatus.FINALISED.value:
            raise ReviewLockedError("This record is finalised. Use Amend to change it; the "
                                    "earlier text is kept.")
        return row

    @staticmethod
    def _touch(row: ReviewRow) -> None:
        row.updated_at = datetime.now()


def _relevant_at(d: DecisionRow, updates: list[tuple], review_id: int) -> bool:
    """Shown for update at this review: still open, or updated at this very review."""
    return not DecisionStatus(d.status).closed or any(u[2] == review_id for u in updates)


def _person(r: PersonRow) -> Person:
    return Person(r.id, r.name, r.role, r.organisation, r.address, bool(r.share_address),
                  r.relationship or "")


def _decode(stored: str, text: str) -> LineMarks:
    """Stored line marks; a damaged value is an error, never read as "nothing withheld"."""
    try:
        return decode_line_marks(stored, text)
    except RedactionError as exc:
        raise ReviewError(f"The withholding marks of a field cannot be read ({exc}), so "
                          "no copy can be made safely. Run 'iro-desktop check'.") from None


def _split_marked(value: str | MarkedText) -> tuple[str, str]:
    """(text as stored, line marks as stored) of an edit."""
    if isinstance(value, MarkedText):
        text = clean_text(value.text)
        try:
            marks = clean_line_marks(value.marks, text)
        except RedactionError as exc:
            raise ReviewError(f"The withholding marks do not fit the text: {exc}") from None
        return text, encode_line_marks(marks)
    return clean_text(value), ""


def _carry_marks(old: str, marks: LineMarks, new: str) -> LineMarks:
    """``marks`` moved onto ``new``: each withheld line keeps its mark where the same
    line is still there; a withheld line that is gone or changed is refused."""
    if not marks:
        return {}
    old_lines, new_lines = lines_of(old), lines_of(new)
    free: dict[str, list[int]] = {}
    for index, line in enumerate(new_lines):
        free.setdefault(line, []).append(index)
    out: dict[int, frozenset[str]] = {}
    lost = []
    for index, recipients in sorted(marks.items()):
        line = old_lines[index]
        if not line.strip():
            continue
        places = free.get(line)
        if not places:
            lost.append(index + 1)
            continue
        out[places.pop(0)] = recipients
    if lost:
        raise ReviewError(
            "A line withheld from someone was changed or removed (line "
            + ", ".join(str(n) for n in lost) + " of the earlier text). Amend it in the "
            "window, where the withheld lines are shown, or give the new text's marks.")
    return out


def _item(r: AgendaItemRow) -> AgendaItem:
    return AgendaItem(r.id, r.key, r.title, r.guidance, ItemState(r.state), r.ad_hoc)


def due_date_problem(review_date: date | None, due: date | None) -> str:
    """Why ``due`` cannot be a decision's date ("" if it can): on or before the review."""
    if due is not None and review_date is not None and due <= review_date:
        return (f"The decision would be due on {due:%d/%m/%Y}, "
                f"{'the day of' if due == review_date else 'before'} the review: choose a "
                "later date, or a number of weeks.")
    return ""


def decision_summary(d: Decision) -> str:
    """One line for the history: what, who, by when."""
    when = f"by {d.due_date:%d/%m/%Y}" if d.due_date else "no date"
    return f"{d.text} — {d.responsible or 'no one named'} — {when}"
