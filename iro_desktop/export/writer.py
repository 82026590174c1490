"""Writing the body of an export: paragraphs, headings, bullets, notes and tables.

:class:`Writer` adds content at the end of a document opened by
:func:`iro_desktop.export.layout.open_document`. Every piece of text passes through
:func:`iro_desktop.export.sanitize.docx_safe` (Windows and old Mac line endings made one
line break). Style ids are looked up once per document.

Each paragraph, run and table row is made with ``lxml``'s ``SubElement`` in the order
the schema wants (``w:pStyle``, ``w:keepNext``, ``w:spacing`` in a paragraph's
properties; ``w:b``, ``w:i``, ``w:color`` in a run's), straight into the document's
tree: python-docx's ``add_paragraph``, ``add_run``, ``add_tr``, ``get_or_add_*`` and
property setters each search a parent's children for where the new one goes and make
every element through a namespace look-up, which was most of the time of a long record.
The XML is the same as python-docx's setters write (the export tests and
``tests/unit/test_export_writer.py`` read it back).
"""

from __future__ import annotations

from typing import Any

import io
from collections.abc import Sequence

from docx.document import Document as DocumentObject
from docx.enum.text import WD_PARAGRAPH_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Pt, RGBColor
from docx.styles import BabelFish
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import SubElement

from iro_desktop.export.sanitize import docx_safe

NOTE_GREY = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "DCE3EF"
LABEL_FILL = "F2F2F2"

Cell = str | tuple[str, str]  # text, or (text, italic note under it)

# An lxml element of the document tree (python-docx's oxml). lxml carries no type
# information, so the elements are typed as what they are to the checker: Any.
Element = Any

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _PPR, _PSTYLE, _KEEP_NEXT, _SPACING = (_W + "p", _W + "pPr", _W + "pStyle",
                                          _W + "keepNext", _W + "spacing")
_R, _RPR, _B, _I, _COLOR = _W + "r", _W + "rPr", _W + "b", _W + "i", _W + "color"
_T, _BR, _TAB = _W + "t", _W + "br", _W + "tab"
_TR, _TRPR, _CANT_SPLIT, _TBL_HEADER = _W + "tr", _W + "trPr", _W + "cantSplit", _W + "tblHeader"
_TC, _TCPR, _TCW, _SHD = _W + "tc", _W + "tcPr", _W + "tcW", _W + "shd"
_VAL, _BEFORE = _W + "val", _W + "before"
_PRESERVE = {"{http://www.w3.org/XML/1998/namespace}space": "preserve"}
_CELL_SPACING = {_W + "before": "20", _W + "after": "20"}  # tight table rows
_NOTE_COLOUR = {_VAL: str(NOTE_GREY)}


def safe_text(text: str) -> str:
    """Text for a run: Word-safe, and Windows or old Mac line endings as one line break."""
    return docx_safe(text.replace("\r\n", "\n").replace("\r", "\n"))


def text_element(text: str) -> Element:
    """A ``w:t`` holding ``text`` as it is (spaces kept)."""
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    return t


def style_ids(doc: DocumentObject) -> dict[str, str | None]:
    """Each style's id by its name as python-docx names it ("Heading 1" for the stored
    "heading 1"); the first style of a name counts. One pass over the styles part (asking
    ``doc.styles`` by name makes an object of every style before it, every time)."""
    ids: dict[str, str | None] = {}
    for el in doc.styles.element.iterchildren(_W + "style"):
        name = el.find(_W + "name")
        value = name.get(_VAL) if name is not None else None
        if value is not None:
            ids.setdefault(BabelFish.internal2ui(value), el.get(_W + "styleId"))
    return ids


def style_id(doc: DocumentObject, name: str) -> str | None:
    return style_ids(doc).get(name)


