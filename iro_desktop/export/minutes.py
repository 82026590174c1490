"""The review record ("minutes") as a Word document, built in memory.

Qt-free; python-docx only. Domain objects in, ``bytes`` out: the document is built in
an ``io.BytesIO`` and never touches the disk here; the caller decides where (and
whether) it is written.

Variants (:mod:`iro_desktop.export.variants` says what each copy leaves out):

* ``"full"``: the whole record - child, review, attendance, the child's views, every
  agenda item in agenda order with its discussion (previous decisions with their
  updates under "Previous decisions", the new decisions table under the IRO summary,
  the next review and distribution under "Next review and distribution"). Material
  withheld from a recipient group carries a short italic note saying from whom.
* ``"decisions"``: child identification, review number and date, the decisions table
  and the next review date only.
* ``"redacted:<group>"``: the full record as that group receives it.
* ``"letter"``: handed to :func:`iro_desktop.export.letter.build_letter`.

Every document starts from the council's Word template or the built-in one
(:mod:`iro_desktop.export.layout`): protective marking in the header and footer of
every page, "Page X of Y", the council's logo. Every piece of text passes through
:func:`iro_desktop.export.sanitize.docx_safe`. The document properties name no child:
the title is the generic "Review record", the author "iro-desktop".
"""

from __future__ import annotations

from datetime import date

from docx.shared import Pt

from iro_desktop.core import codes
from iro_desktop.core.models import Council
from iro_desktop.core.reviews import CHAIRED_CHOICES
from iro_desktop.export.layout import AUTHOR, Page, open_document
from iro_desktop.export.letter import build_letter
from iro_desktop.export.variants import VARIANTS, View, parse_variant
from iro_desktop.export.writer import Cell, Writer
from iro_desktop.services.reviews import Decision, Person, ReviewRecord

__all__ = ["AUTHOR", "VARIANTS", "build_record"]

TITLE = "Record of the looked after child review"
DECISIONS_TITLE = "Decisions of the looked after child review"
PROPERTIES_TITLE = "Review record"
NOTHING_RECORDED = "Nothing recorded."

# Structured agenda items: their notes print where present, then their own content.
STRUCTURED = ("welcome", "wishes", "previous_decisions", "summary", "next_review")


