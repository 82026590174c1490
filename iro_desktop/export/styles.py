"""Styles every export needs, added to a council's template that lacks them.

The record and the letter use styles by name (docs/word-templates.md): ``Title``,
``Heading 1``-``3``, ``List Bullet`` and ``Table Grid``. Word keeps only the styles a
document uses, so a council's template may not have them; :func:`ensure_styles` adds
each missing one, based on ``Normal``: bold headings with an outline level, a bullet
list with its own numbering definition (so bullets show a bullet), a table style with
thin borders. Nothing fails for want of a style.
"""

from __future__ import annotations

from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

REQUIRED_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "Table Grid")

_BULLET_NUMBERING = (
    '<w:abstractNum {} w:abstractNumId="{}"><w:multiLevelType w:val="singleLevel"/>'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
    '<w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>'
    '<w:pPr><w:ind w:left="360" w:hanging="360"/></w:pPr>'
    '<w:rPr><w:rFonts w:ascii="Symbol" w:hAnsi="Symbol" w:hint="default"/></w:rPr>'
    '</w:lvl></w:abstractNum>')
_GRID_BORDERS = (
    '<w:tblBorders {}>' + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + '</w:tblBorders>')


def _bullet_num_id(doc: DocumentObject) -> int:
    numbering = doc.part.numbering_part.element
    abstract_ids = [int(a.get(qn("w:abstractNumId"))) for a in
                    numbering.findall(qn("w:abstractNum"))]
    abstract_id = max(abstract_ids, default=-1) + 1
    abstract = parse_xml(_BULLET_NUMBERING.format(nsdecls("w"), abstract_id))
    nums = numbering.findall(qn("w:num"))
    if nums:
        nums[0].addprevious(abstract)
    else:
        numbering.append(abstract)
    num_id = max((int(n.get(qn("w:numId"))) for n in nums), default=0) + 1
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}">'
                    f'<w:abstractNumId w:val="{abstract_id}"/></w:num>')
    numbering.append(num)
    return num_id


def ensure_styles(doc: DocumentObject) -> tuple[str, ...]:
    """Add, based on Normal, every style of :data:`REQUIRED_STYLES` the document lacks."""
    styles = doc.styles
    added = []
    for name in REQUIRED_STYLES:
        if name in styles:
            continue
        added.append(name)
        if name == "Table Grid":
            style = styles.add_style(name, WD_STYLE_TYPE.TABLE)
            tbl_pr = OxmlElement("w:tblPr")
            style.element.append(tbl_pr)
            tbl_pr.append(parse_xml(_GRID_BORDERS.format(nsdecls("w"))))
            continue
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.quick_style = True
        if name == "List Bullet":
            num_pr = parse_xml(f'<w:numPr {nsdecls("w")}><w:numId w:val="'
                               f'{_bullet_num_id(doc)}"/></w:numPr>')
            style.element.get_or_add_pPr().insert(0, num_pr)
            continue
        size = {"Title": 20, "Heading 1": 15, "Heading 2": 13, "Heading 3": 11.5}[name]
        style.font.bold = True
        style.font.size = Pt(size)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(6 if name == "Title" else 12)
        style.paragraph_format.space_after = Pt(6 if name == "Title" else 3)
        if name.startswith("Heading"):
            outline = OxmlElement("w:outlineLvl")
            outline.set(qn("w:val"), str(int(name[-1]) - 1))
            style.element.get_or_add_pPr().append(outline)
    return tuple(added)
