"""The review record ("minutes") as a Word document, built in memory.

Qt-free; python-docx only. Domain objects in, ``bytes`` out: the document is built in
an ``io.BytesIO`` and never touches the disk here; the caller decides where (and
whether) it is written.

Variants:

* ``"full"``: the whole record - child, review, attendance, the child's views, every
  agenda item in agenda order with its discussion (previous decisions with their
  updates under "Previous decisions", the new decisions table under the IRO summary,
  the next review and distribution under "Next review and distribution").
* ``"decisions"``: child identification, review number and date, the decisions table
  and the next review date only.

Both have the protective marking in the header and footer of every page and
"Page X of Y" in the footer. Every piece of text passes through
:func:`iro_desktop.export.sanitize.docx_safe`. The document properties name no child:
the title is the generic "Review record", the author "iro-desktop".
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from iro_desktop.core import codes
from iro_desktop.core.models import Council
from iro_desktop.core.reviews import CHAIRED_CHOICES
from iro_desktop.export.sanitize import docx_safe, paragraphs
from iro_desktop.services.reviews import Decision, Person, ReviewRecord

VARIANTS = ("full", "decisions")
TITLE = "Record of the looked after child review"
DECISIONS_TITLE = "Decisions of the looked after child review"
PROPERTIES_TITLE = "Review record"
AUTHOR = "iro-desktop"
NOTHING_RECORDED = "Nothing recorded."

# Structured agenda items: their notes print where present, then their own content.
STRUCTURED = ("welcome", "wishes", "previous_decisions", "summary", "next_review")


def _d(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "not set"


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


# ---- low-level helpers -------------------------------------------------------------


def _para(doc: DocumentObject, text: str = "", style: str | None = None,
          *, bold: bool = False, italic: bool = False) -> Paragraph:
    paragraph = doc.add_paragraph(style=style)
    if text:
        run = paragraph.add_run(docx_safe(text))
        run.bold = bold or None
        run.italic = italic or None
    return paragraph


def _heading(doc: DocumentObject, text: str, level: int = 1) -> Paragraph:
    return doc.add_heading(docx_safe(text), level=level)


def _typed(doc: DocumentObject, text: str, *, empty: str | None = NOTHING_RECORDED) -> None:
    """Typed text as Word paragraphs and 'List Bullet' paragraphs."""
    pieces = paragraphs(docx_safe(text or ""))
    if not pieces:
        if empty:
            _para(doc, empty, italic=True)
        return
    for kind, piece in pieces:
        # python-docx turns "\n" in run text into a line break and "\t" into a tab
        _para(doc, piece, "List Bullet" if kind == "bullet" else None)


def _facts(doc: DocumentObject, rows: Iterable[tuple[str, str]]) -> Table:
    rows = list(rows)
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for row, (label, value) in zip(table.rows, rows):
        row.cells[0].text = docx_safe(label)
        row.cells[1].text = docx_safe(value)
        for run in row.cells[0].paragraphs[0].runs:
            run.bold = True
    return table


def _grid(doc: DocumentObject, header: list[str], rows: list[list[str]]) -> Table:
    """A table whose first row repeats at the top of every page it spans."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = docx_safe(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tbl_header = OxmlElement("w:tblHeader")
    tbl_header.set(qn("w:val"), "true")
    tr_pr.append(tbl_header)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            cell.text = docx_safe(text)
    return table


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (fldChar begin / instrText / separate / result / end)."""
    def run_with(child: object) -> None:
        run = OxmlElement("w:r")
        run.append(child)
        paragraph._p.append(run)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    result = OxmlElement("w:t")
    result.text = placeholder
    run_with(result)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _header_footer(doc: DocumentObject, marking: str) -> None:
    marking = docx_safe(marking)
    for section in doc.sections:
        section.different_first_page_header_footer = False
        header = section.header.paragraphs[0]
        header.text = marking
        header.alignment = 1  # centre
        footer = section.footer.paragraphs[0]
        footer.text = marking
        footer.alignment = 1
        pages = section.footer.add_paragraph()
        pages.alignment = 1
        pages.add_run("Page ")
        _field(pages, "PAGE", "1")
        pages.add_run(" of ")
        _field(pages, "NUMPAGES", "1")


# ---- sections ----------------------------------------------------------------------


def _child_section(doc: DocumentObject, record: ReviewRecord) -> None:
    rec = record.child.record
    _heading(doc, "Child", 1)
    _facts(doc, [
        ("Name", f"{rec.first_name} {rec.last_name}"),
        ("Preferred name", rec.preferred_name or rec.first_name),
        ("Date of birth", _d(rec.date_of_birth)),
        ("Council reference", rec.child_ref),
        ("Legal status", codes.describe(codes.LEGAL_STATUS, rec.legal_status)),
        ("Placement", codes.describe(codes.PLACEMENT_TYPE, rec.placement_type)),
    ])


def _review_section(doc: DocumentObject, record: ReviewRecord, chair: str,
                    *, full: bool) -> None:
    _heading(doc, "Review", 1)
    if record.held_date:
        when = ("Date held", _d(record.held_date))
    else:
        when = ("Date planned", _d(record.planned_date))
    rows = [("Review number", str(record.number)), when]
    if full:
        rows += [("Venue", record.venue or "not recorded"),
                 ("Chair", chair or "not recorded")]
    _facts(doc, rows)


def _attendance_section(doc: DocumentObject, record: ReviewRecord) -> None:
    _heading(doc, "Attendance", 1)
    if not record.attendance:
        _para(doc, "No attendance recorded.", italic=True)
        return
    _grid(doc, ["Name", "Role", "Attendance", "Reason"],
          [[a.person.name, a.person.role + (f", {a.person.organisation}"
                                            if a.person.organisation else ""),
            a.status.label, a.reason] for a in record.attendance])


def _voice_section(doc: DocumentObject, record: ReviewRecord) -> None:
    texts = record.texts
    _heading(doc, "The child's views", 1)
    _heading(doc, "In their own words", 2)
    _typed(doc, texts.get("voice.views", ""))
    _heading(doc, "What they want to happen", 2)
    _typed(doc, texts.get("voice.wants", ""))
    _heading(doc, "How the views were gathered", 2)
    _typed(doc, texts.get("voice.how_gathered", ""))
    code = record.participation_code
    _facts(doc, [
        ("Advocate offered", _yes(record.advocate_offered)),
        ("Advocate used", _yes(record.advocate_used)),
        ("Chaired by the child",
         CHAIRED_CHOICES.get(record.child_chaired, record.child_chaired or "No")),
        ("Participation", codes.describe(codes.PARTICIPATION, code) if code
         else "not recorded"),
    ])


def _previous_decisions(doc: DocumentObject, earlier: list[Decision]) -> None:
    if not earlier:
        _para(doc, "No decisions from earlier reviews to update.", italic=True)
        return
    _grid(doc, ["Decision", "Review", "Who", "By when", "Status", "Comment"],
          [[d.text, str(d.review_number), d.responsible, _d(d.due_date),
            (d.update_status or d.status).label, d.update_comment] for d in earlier])


def _decisions_table(doc: DocumentObject, decisions: list[Decision]) -> Table | None:
    if not decisions:
        _para(doc, "No decisions recorded.", italic=True)
        return None
    return _grid(doc, ["Decision", "Who", "By when"],
                 [[d.text, d.responsible, _d(d.due_date)] for d in decisions])


def _next_review(doc: DocumentObject, record: ReviewRecord) -> None:
    venue = record.texts.get("next.venue", "")
    line = f"Next review: {_d(record.next_review_date)}"
    if venue.strip():
        line += f", {venue.strip()}"
    _para(doc, line, bold=True)


def _distribution(doc: DocumentObject, record: ReviewRecord,
                  network: list[Person] | None) -> None:
    _heading(doc, "Distribution", 2)
    text = record.texts.get("agenda:next_review", "")
    if text.strip():
        _typed(doc, text)
    elif network:
        for person in network:
            _para(doc, f"{person.name} ({person.role})", "List Bullet")
    else:
        _para(doc, NOTHING_RECORDED, italic=True)


# ---- the document ------------------------------------------------------------------


def _new_document(marking: str, today: date) -> DocumentObject:
    doc = Document()
    props = doc.core_properties
    props.title = PROPERTIES_TITLE
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.subject = ""
    props.keywords = ""
    props.comments = ""
    props.category = ""
    props.revision = 1
    stamp = datetime(today.year, today.month, today.day)
    props.created = stamp
    props.modified = stamp
    style = doc.styles["Normal"]
    style.font.size = Pt(11)
    _header_footer(doc, marking)
    return doc


def build_record(record: ReviewRecord, council: Council, *, variant: str = "full",
                 marking: str = "OFFICIAL-SENSITIVE", chair: str = "",
                 network: list[Person] | None = None, today: date | None = None) -> bytes:
    """The review record as .docx bytes (``variant`` "full" or "decisions")."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown export variant {variant!r}: use one of {', '.join(VARIANTS)}")
    doc = _new_document(marking, today or date.today())
    full = variant == "full"
    doc.add_heading(docx_safe(TITLE if full else DECISIONS_TITLE), level=0)
    _para(doc, council.name, bold=True)
    _child_section(doc, record)
    _review_section(doc, record, chair, full=full)
    if not full:
        _heading(doc, "Decisions", 1)
        _decisions_table(doc, record.decisions)
        _next_review(doc, record)
        return _save(doc)

    _attendance_section(doc, record)
    _voice_section(doc, record)
    _heading(doc, "Agenda", 1)
    done: set[str] = set()
    for item in record.agenda:
        _heading(doc, item.title, 2)
        notes = record.texts.get(item.text_key, "")
        if item.key == "previous_decisions":
            _typed(doc, notes, empty=None)
            _previous_decisions(doc, record.earlier_decisions)
        elif item.key == "summary":
            _typed(doc, notes)
            _heading(doc, "Decisions", 3)
            _decisions_table(doc, record.decisions)
        elif item.key == "next_review":
            _next_review(doc, record)
            _distribution(doc, record, network)
        else:
            _typed(doc, notes, empty=None if item.key in STRUCTURED else NOTHING_RECORDED)
        done.add(item.key)
    # An agenda without these items still gets them, after its own items.
    if "previous_decisions" not in done:
        _heading(doc, "Previous decisions", 2)
        _previous_decisions(doc, record.earlier_decisions)
    if "summary" not in done:
        _heading(doc, "IRO summary and decisions", 2)
        _typed(doc, record.texts.get("agenda:summary", ""))
        _heading(doc, "Decisions", 3)
        _decisions_table(doc, record.decisions)
    if "next_review" not in done:
        _heading(doc, "Next review and distribution", 2)
        _next_review(doc, record)
        _distribution(doc, record, network)
    return _save(doc)


def _save(doc: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