def _d(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "not set"


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _cell(text: str, note: str) -> Cell:
    return (text, note) if note else text


class _Record:
    """Writes one copy of the record through a :class:`View`."""

    def __init__(self, writer: Writer, view: View, chair: str,
                 network: list[Person] | None) -> None:
        self.w = writer
        self.view = view
        self.record = view.record
        self.chair = chair
        self.network = network

    # ---- typed text ----------------------------------------------------------------

    def text(self, key: str, *, empty: str | None = NOTHING_RECORDED) -> None:
        """The field's paragraphs and bullets (nothing at all when withheld)."""
        if self.view.field_withheld(key):
            return
        note = self.view.field_note(key)
        if note:
            self.w.note(note + ".")
        pieces = self.view.pieces(key)
        if not pieces:
            if empty:
                self.w.paragraph(empty, italic=True)
            return
        for piece in pieces:
            if piece.kind == "bullet":
                self.w.bullet(piece.text, piece.note)
            else:
                self.w.paragraph(piece.text, note=piece.note)

    def field(self, key: str, heading: str, level: int,
              empty: str | None = NOTHING_RECORDED) -> None:
        """A heading and its field; both left out of a copy the field is withheld from."""
        if self.view.field_withheld(key):
            return
        self.w.heading(heading, level)
        self.text(key, empty=empty)

    # ---- sections ------------------------------------------------------------------

    def child(self) -> None:
        rec = self.record.child.record
        self.w.heading("Child", 1)
        rows: list[tuple[str, Cell]] = [
            ("Name", f"{rec.first_name} {rec.last_name}"),
            ("Preferred name", rec.preferred_name or rec.first_name),
            ("Date of birth", _d(rec.date_of_birth)),
            ("Council reference", rec.child_ref),
            ("Legal status", codes.describe(codes.LEGAL_STATUS, rec.legal_status)),
            ("Placement", codes.describe(codes.PLACEMENT_TYPE, rec.placement_type)),
        ]
        address = self.view.placement_address()
        if address is not None:
            rows.append(("Placement address", _cell(*address)))
        self.w.facts(rows)

    def review(self, *, full: bool) -> None:
        record = self.record
        self.w.heading("Review", 1)
        if record.held_date:
            when = ("Date held", _d(record.held_date))
        else:
            when = ("Date planned", _d(record.planned_date))
        rows: list[tuple[str, Cell]] = [("Review number", str(record.number)), when]
        if full:
            rows += [("Venue", record.venue or "not recorded"),
                     ("Chair", self.chair or "not recorded")]
        self.w.facts(rows)

    def attendance(self) -> None:
        self.w.heading("Attendance", 1)
        rows: list[list[Cell]] = []
        for a in self.record.attendance:
            if not self.view.person_shown(a.person):
                continue
            role = a.person.role + (f", {a.person.organisation}" if a.person.organisation else "")
            rows.append([_cell(a.person.name, self.view.person_note(a.person)), role,
                         a.status.label, a.reason])
        if not rows:
            self.w.paragraph("No attendance recorded.", italic=True)
            return
        self.w.grid(["Name", "Role", "Attendance", "Reason"], rows, (3, 3.5, 3.1, 3))

    def voice(self) -> None:
        record = self.record
        self.w.heading("The child's views", 1)
        self.field("voice.views", "In their own words", 2)
        self.field("voice.wants", "What they want to happen", 2)
        self.field("voice.how_gathered", "How the views were gathered", 2)
        code = record.participation_code
        self.w.facts([
            ("Advocate offered", _yes(record.advocate_offered)),
            ("Advocate used", _yes(record.advocate_used)),
            ("Chaired by the child",
             CHAIRED_CHOICES.get(record.child_chaired, record.child_chaired or "No")),
            ("Participation", codes.describe(codes.PARTICIPATION, code) if code
             else "not recorded"),
        ])

    def previous_decisions(self) -> None:
        shown = self.view.decisions(self.record.earlier_decisions)
        if not shown:
            self.w.paragraph("No decisions from earlier reviews to update.", italic=True)
            return
        self.w.grid(["Decision", "Review", "Who", "By when", "Status", "Comment"],
                    [[_cell(d.text, note), str(d.review_number), self.view.responsible(d),
                      _d(d.due_date), (d.update_status or d.status).label, d.update_comment]
                     for d, note in shown], (4.2, 1.6, 2.9, 3, 2.4, 2.9))

    def decisions(self, decisions: list[Decision]) -> None:
        shown = self.view.decisions(decisions)
        if not shown:
            self.w.paragraph("No decisions recorded.", italic=True)
            return
        self.w.grid(["Decision", "Who", "By when"],
                    [[_cell(d.text, note), self.view.responsible(d), _d(d.due_date)]
                     for d, note in shown], (8, 5.2, 3.2))

    def next_review(self) -> None:
        venue = " ".join(self.view.text("next.venue").split())
        line = f"Next review: {_d(self.record.next_review_date)}"
        if venue:
            line += f", {venue}"
        self.w.paragraph(line, bold=True).paragraph_format.space_before = Pt(8)
        note = self.view.field_note("next.venue")
        if note and self.record.texts.get("next.venue", "").strip():
            self.w.note(f"The venue: {note[:1].lower()}{note[1:]}.")

    def distribution(self) -> None:
        key = "agenda:next_review"
        if self.view.field_withheld(key):
            return
        self.w.heading("Distribution", 2)
        if self.record.texts.get(key, "").strip():
            self.text(key)
            return
        people = [p for p in self.network or [] if self.view.person_shown(p)]
        if not people:
            self.w.paragraph(NOTHING_RECORDED, italic=True)
            return
        for person in people:
            line = f"{person.name} ({person.role})"
            if person.organisation:
                line += f", {person.organisation}"
            notes = [self.view.person_note(person)]
            address = self.view.address(person)
            if address is not None:
                line += f" \u2013 {address[0]}"
                if address[1]:
                    notes.append(f"address {address[1][:1].lower()}{address[1][1:]}")
            self.w.bullet(line, "; ".join(n for n in notes if n))

    def agenda(self) -> None:
        record = self.record
        self.w.heading("Agenda", 1)
        done: set[str] = set()
        for item in record.agenda:
            key = item.text_key
            done.add(item.key)
            if item.key == "previous_decisions":
                self.w.heading(item.title, 2)
                self.text(key, empty=None)
                self.previous_decisions()
            elif item.key == "summary":
                self.w.heading(item.title, 2)
                self.text(key)
                self.w.heading("Decisions", 3)
                self.decisions(record.decisions)
            elif item.key == "next_review":
                self.w.heading(item.title, 2)
                self.next_review()
                self.distribution()
            else:
                self.field(key, item.title, 2,
                           None if item.key in STRUCTURED else NOTHING_RECORDED)
        # An agenda without these items still gets them, after its own items.
        if "previous_decisions" not in done:
            self.w.heading("Previous decisions", 2)
            self.previous_decisions()
        if "summary" not in done:
            self.w.heading("IRO summary and decisions", 2)
            self.text("agenda:summary")
            self.w.heading("Decisions", 3)
            self.decisions(record.decisions)
        if "next_review" not in done:
            self.w.heading("Next review and distribution", 2)
            self.next_review()
            self.distribution()


def build_record(record: ReviewRecord, council: Council, *, variant: str = "full",
                 marking: str = "OFFICIAL-SENSITIVE", chair: str = "",
                 network: list[Person] | None = None, today: date | None = None,
                 template: bytes | None = None, logo: bytes | None = None) -> bytes:
    """The review record as .docx bytes: ``variant`` is "full", "decisions", "letter" or
    "redacted:<group>"; ``template`` and ``logo`` are the council's (None: built-in, none).
    Raises ValueError for an unknown variant, TemplateError for an unusable template."""
    kind, group = parse_variant(variant)
    today = today or date.today()
    if kind == "letter":
        return build_letter(record, council, marking=marking, chair=chair, network=network,
                            today=today, template=template, logo=logo)
    full = kind != "decisions"
    title = TITLE if full else DECISIONS_TITLE
    doc = open_document(template, Page(marking, council.name, title, today, logo,
                                       PROPERTIES_TITLE))
    writer = Writer(doc)
    view = View(record, group, network or [], addresses=None if full else False)
    copy = _Record(writer, view, chair, network)
    writer.heading(title, 0)
    writer.paragraph(council.name, bold=True)
    copy.child()
    copy.review(full=full)
    if not full:
        writer.heading("Decisions", 1)
        copy.decisions(record.decisions)
        copy.next_review()
        return writer.save()
    copy.attendance()
    copy.voice()
    copy.agenda()
    return writer.save()
