"""Writing the body of an export: paragraphs, headings, bullets, notes and tables.

:class:`Writer` adds content at the end of a document opened by
:func:`iro_desktop.export.layout.open_document`. Every piece of text passes through
:func:`iro_desktop.export.sanitize.docx_safe` (Windows and old Mac line endings made one
line break). Style ids are looked up once per document and plain text goes straight
into its ``w:t``, which keeps a long record quick to build.
"""

from __future__ import annotations

from typing import Any

import io
from collections.abc import Sequence

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from iro_desktop.export.sanitize import docx_safe

NOTE_GREY = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "DCE3EF"
LABEL_FILL = "F2F2F2"
_CELL_SPACING = f'<w:spacing {nsdecls("w")} w:before="20" w:after="20"/>'  # tight table rows

Cell = str | tuple[str, str]  # text, or (text, italic note under it)

# An lxml element of the document tree (python-docx's oxml). lxml carries no type
# information, so the elements are typed as what they are to the checker: Any.
Element = Any


def safe_text(text: str) -> str:
    """Text for a run: Word-safe, and Windows or old Mac line endings as one line break."""
    return docx_safe(text.replace("\r\n", "\n").replace("\r", "\n"))


def text_element(text: str) -> Element:
    """A ``w:t`` holding ``text`` as it is (spaces kept)."""
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    return t


def style_id(doc: DocumentObject, name: str) -> str | None:
    return next((s.style_id for s in doc.styles if s.name == name), None)


def _add_run(paragraph: Paragraph, text: str, *, bold: bool = False) -> Run:
    """A run of safe text at the end of ``paragraph``. Plain text goes straight into one
    ``w:t`` (python-docx's ``add_run`` looks at every character for tabs and breaks,
    which is most of the time of a long record), bold as a ``w:b`` made in place;
    text with tabs or breaks goes through python-docx."""
    text = safe_text(text)
    if "\t" in text or "\n" in text:
        run = paragraph.add_run(text)
        if bold:
            run.bold = True
        return run
    r = OxmlElement("w:r")
    if bold:
        r_pr = OxmlElement("w:rPr")
        r_pr.append(OxmlElement("w:b"))
        r.append(r_pr)
    r.append(text_element(text))
    paragraph._p.append(r)
    return Run(r, paragraph)