def _run(p: Element, text: str, *, bold: bool = False, italic: bool = False,
         colour: bool = False) -> Element:
    """A run of safe ``text`` at the end of paragraph ``p``: bold, italic and/or the note
    grey. Plain text is one ``w:t`` (spaces kept); a tab or a line break in it is a
    ``w:tab`` or ``w:br`` between ``w:t``s, as python-docx's ``add_run`` writes them."""
    text = safe_text(text)
    r = SubElement(p, _R)
    if bold or italic or colour:
        r_pr = SubElement(r, _RPR)
        if bold:
            SubElement(r_pr, _B)
        if italic:
            SubElement(r_pr, _I)
        if colour:
            SubElement(r_pr, _COLOR, _NOTE_COLOUR)
    if "\t" not in text and "\n" not in text:
        SubElement(r, _T, _PRESERVE).text = text
        return r
    buffer: list[str] = []

    def flush() -> None:
        chunk = "".join(buffer)
        if chunk:  # python-docx keeps spaces only where the text has some at an end
            t = SubElement(r, _T, _PRESERVE if chunk.strip() != chunk else None)
            t.text = chunk
        buffer.clear()

    for char in text:
        if char == "\t" or char == "\n":
            flush()
            SubElement(r, _TAB if char == "\t" else _BR)
        else:
            buffer.append(char)
    flush()
    return r


