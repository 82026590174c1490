"""The IRO annual report figures as a Word document, built in memory.

Qt-free; python-docx only. An :class:`~iro_desktop.services.report.AnnualReport` in,
``bytes`` out. Aggregate figures only: the report object holds no child's name,
reference or words, and nothing here adds any. Tables of figures, each followed by how
it is counted; the council's protective marking in the header and footer of every page
with "Page X of Y". The document properties name no one (title "IRO annual report
figures", author "iro-desktop").
"""

from __future__ import annotations

import io
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from iro_desktop.core import codes
from iro_desktop.core.annual_report import DEFINITIONS, AnnualReport
from iro_desktop.core.escalation import Outcome, Stage
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.export.sanitize import docx_safe

TITLE = "IRO annual report figures"
AUTHOR = "iro-desktop"


# ---- small python-docx helpers (kept here: this document needs no council template) ----


def _para(doc: DocumentObject, text: str, *, bold: bool = False,
          italic: bool = False) -> Paragraph:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(docx_safe(text))
    run.bold = bold or None
    run.italic = italic or None
    return paragraph


def _heading(doc: DocumentObject, text: str, level: int) -> None:
    doc.add_heading(docx_safe(text), level=level)


def _table(doc: DocumentObject, header: list[str] | None, rows: list[list[str]]) -> None:
    """A grid; with a header row that repeats on every page, or a label/value table."""
    table = doc.add_table(rows=0, cols=len(header) if header else len(rows[0]))
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header):
            cell.text = docx_safe(text)
            cell.paragraphs[0].runs[0].bold = True
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values)):
            cell.text = docx_safe(text)
            if header is None and i == 0:
                cell.paragraphs[0].runs[0].bold = True


def _facts(doc: DocumentObject, rows: list[tuple[str, str]]) -> None:
    _table(doc, None, [list(r) for r in rows])


def _grid(doc: DocumentObject, header: list[str], rows: list[list[str]]) -> None:
    _table(doc, header, rows)


def _page_field(paragraph: Paragraph, instruction: str) -> None:
    """A PAGE / NUMPAGES field (Word fills it in when the document is shown)."""
    for kind, text in (("begin", None), ("instr", f" {instruction} "), ("separate", None),
                       ("result", "1"), ("end", None)):
        run = OxmlElement("w:r")
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        elif kind == "result":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run.append(el)
        paragraph._p.append(run)


def _new_document(marking: str, today: date) -> DocumentObject:
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = TITLE, AUTHOR, AUTHOR
    props.subject = props.keywords = props.comments = props.category = ""
    props.revision = 1
    props.created = props.modified = datetime(today.year, today.month, today.day)
    doc.styles["Normal"].font.size = Pt(11)
    marking = docx_safe(marking)
    for section in doc.sections:
        header = section.header.paragraphs[0]
        header.text = marking
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer = section.footer.paragraphs[0]
        footer.text = marking
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pages = section.footer.add_paragraph()
        pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pages.add_run("Page ")
        _page_field(pages, "PAGE")
        pages.add_run(" of ")
        _page_field(pages, "NUMPAGES")
    return doc


# ---- the report ----------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{part} ({round(100 * part / whole)}%)" if whole else str(part)


def _definitions(doc: DocumentObject, *names: str) -> None:
    for name in names:
        _para(doc, DEFINITIONS[name], italic=True)


def build_report(report: AnnualReport, *, marking: str = "OFFICIAL-SENSITIVE",
                 today: date | None = None) -> bytes:
    """The report as .docx bytes."""
    doc = _new_document(marking, today or report.generated_on)
    doc.add_heading(docx_safe(TITLE), level=0)
    _para(doc, f"{report.council_name} ({report.council_code})", bold=True)
    _para(doc, f"Period: {report.period_from:%d/%m/%Y} to {report.period_to:%d/%m/%Y}. "
               f"Figures produced on {report.generated_on:%d/%m/%Y} from the records held "
               "in iro-desktop.")

    held = report.reviews_held
    _heading(doc, "Reviews", 1)
    _facts(doc, [
        ("Reviews held", str(held)),
        ("Held on time", _pct(report.reviews_on_time, held)),
        ("Held late", _pct(report.reviews_late, held)),
        ("Timeliness not known", _pct(report.reviews_timeliness_unknown, held)),
        ("Children reviewed", str(report.children_reviewed)),
        ("Child seen before the review (recorded)",
         _pct(report.children_seen_before_review, held)),
    ])
    _definitions(doc, "reviews_held", "reviews_on_time", "reviews_late",
                 "reviews_timeliness_unknown", "children_seen_before_review")

    _heading(doc, "Participation", 1)
    rows = [[code, codes.PARTICIPATION.short.get(code, ""), str(n)]
            for code, n in report.participation.items()]
    rows.append(["-", "No code recorded", str(report.participation_not_recorded)])
    _grid(doc, ["Code", "Meaning", "Reviews"], rows)
    _definitions(doc, "participation")

    _heading(doc, "Decisions", 1)
    _facts(doc, [("Decisions made", str(report.decisions_made)),
                 ("Decisions completed", str(report.decisions_completed)),
                 ("Decisions drifting at the end of the period",
                  str(report.decisions_drifting))])
    _definitions(doc, "decisions_made", "decisions_completed", "decisions_drifting")

    _heading(doc, "Escalations (dispute resolution)", 1)
    _facts(doc, [("Escalations raised", str(report.escalations_raised)),
                 ("Open at the end of the period", str(report.escalations_open_at_end))])
    _heading(doc, "Stages raised", 2)
    _grid(doc, ["Stage", "Raised in the period"],
          [[Stage(k).label, str(n)] for k, n in report.escalations_by_stage.items()])
    _heading(doc, "Outcomes", 2)
    _grid(doc, ["Outcome", "Escalations closed in the period"],
          [[Outcome(k).label, str(n)] for k, n in report.escalations_by_outcome.items()])
    _definitions(doc, "escalations_raised", "escalations_by_stage", "escalations_by_outcome",
                 "escalations_open_at_end")

    _heading(doc, "Monitoring between reviews", 1)
    _grid(doc, ["Kind", "Entries"],
          [[EntryKind(k).label, str(n)] for k, n in report.monitoring_by_kind.items()])
    _heading(doc, "Significant changes reported", 2)
    _grid(doc, ["Change", "Reported"],
          [[ChangeType(k).label, str(n)]
           for k, n in report.significant_changes_by_type.items()])
    _definitions(doc, "monitoring_by_kind", "significant_changes_by_type")

    _heading(doc, "Caseload size", 1)
    _grid(doc, ["Date", "Children"],
          [[f"{day:%d/%m/%Y}", str(n)] for day, n in report.caseload_size])
    _definitions(doc, "caseload_size")
    _para(doc, "The app holds the caseload as it is now: the date a child became looked after "
               "and, for a child taken off the caseload, the date that happened (where "
               "recorded). It cannot tell whether a child was on the IRO's caseload on a past "
               "date if the child was added to the app later.", italic=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
