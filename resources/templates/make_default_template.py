"""Build ``iro_desktop/resources/templates/default.docx``: the built-in Word template of
every export (the app reads it from the package; this script is not shipped).

Run it from anywhere (``python resources/templates/make_default_template.py``) after
changing it, and commit both files. The output is reproducible: fixed zip timestamps and
no dates in its properties, so the same python-docx gives the same bytes.

What it holds (docs/word-templates.md describes the same layout for councils):

* A4 portrait, 2.2 cm side margins; Arial 11 pt body, dark blue headings.
* The styles the export uses by name (Title, Heading 1-3, List Bullet, Table Grid,
  Header, Footer) and a few a council editing it may want; python-docx's other
  built-in table styles are pruned so every export parses a small file.
* Header on every page: ``{{marking}}``. The first page's header also has ``{{logo}}``
  (the council's logo, right-aligned; removed when the council has none).
* Footer on every page: ``{{marking}}`` and ``Page {{page}} of {{pages}}``.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

OUT = (Path(__file__).resolve().parents[2] / "iro_desktop" / "resources" / "templates"
       / "default.docx")
FONT = "Arial"
DARK_BLUE = RGBColor(0x1F, 0x38, 0x64)
KEEP_STYLES = {
    "Normal", "Default Paragraph Font", "Normal Table", "No List", "Header", "Header Char",
    "Footer", "Footer Char", "Title", "Title Char", "Subtitle", "Subtitle Char",
    "Heading 1", "Heading 1 Char", "Heading 2", "Heading 2 Char", "Heading 3",
    "Heading 3 Char", "Heading 4", "Heading 4 Char", "List Bullet", "List Bullet 2",
    "List Number", "List Paragraph", "No Spacing", "Quote", "Quote Char", "Strong",
    "Emphasis", "Caption", "Table Grid",
}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _font(style, size: float, *, bold: bool | None = None,  # type: ignore[no-untyped-def]
          colour: RGBColor | None = None) -> None:
    """Set the style's font to Arial (replacing theme fonts), its size and colour."""
    r_pr = style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if colour is not None:
        style.font.color.rgb = colour


def _prune_styles(doc) -> None:  # type: ignore[no-untyped-def]
    keep_ids = {s.style_id for s in doc.styles if s.name in KEEP_STYLES}
    root = doc.styles.element
    for style in root.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in keep_ids:
            root.remove(style)


def _paragraph(container, text: str, align: WD_ALIGN_PARAGRAPH, *,  # type: ignore[no-untyped-def]
               bold: bool = False, first: bool = False):
    paragraph = container.paragraphs[0] if first else container.add_paragraph()
    paragraph.alignment = align
    run = paragraph.add_run(text)
    run.bold = bold or None
    return paragraph


def build() -> bytes:
    doc = Document()
    # Only the parts a template needs: no thumbnail, custom XML or Word 2010 style copies.
    package = doc.part.package
    for rId, rel in list(package.rels.items()):
        if rel.reltype not in (RT.OFFICE_DOCUMENT, RT.CORE_PROPERTIES, RT.EXTENDED_PROPERTIES):
            del package.rels[rId]
    for rId, rel in list(doc.part.rels.items()):
        if rel.reltype not in (RT.STYLES, RT.SETTINGS, RT.WEB_SETTINGS, RT.FONT_TABLE, RT.THEME,
                               RT.NUMBERING):
            del doc.part.rels[rId]
    _prune_styles(doc)

    styles = doc.styles
    _font(styles["Normal"], 11)
    normal = styles["Normal"].paragraph_format
    normal.space_after = Pt(6)
    normal.line_spacing = 1.1
    _font(styles["Title"], 20, bold=True, colour=DARK_BLUE)
    styles["Title"].paragraph_format.space_after = Pt(8)
    for level, size in ((1, 14), (2, 12), (3, 11), (4, 11)):
        style = styles[f"Heading {level}"]
        _font(style, size, bold=True, colour=DARK_BLUE if level < 3 else RGBColor(0x40, 0x40,
                                                                                   0x40))
        style.paragraph_format.space_before = Pt(16 if level == 1 else 10)
        style.paragraph_format.space_after = Pt(4)
    for name in ("Header", "Footer"):
        _font(styles[name], 9)
    _font(styles["Subtitle"], 13, colour=DARK_BLUE)

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)
    section.different_first_page_header_footer = True
    centre, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(section.header, "{{marking}}", centre, bold=True, first=True)
    _paragraph(section.first_page_header, "{{marking}}", centre, bold=True, first=True)
    _paragraph(section.first_page_header, "{{logo}}", right)
    for footer in (section.footer, section.first_page_footer):
        _paragraph(footer, "{{marking}}", centre, bold=True, first=True)
        _paragraph(footer, "Page {{page}} of {{pages}}", centre)

    props = doc.core_properties
    for child in list(props._element):
        props._element.remove(child)
    props.title = "Review record template"
    props.author = "iro-desktop"
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)

    saved = io.BytesIO()
    doc.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def main() -> int:
    data = build()
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
