"""The review record ("minutes") as a Word document, built in memory.

Qt-free; python-docx only. Domain objects in, ``bytes`` out: the document is built in
an ``io.BytesIO`` and never touches the disk here; the caller decides where (and
whether) it is written.

Variants (:mod:`iro_desktop.export.variants` says what each copy leaves out):

* ``"full"``: the council's record, laid out as a council's review form: a front sheet
  (the child, placement, carers, social worker and team manager; the review's number,
  type, dates, venue, chair and whether the care plan was endorsed), the social work
  activity before the review, attendance (a row for the child first; invited, attended,
  consulted ...), the child's views, every agenda item that applies in agenda order,
  the decisions numbered with their agenda area, the next review, which copy each
  recipient gets, the chair's sign-off, the team manager's comments and sign-off and the
  amendments made after finalising. Material withheld from a recipient group carries a
  short italic note saying from whom.
* ``"decisions"``: child identification, review number and date, the numbered decisions
  and the next review date only.
* ``"redacted:<group>"``: the full record as that group receives it (no manager's block,
  no amendment texts, no addresses of people in the network).
* ``"letter"``: handed to :func:`iro_desktop.export.letter.build_letter`.

A record that is not finalised is a draft: "DRAFT" is in every page's header and under
the title. Every page's header also names the child and their council reference, so a
loose page is still identified. No heading is printed without something under it; an
agenda item marked "not applicable", or left empty for a child under 4, is left out.

Every piece of text passes through :func:`iro_desktop.export.sanitize.docx_safe`, and
every piece of typed text is read through the :class:`View`, so withholding applies to
all of it. The document properties name no child.
"""

from __future__ import annotations

from datetime import date

from docx.shared import Pt

from iro_desktop.core import codes
from iro_desktop.core.chair import Chair
from iro_desktop.core.models import Council
from iro_desktop.core.records import Decision, Person, ReviewRecord
from iro_desktop.core.redaction import ROLE_GROUPS
from iro_desktop.core.reviews import (
    CHAIRED_CHOICES,
    ENDORSED_CHOICES,
    TEXT_FIELDS,
    ItemState,
    ReviewStatus,
    age_on,
    review_type,
)
from iro_desktop.export.layout import AUTHOR, Page, open_document
from iro_desktop.export.letter import build_letter, is_under_four
from iro_desktop.export.variants import VARIANTS, View, own_copy_people, parse_variant
from iro_desktop.export.writer import Cell, Writer

__all__ = ["AUTHOR", "VARIANTS", "build_record"]

TITLE = "Record of the looked after child review"
DECISIONS_TITLE = "Decisions of the looked after child review"
PROPERTIES_TITLE = "Review record"
NOTHING_RECORDED = "Nothing recorded."
DRAFT_NOTE = "DRAFT: this record is not finalised and may change."

# Agenda items printed elsewhere in the record (their notes go with that section).
MOVED = {"welcome": "attendance", "wishes": "voice"}
# The group's copy, in words, for the distribution list.
COPY_WORDS = {"parents": "Parents' copy", "carers": "Carers' copy",
              "professionals": "Professionals' copy", "child": "Letter to the child"}
SOCIAL_WORK_TEXTS = (("prep.spoke_alone", "Seen alone before the review"),
                     ("prep.reports", "Reports received"),
                     ("prep.consultation", "Consultation returns"),
                     ("prep.midway", "Midway (monitoring) contact"))


def _carer(person: Person) -> str:
    """ "Sam Whitfield (foster carer, Hillside Fostering)" for the front sheet."""
    detail = [person.relationship or "relationship not recorded"]
    if person.organisation:
        detail.append(person.organisation)
    return f"{person.name} ({', '.join(detail)})"


def _d(value: date | None, empty: str = "not recorded") -> str:
    return f"{value:%d/%m/%Y}" if value else empty


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _cell(text: str, note: str) -> Cell:
    return (text, note) if note else text


def child_attendance(code: str | None) -> str:
    """The child's row in the attendance table, from their participation code."""
    code = (code or "").upper()
    if code == "PN0":
        return "Under 4: did not take part (PN0)"
    if code in ("PN1", "PN2", "PN3", "PN4"):
        return f"Attended ({code})"
    if code in ("PN5", "PN6"):
        return f"Consulted, did not attend ({code})"
    if code == "PN7":
        return "Did not attend; views not conveyed (PN7)"
    return "Not recorded"