class Writer:
    """Adds content at the end of a document's body."""

    def __init__(self, doc: DocumentObject) -> None:
        self.doc = doc
        self._body = doc._body
        self._element = doc._body._element
        # python-docx adds each block before the body's section properties; so does this
        self._sect_pr = self._element.find(_W + "sectPr")
        self._ids: dict[str, str | None] | None = None
        section = doc.sections[-1]
        width = (section.page_width or Cm(21)) - (section.left_margin or Cm(2.5)) \
            - (section.right_margin or Cm(2.5))
        self.text_width = Emu(max(int(width), int(Cm(8))))

    def style(self, name: str) -> str | None:
        if self._ids is None:
            self._ids = style_ids(self.doc)
        return self._ids.get(name)

    def _block(self, tag: str) -> Element:
        """A new element at the end of the body (before its section properties)."""
        el = SubElement(self._element, tag)
        if self._sect_pr is not None:
            self._sect_pr.addprevious(el)
        return el

    def paragraph(self, text: str = "", style: str | None = None, *, bold: bool = False,
                  italic: bool = False, size: float | None = None, note: str = "",
                  align: WD_PARAGRAPH_ALIGNMENT | None = None, keep_with_next: bool = False,
                  space_before: Length | None = None) -> Paragraph:
        p = self._block(_P)
        style_id = self.style(style) if style is not None else None
        if style_id or keep_with_next or space_before is not None:
            p_pr = SubElement(p, _PPR)
            if style_id:
                SubElement(p_pr, _PSTYLE, {_VAL: style_id})
            if keep_with_next:
                SubElement(p_pr, _KEEP_NEXT)
            if space_before is not None:
                SubElement(p_pr, _SPACING, {_BEFORE: str(Emu(space_before).twips)})
        paragraph = Paragraph(p, self._body)
        if text:
            r = _run(p, text, bold=bold, italic=italic)
            if size:
                Run(r, paragraph).font.size = Pt(size)
        if note:
            _run(p, " (" + note + ")", italic=True, colour=True)
        if align is not None:
            paragraph.alignment = align
        return paragraph

    def note(self, text: str) -> Paragraph:
        """A short italic line, e.g. 'Withheld from the parents' copy.'"""
        p = self._block(_P)
        _run(p, text, italic=True, colour=True)
        return Paragraph(p, self._body)

    def heading(self, text: str, level: int = 1, *, keep_with_next: bool = False) -> Paragraph:
        return self.paragraph(text, "Title" if level == 0 else f"Heading {level}",
                              keep_with_next=keep_with_next)

    def bullet(self, text: str, note: str = "") -> Paragraph:
        return self.paragraph(text, "List Bullet", note=note)

    # ---- tables --------------------------------------------------------------------

    def _table(self, widths: Sequence[float]) -> tuple[Table, list[str]]:
        """A new table of columns in the proportions ``widths``, and each column's width
        in twips as the cells' ``w:tcW`` say it."""
        total = sum(widths)
        emus = [Emu(int(self.text_width * w / total)) for w in widths]
        table = self._body.add_table(0, len(widths), self.text_width)
        grid_style = self.style("Table Grid")
        if grid_style:
            table._tbl.tblStyle_val = grid_style
        twips = []
        for col, width in zip(table._tbl.tblGrid.gridCol_lst, emus):
            col.w = width
            twips.append(str(Emu(col.w or 0).twips))
        return table, twips

    def facts(self, rows: Sequence[tuple[str, Cell]], *, keep: int = 0) -> Table:
        """A two-column table of labels (bold, shaded) and values. The paragraphs of
        the first ``keep`` rows (never the last row) stay on the page of the row after."""
        table, widths = self._table((3, 7))
        tbl = table._tbl
        keep = min(keep, len(rows) - 1)
        for index, (label, value) in enumerate(rows):
            Writer._cell_pair(tbl, widths, label, value, index < keep)
        return table

    @staticmethod
    def _cell_pair(tbl: Element, widths: Sequence[str], label: str, value: Cell,
                   keep: bool) -> None:
        tr = SubElement(tbl, _TR)
        Writer._cells_into(tr, widths[:1], [label], bold=True, fill=LABEL_FILL, keep=keep)
        Writer._cells_into(tr, widths[1:], [value], keep=keep)

    @staticmethod
    def _cells_into(tr: Element, widths: Sequence[str], values: Sequence[Cell], *,
                    bold: bool = False, fill: str | None = None, keep: bool = False) -> None:
        for width, value in zip(widths, values):
            text, note = (value, "") if isinstance(value, str) else value
            tc = SubElement(tr, _TC)
            tc_pr = SubElement(tc, _TCPR)
            SubElement(tc_pr, _TCW, {_W + "w": width, _W + "type": "dxa"})
            if fill:  # w:shd comes after w:tcW in w:tcPr
                SubElement(tc_pr, _SHD, {_VAL: "clear", _W + "color": "auto", _W + "fill": fill})
            p = Writer._cell_paragraph(tc, keep)
            if text:
                _run(p, text, bold=bold)
            if note:
                _run(Writer._cell_paragraph(tc, keep), note, italic=True, colour=True)

    @staticmethod
    def _cell_paragraph(tc: Element, keep: bool) -> Element:
        """A new tightly spaced paragraph at the end of cell ``tc``."""
        p = SubElement(tc, _P)
        p_pr = SubElement(p, _PPR)
        if keep:
            SubElement(p_pr, _KEEP_NEXT)
        SubElement(p_pr, _SPACING, _CELL_SPACING)
        return p

    def grid(self, header: Sequence[str], rows: Sequence[Sequence[Cell]],
             widths: Sequence[float], *, keep: int = 0) -> Table:
        """A table whose shaded first row repeats at the top of every page it spans; no
        row breaks in two. The paragraphs of the first ``keep`` rows, the header row
        counted (never the last row), stay on the page of the row after."""
        table, twips = self._table(widths)
        tbl = table._tbl
        keep = min(keep, len(rows))
        self._grid_row(tbl, twips, header, keep > 0, header=True)
        for index, values in enumerate(rows, start=1):
            self._grid_row(tbl, twips, values, index < keep)
        return table

    @staticmethod
    def _grid_row(tbl: Element, widths: Sequence[str], values: Sequence[Cell], keep: bool,
                  *, header: bool = False) -> None:
        tr = SubElement(tbl, _TR)
        tr_pr = SubElement(tr, _TRPR)
        SubElement(tr_pr, _CANT_SPLIT)  # a row never breaks in two
        if header:
            SubElement(tr_pr, _TBL_HEADER, {_VAL: "true"})
            Writer._cells_into(tr, widths, values, bold=True, fill=HEADER_FILL, keep=keep)
        else:
            Writer._cells_into(tr, widths, values, keep=keep)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