class Writer:
    """Adds content at the end of a document's body."""

    def __init__(self, doc: DocumentObject) -> None:
        self.doc = doc
        self._body = doc._body
        self._ids: dict[str, str | None] = {}
        section = doc.sections[-1]
        width = (section.page_width or Cm(21)) - (section.left_margin or Cm(2.5)) \
            - (section.right_margin or Cm(2.5))
        self.text_width = Emu(max(int(width), int(Cm(8))))

    def style(self, name: str) -> str | None:
        if name not in self._ids:
            self._ids[name] = style_id(self.doc, name)
        return self._ids[name]

    def paragraph(self, text: str = "", style: str | None = None, *, bold: bool = False,
                  italic: bool = False, size: float | None = None, note: str = "",
                  align: int | None = None) -> Paragraph:
        paragraph = self._body._add_paragraph()
        if style is not None:
            style_id = self.style(style)
            if style_id:
                paragraph._p.style = style_id
        if text:
            run = _add_run(paragraph, text, bold=bold)
            if italic:
                run.italic = True
            if size:
                run.font.size = Pt(size)
        if note:
            self._note_run(paragraph, " (" + note + ")")
        if align is not None:
            paragraph.alignment = align
        return paragraph

    @staticmethod
    def _note_run(paragraph: Paragraph, text: str) -> None:
        run = _add_run(paragraph, text)
        run.italic = True
        run.font.color.rgb = NOTE_GREY

    def note(self, text: str) -> Paragraph:
        """A short italic line, e.g. 'Withheld from the parents' copy.'"""
        paragraph = self._body._add_paragraph()
        self._note_run(paragraph, text)
        return paragraph

    def heading(self, text: str, level: int = 1) -> Paragraph:
        return self.paragraph(text, "Title" if level == 0 else f"Heading {level}")

    def bullet(self, text: str, note: str = "") -> Paragraph:
        return self.paragraph(text, "List Bullet", note=note)

    # ---- tables --------------------------------------------------------------------

    def _table(self, widths: Sequence[float]) -> Table:
        total = sum(widths)
        emus = [Emu(int(self.text_width * w / total)) for w in widths]
        table = self._body.add_table(0, len(widths), self.text_width)
        grid_style = self.style("Table Grid")
        if grid_style:
            table._tbl.tblStyle_val = grid_style
        for col, width in zip(table._tbl.tblGrid.gridCol_lst, emus):
            col.w = width
        return table

    @staticmethod
    def _cell(table: Table, tr: object, width: int | None, value: Cell, *, bold: bool = False,
              fill: str | None = None) -> None:
        """A cell of ``width`` EMU at the end of row ``tr``. Its ``w:tc``, width, shading
        and paragraph are made as elements in schema order (python-docx's ``add_tc`` and
        ``width`` look for where each child goes, which was a third of a long record's
        time)."""
        text, note = (value, "") if isinstance(value, str) else value
        tc = OxmlElement("w:tc")
        tc_pr = OxmlElement("w:tcPr")
        tc_w = OxmlElement("w:tcW")
        tc_w.set(qn("w:w"), str(Emu(width or 0).twips))
        tc_w.set(qn("w:type"), "dxa")
        tc_pr.append(tc_w)
        if fill:  # w:shd comes after w:tcW in w:tcPr
            tc_pr.append(parse_xml(
                f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))
        tc.append(tc_pr)
        tr.append(tc)  # type: ignore[attr-defined]
        cell = _Cell(tc, table)
        paragraph = Writer._cell_paragraph(tc, cell)
        if text:
            _add_run(paragraph, text, bold=bold)
        if note:
            Writer._note_run(Writer._cell_paragraph(tc, cell), note)

    @staticmethod
    def _cell_paragraph(tc: object, cell: _Cell) -> Paragraph:
        """A new tightly spaced paragraph at the end of cell ``tc``."""
        p = OxmlElement("w:p")
        p_pr = OxmlElement("w:pPr")
        p_pr.append(parse_xml(_CELL_SPACING))
        p.append(p_pr)
        tc.append(p)  # type: ignore[attr-defined]
        return Paragraph(p, cell)

    def _row(self, table: Table, values: Sequence[Cell], **style: object) -> Element:
        tr = table._tbl.add_tr()
        tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row never breaks in two
        for grid_col, value in zip(table._tbl.tblGrid.gridCol_lst, values):
            self._cell(table, tr, grid_col.w, value, **style)  # type: ignore[arg-type]
        return tr

    def facts(self, rows: Sequence[tuple[str, Cell]]) -> Table:
        """A two-column table of labels (bold, shaded) and values."""
        table = self._table((3, 7))
        cols = table._tbl.tblGrid.gridCol_lst
        widths = (cols[0].w, cols[1].w)
        for label, value in rows:
            tr = table._tbl.add_tr()
            self._cell(table, tr, widths[0], label, bold=True, fill=LABEL_FILL)
            self._cell(table, tr, widths[1], value)
        return table

    def grid(self, header: Sequence[str], rows: Sequence[Sequence[Cell]],
             widths: Sequence[float]) -> Table:
        """A table whose shaded first row repeats at the top of every page it spans."""
        table = self._table(widths)
        tr = self._row(table, header, bold=True, fill=HEADER_FILL)
        tbl_header = OxmlElement("w:tblHeader")
        tbl_header.set(qn("w:val"), "true")
        tr.get_or_add_trPr().append(tbl_header)
        for values in rows:
            self._row(table, values)
        return table

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