class _Record:
    """Writes one copy of the record through a :class:`View`."""

    def __init__(self, writer: Writer, view: View, chair: Chair,
                 network: list[Person] | None) -> None:
        self.w = writer
        self.view = view
        self.record = view.record
        self.chair = chair
        self.network = network or []
        self.full = view.group is None
        rec = self.record.child.record
        day = self.record.review_date
        self.under_four = is_under_four(self.record)
        self.age = age_on(rec.date_of_birth, day) if day else None

    # ---- building blocks -----------------------------------------------------------

    def heading(self, text: str, level: int) -> None:
        self.w.heading(text, level, keep_with_next=True)

    def has_text(self, key: str) -> bool:
        return bool(self.view.pieces(key))

    def text(self, key: str, *, empty: str | None = NOTHING_RECORDED) -> bool:
        """The field's paragraphs and bullets (nothing at all when withheld); whether
        anything was written."""
        if self.view.field_withheld(key):
            return False
        note = self.view.field_note(key)
        pieces = self.view.pieces(key)
        if note and (pieces or empty):
            self.w.note(note + ".")
        if not pieces:
            if empty:
                self.w.paragraph(empty, italic=True)
            return bool(empty)
        for piece in pieces:
            if piece.kind == "bullet":
                self.w.bullet(piece.text, piece.note)
            else:
                self.w.paragraph(piece.text, note=piece.note)
        return True

    def field(self, key: str, heading: str, level: int,
              empty: str | None = NOTHING_RECORDED) -> None:
        """A heading and its field; nothing when the field is withheld, or empty with no
        ``empty`` line to print."""
        if self.view.field_withheld(key) or (not empty and not self.has_text(key)):
            return
        self.heading(heading, level)
        self.text(key, empty=empty)

    # Each row stays on the page of the row after it (all but the last; only the first of
    # a long table): a heading row is never left alone at a page foot.
    def facts(self, rows: list[tuple[str, Cell]]) -> None:
        self.w.facts(rows, keep=len(rows) if len(rows) <= 16 else 1)

    def grid(self, header: list[str], rows: list[list[Cell]], widths: tuple[float, ...]) -> None:
        self.w.grid(header, rows, widths, keep=1 if len(rows) > 6 else len(rows) + 1)

    # ---- front sheet ---------------------------------------------------------------

    def people(self, role: str) -> list[Person]:
        seen = {a.person.id for a in self.record.attendance}
        people = [a.person for a in self.record.attendance if a.person.role == role]
        people += [p for p in self.network if p.role == role and p.id not in seen]
        return [p for p in people if self.view.person_shown(p)]

    def child(self) -> None:
        rec = self.record.child.record
        self.heading("Child and placement", 1)
        born = _d(rec.date_of_birth)
        if self.age is not None:
            born += f" (aged {self.age} on the review date)"
        rows: list[tuple[str, Cell]] = [
            ("Name", f"{rec.first_name} {rec.last_name}"),
            ("Preferred name", rec.preferred_name or rec.first_name),
            ("Date of birth", born),
            ("Gender", codes.describe(codes.GENDER, rec.gender) if rec.gender else "not recorded"),
            ("Council reference", rec.child_ref),
            ("Legal status", codes.describe(codes.LEGAL_STATUS, rec.legal_status)),
            ("Placement", codes.describe(codes.PLACEMENT_TYPE, rec.placement_type)),
            ("Placement start date", _d(self.record.placement_start)),
            ("Looked after since", _d(rec.date_became_looked_after)),
        ]
        address = self.view.placement_address()
        if address is not None:
            rows.append(("Placement address", _cell(*address)))
        elif self.record.placement_confidential:
            rows.append(("Placement address", "Confidential"))
        else:
            rows.append(("Placement address", "not recorded"))
        carers = self.people("Carer")
        rows.append(("Carers and relationship to the child",
                     "; ".join(_carer(p) for p in carers) or "not recorded"))
        workers = self.people("Social worker")
        social_worker = workers[0].name if workers else rec.social_worker
        rows.append(("Social worker", social_worker or "not recorded"))
        rows.append(("Team manager", self.record.team_manager or "not recorded"))
        self.facts(rows)

    def review(self, *, full: bool) -> None:
        record = self.record
        self.heading("Review", 1)
        if record.held_date:
            when = ("Date held", _d(record.held_date))
        else:
            when = ("Date planned", _d(record.planned_date, "not set"))
        rows: list[tuple[str, Cell]] = [("Review number", str(record.number)), when]
        if full:
            endorsed = ENDORSED_CHOICES.get(record.care_plan_endorsed, "not recorded")
            rows += [("Review type", review_type(record.number, record.brought_forward)),
                     ("Date of the last review", _d(record.last_review_date,
                                                    "none (first review)" if record.number <= 1
                                                    else "not recorded")),
                     ("Venue", record.venue or "not recorded"),
                     ("Chair", ", ".join(x for x in (self.chair.name or "not recorded",
                                                     self.chair.role) if x)),
                     ("Care plan endorsed", endorsed)]
        self.facts(rows)

    def social_work(self) -> None:
        record = self.record
        self.heading("Social work activity before the review", 1)
        self.facts([
            ("Child last seen by the social worker", _d(record.child_seen_on)),
            ("Child last seen alone", _d(record.child_seen_alone_on)),
            ("Midway (monitoring) contact", _d(record.midway_on)),
        ])
        for key, label in SOCIAL_WORK_TEXTS:
            self.field(key, label, 2, None)

    # ---- attendance and the child's views ------------------------------------------

    def attendance(self) -> None:
        self.heading("Attendance", 1)
        rec = self.record.child.record
        rows: list[list[Cell]] = [[f"{rec.first_name} {rec.last_name}", "The child",
                                   child_attendance(self.record.participation_code), ""]]
        for a in self.record.attendance:
            if not self.view.person_shown(a.person):
                continue
            role = a.person.role + (f", {a.person.organisation}" if a.person.organisation else "")
            rows.append([_cell(a.person.name, self.view.person_note(a.person)), role,
                         a.status.label, a.reason])
        chair = self.chair.name or "not recorded"
        rows.append([chair, f"Chair, {self.chair.role}", "Attended" if self.record.held_date
                     else "Invited", ""])
        self.grid(["Name", "Role", "Attendance", "Reason"], rows, (3, 3.5, 3.4, 3))
        self.field("agenda:welcome", "Notes on attendance", 2, None)

    def voice(self) -> None:
        record = self.record
        keys = ("voice.views", "voice.wants", "voice.how_gathered", "agenda:wishes")
        shown = [k for k in keys if not self.view.field_withheld(k) and self.has_text(k)]
        self.heading("The child's views", 1)
        if self.under_four and not shown:
            self.w.paragraph("The child was under 4 on the review date (PN0). Their "
                             "experience is described under the agenda items.", italic=True)
        elif not shown:
            self.w.paragraph(NOTHING_RECORDED, italic=True)
        self.field("voice.views", "In their own words", 2, None)
        self.field("voice.wants", "What they want to happen", 2, None)
        self.field("voice.how_gathered", "How the views were gathered", 2, None)
        self.field("agenda:wishes", "Wishes and feelings discussed at the review", 2, None)
        code = record.participation_code
        rows: list[tuple[str, Cell]] = []
        if not self.under_four:
            rows += [("Advocate offered", _yes(record.advocate_offered)),
                     ("Advocate used", _yes(record.advocate_used)),
                     ("Chaired by the child",
                      CHAIRED_CHOICES.get(record.child_chaired, record.child_chaired or "No"))]
        rows.append(("Participation", codes.describe(codes.PARTICIPATION, code) if code
                     else "not recorded"))
        self.facts(rows)

    # ---- decisions -----------------------------------------------------------------

    def area(self, decision: Decision) -> str:
        titles = {i.key: i.title for i in self.record.agenda}
        return titles.get(decision.agenda_key, "General") if decision.agenda_key else "General"

    def previous_decisions(self) -> None:
        shown = self.view.decisions(self.record.earlier_decisions)
        if not shown:
            self.w.paragraph("No decisions from earlier reviews to update.", italic=True)
            return
        # widths that hold "Review" and a date on one line each
        self.grid(["Decision", "Review", "Who", "By when", "Status", "Comment"],
                  [[_cell(d.text, note), str(d.review_number), self.view.responsible(d),
                    _d(d.due_date, ""), (d.update_status or d.status).label, d.update_comment]
                   for d, note in shown], (4.0, 2.0, 2.8, 2.5, 2.1, 3.0))

    def decisions(self, decisions: list[Decision]) -> None:
        shown = self.view.decisions(decisions)
        if not shown:
            self.w.paragraph("No decisions recorded.", italic=True)
            return
        # the council's record numbers every decision; a recipient's copy numbers what it
        # shows, so a gap never tells that something was left out
        numbered = decisions if self.full else [d for d, _note in shown]
        numbers = {d.id: n for n, d in enumerate(numbered, start=1)}
        self.grid(["No.", "Decision", "Agenda area", "Who", "By when"],
                  [[str(numbers[d.id]), _cell(d.text, note), self.area(d),
                    self.view.responsible(d), _d(d.due_date, "")]
                   for d, note in shown], (1, 6.2, 3.2, 3.6, 2.4))

    def endorsement(self) -> None:
        label = ENDORSED_CHOICES.get(self.record.care_plan_endorsed)
        self.w.paragraph(f"Care plan endorsed: {label or 'not recorded'}", bold=True,
                         space_before=Pt(6))
        if self.record.care_plan_endorsed in ("no", "in_part"):
            self.text("care_plan.endorsement", empty=None)

    # ---- next review and distribution ----------------------------------------------

    def next_review(self) -> None:
        venue = " ".join(self.view.text("next.venue").split())
        line = f"Next review: {_d(self.record.next_review_date, 'not set')}"
        if venue:
            line += f", {venue}"
        self.w.paragraph(line, bold=True, space_before=Pt(8))
        note = self.view.field_note("next.venue")
        if note and self.record.texts.get("next.venue", "").strip():
            self.w.note(f"The venue: {note[:1].lower()}{note[1:]}.")

    def distribution(self) -> None:
        key = "agenda:next_review"
        self.heading("Distribution: who gets which copy", 2)
        rec = self.record.child.record
        child_copy = ("Record for later life (kept for the child)" if self.under_four
                      else "Letter to the child")
        rows: list[list[Cell]] = [
            ["The council", "Case file", "Full record"],
            [self.record.team_manager or "Team manager", "Team manager", "Full record"],
            [f"{rec.first_name} {rec.last_name}", "The child", child_copy],
        ]
        seen: set[int] = set()
        # who gets a copy of their own (without building every copy's view as copies_for does)
        own = {p.id for p in own_copy_people(self.record, self.network)}
        for person in [a.person for a in self.record.attendance] + self.network:
            if person.id in seen or not self.view.person_shown(person):
                continue
            seen.add(person.id)
            group = ROLE_GROUPS.get(person.role)
            if group == "child":
                continue  # the child's row is above
            if person.id in own and group is None:
                copy = "Own copy if sent (all that is withheld from any group left out)"
            elif person.id in own:
                copy = "Own copy (something is withheld from them by name)"
            else:
                copy = COPY_WORDS.get(group or "", "No copy (no recipient group for this role)")
            notes = [self.view.person_note(person)]
            name = person.name
            # an address only in the council's own record, unless the IRO shared it
            address = self.view.address(person)
            if address is not None:
                name += f" \u2013 {address[0]}"
                if address[1]:
                    notes.append(f"address {address[1][:1].lower()}{address[1][1:]}")
            role = person.role + (f", {person.organisation}" if person.organisation else "")
            rows.append([_cell(name, "; ".join(n for n in notes if n)), role, copy])
        self.grid(["Recipient", "Role", "Copy"], rows, (5.5, 4.5, 4.5))
        if not self.view.field_withheld(key) and self.has_text(key):
            self.text(key, empty=None)

    # ---- the agenda ------------------------------------------------------------------

    def skip(self, item_key: str, state: ItemState, key: str) -> bool:
        """An item left out: moved elsewhere, not applicable, or empty for an under-4."""
        if item_key in MOVED or state is ItemState.NOT_APPLICABLE:
            return True
        return self.under_four and not self.has_text(key)

    def agenda(self) -> None:
        record = self.record
        self.heading("Agenda", 1)
        done: set[str] = set()
        for item in record.agenda:
            key = item.text_key
            done.add(item.key)
            if item.key == "previous_decisions":
                self.heading(item.title, 2)
                self.text(key, empty=None)
                self.previous_decisions()
            elif item.key == "summary":
                self.heading(item.title, 2)
                self.text(key)
                self.heading("Decisions", 3)
                self.decisions(record.decisions)
            elif item.key == "next_review":
                self.heading(item.title, 2)
                self.next_review()
                self.distribution()
            elif item.key == "care_plan":
                if self.view.field_withheld(key):
                    continue
                self.heading(item.title, 2)
                self.text(key)
                self.endorsement()
            elif not self.skip(item.key, item.state, key):
                self.field(key, item.title, 2)
        # An agenda without these items still gets them, after its own items.
        if "previous_decisions" not in done:
            self.heading("Previous decisions", 2)
            self.previous_decisions()
        if "care_plan" not in done:
            self.endorsement()
        if "summary" not in done:
            self.heading("IRO summary and decisions", 2)
            self.text("agenda:summary")
            self.heading("Decisions", 3)
            self.decisions(record.decisions)
        if "next_review" not in done:
            self.heading("Next review and distribution", 2)
            self.next_review()
            self.distribution()

    # ---- sign-off and amendments -----------------------------------------------------

    def sign_off(self) -> None:
        record = self.record
        self.heading("Sign-off", 1)
        finalised = (_d(record.finalised_at.date()) if record.finalised_at
                     else "not finalised (DRAFT)")
        rows: list[tuple[str, Cell]] = [
            ("Chair", self.chair.name or "not recorded"),
            ("Role", self.chair.role),
        ]
        if self.chair.contact:
            rows.append(("Contact", self.chair.contact))
        rows += [("Date of the review", _d(record.held_date, "not held yet")),
                 ("Date finalised", finalised)]
        self.facts(rows)
        if not self.full:
            return
        self.heading("Team manager's comments and sign-off", 2)
        if record.manager_name:
            comments = record.manager_comments.strip() or "No comments."
            self.facts([("Comments", comments), ("Team manager", record.manager_name),
                        ("Date signed off", _d(record.manager_signed_on))])
        else:
            self.facts([("Comments", "\n\n\n"), ("Team manager", ""), ("Signature", ""),
                        ("Date signed off", "")])

    def amendments(self) -> None:
        record = self.record
        if not record.amendments:
            return
        self.heading("Amendments after finalising", 1)
        if not self.full:
            last = record.amendments[-1].at
            count = len(record.amendments)
            times = "once" if count == 1 else f"{count} times"
            self.w.paragraph(f"This record was amended {times} after it was finalised, most "
                             f"recently on {last:%d/%m/%Y}.")
            return
        titles = {f"agenda:{i.key}": i.title for i in record.agenda} | TEXT_FIELDS
        self.grid(["When", "What changed", "Reason", "Earlier text"],
                  [[f"{a.at:%d/%m/%Y %H:%M}", titles.get(a.key, a.key), a.reason,
                    _earlier(a.old_value)] for a in record.amendments], (2.6, 3.4, 4, 6))


def _earlier(text: str) -> str:
    """An amendment's earlier text as the council's record prints it, cut."""
    text = text.strip()
    return text if len(text) <= 1500 else text[:1500] + "\u2026"


def header_line(record: ReviewRecord, *, letter: bool = False) -> str:
    """'DRAFT - Grace Smith (NB927036), review 3' and the like, for every page's header."""
    rec = record.child.record
    parts = [] if record.status is ReviewStatus.FINALISED else ["DRAFT"]
    if not letter:
        parts.append(f"{rec.first_name} {rec.last_name} ({rec.child_ref}), review "
                     f"{record.number}")
    return " \u2013 ".join(parts)


def build_record(record: ReviewRecord, council: Council, *, variant: str = "full",
                 marking: str = "OFFICIAL-SENSITIVE", chair: str | Chair = "",
                 network: list[Person] | None = None, today: date | None = None,
                 template: bytes | None = None, logo: bytes | None = None,
                 advocacy: str = "", complaints: str = "") -> bytes:
    """The review record as .docx bytes: ``variant`` is "full", "decisions", "letter" or
    "redacted:<group>"; ``template`` and ``logo`` are the council's (None: built-in, none);
    ``advocacy`` and ``complaints`` are the council's, for the letter.
    Raises ValueError for an unknown variant (LetterError for a letter before the review
    is held), TemplateError for an unusable template."""
    kind, group = parse_variant(variant)
    today = today or date.today()
    who = Chair.of(chair)
    if kind == "letter":
        return build_letter(record, council, marking=marking, chair=who, network=network,
                            today=today, template=template, logo=logo, advocacy=advocacy,
                            complaints=complaints)
    full = kind != "decisions"
    title = TITLE if full else DECISIONS_TITLE
    doc = open_document(template, Page(marking, council.name, title, today, logo,
                                       PROPERTIES_TITLE, header_line(record)))
    writer = Writer(doc)
    view = View(record, group, network or [], addresses=None if full else False)
    copy = _Record(writer, view, who, network)
    writer.heading(title, 0)
    writer.paragraph(council.name, bold=True)
    if not record.finalised:
        writer.paragraph(DRAFT_NOTE, bold=True)
    elif record.amendments:
        count = len(record.amendments)
        writer.paragraph(f"Amended after finalising ({'once' if count == 1 else f'{count} times'}"
                         "): see \u201cAmendments after finalising\u201d at the end.", bold=True)
    copy.child()
    copy.review(full=full)
    if not full:
        copy.heading("Decisions", 1)
        copy.decisions(record.decisions)
        copy.next_review()
        return writer.save()
    copy.social_work()
    copy.attendance()
    copy.voice()
    copy.agenda()
    copy.sign_off()
    copy.amendments()
    return writer.save()
