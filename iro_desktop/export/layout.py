"""The page around a record: header, footer, logo and document properties.

:func:`open_document` starts every export from the council's cleaned template (or the
built-in one; see :mod:`iro_desktop.export.template`) and fills its headers and
footers: each ``{{placeholder}}`` is replaced (``{{marking}}``, ``{{council}}``,
``{{title}}``, ``{{date}}``, ``{{page}}``, ``{{pages}}``, ``{{logo}}``), then every
header that does not show the protective marking gets it as its first line and every
footer gets the marking and "Page X of Y" at the end when they are not there already,
so no template can leave a page unmarked. A council logo goes where ``{{logo}}`` is, or
else at the top of the first page's header (Word's "different first page" is turned on
for it, the other pages keeping the template's header).

The document properties are reset on every export: a generic title, "iro-desktop" as
author, the export date; no child's name, no template author, no company.

Header and footer values pass through :func:`iro_desktop.export.sanitize.docx_safe`
with line breaks and tabs made spaces (one line each). The body is written with
:class:`iro_desktop.export.writer.Writer`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length

from iro_desktop.export.sanitize import docx_safe
from iro_desktop.export.template import (
    O_RELID,
    PLACEHOLDER,
    PLACEHOLDERS,
    R_NS,
    TemplateError,
    cleaned_template,
    validate_logo,
)
from iro_desktop.export.writer import Element, style_ids, text_element

AUTHOR = "iro-desktop"
LOGO_HEIGHT = Cm(1.8)
LOGO_MAX_WIDTH = Cm(7.0)

W_P, W_R, W_T = qn("w:p"), qn("w:r"), qn("w:t")


def _one_line(text: str) -> str:
    """Text for a header or footer line: Word-safe, any line break or tab as a space."""
    return re.sub(r"[\r\n\t]+", " ", docx_safe(text)).strip()


@dataclass(frozen=True, slots=True)
class Page:
    """What the header and footer say."""

    marking: str
    council: str
    title: str
    today: date
    logo: bytes | None = None
    properties_title: str = "Review record"
    # a line under the marking in every page's header: "DRAFT" and/or who the record is
    # about, so a loose page 2 is still marked and identified
    header_line: str = ""


# ---- header and footer parts ----------------------------------------------------------


def _copy_story(src: XmlPart, dst: XmlPart) -> None:
    """Make ``dst`` (a header or footer part) a copy of ``src``, pictures included."""
    root = dst.element
    for child in list(root):
        root.remove(child)
    for child in src.element:
        root.append(deepcopy(child))
    for el in root.iter():
        for attr, value in list(el.attrib.items()):
            if not (attr.startswith("{" + R_NS + "}") or attr == O_RELID):
                continue
            rel = src.rels.get(value)
            if rel is None or rel.is_external:
                del el.attrib[attr]
            else:
                el.set(attr, dst.relate_to(rel.target_part, rel.reltype))


def _parts(doc: DocumentObject, *, first_for_logo: bool) -> tuple[list[XmlPart], list[XmlPart], XmlPart]:
    """(header parts, footer parts, the header page 1 shows) of the document's sections,
    every header a page can show defined; with ``first_for_logo`` page 1 gets a header of
    its own (a copy of the others) when it has none."""
    even = doc.settings.odd_and_even_pages_header_footer
    headers: list[XmlPart] = []
    footers: list[XmlPart] = []
    first_header: XmlPart | None = None
    for index, section in enumerate(doc.sections):
        defaults = (section.header, section.footer)
        for story in defaults:
            story.is_linked_to_previous = False
        wanted = [(section.first_page_header, section.first_page_footer)] if (
            section.different_first_page_header_footer or (first_for_logo and index == 0)) else []
        if even:
            wanted.append((section.even_page_header, section.even_page_footer))
        if first_for_logo and index == 0:
            section.different_first_page_header_footer = True
        for header, footer in wanted:
            for story, default in ((header, defaults[0]), (footer, defaults[1])):
                if story.is_linked_to_previous:
                    story.is_linked_to_previous = False
                    _copy_story(default.part, story.part)
        for story in (defaults[0], *(h for h, _f in wanted)):
            if story.part not in headers:
                headers.append(story.part)
        for story in (defaults[1], *(f for _h, f in wanted)):
            if story.part not in footers:
                footers.append(story.part)
        if index == 0:
            first_header = (section.first_page_header.part
                            if section.different_first_page_header_footer
                            else section.header.part)
    assert first_header is not None
    return headers, footers, first_header


# ---- placeholders ---------------------------------------------------------------------


def _run(r_pr: Element | None, *children: Element) -> Element:
    run = OxmlElement("w:r")
    if r_pr is not None:
        run.append(deepcopy(r_pr))
    for child in children:
        run.append(child)
    return run


def _field_runs(instruction: str, r_pr: Element | None) -> list[Element]:
    """A complex field (begin / instruction / separate / result / end) as runs."""
    def fld(kind: str) -> Element:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    return [_run(r_pr, fld("begin")), _run(r_pr, instr), _run(r_pr, fld("separate")),
            _run(r_pr, text_element("1")), _run(r_pr, fld("end"))]


def _logo_run(part: XmlPart, logo: bytes, r_pr: Element | None) -> Element:
    from docx.image.image import Image

    image = Image.from_blob(logo)
    ratio = image.px_width / max(image.px_height, 1)
    height: Length = LOGO_HEIGHT
    width: Length = Emu(int(height * ratio))
    if width > LOGO_MAX_WIDTH:
        width, height = LOGO_MAX_WIDTH, Emu(int(LOGO_MAX_WIDTH / ratio))
    inline = part.new_pic_inline(io.BytesIO(logo), width, height)  # type: ignore[attr-defined]
    drawing = OxmlElement("w:drawing")
    drawing.append(inline)
    return _run(r_pr, drawing)


def _own_runs(p: Element) -> list[Element]:
    """The runs of paragraph ``p`` itself (not those of text boxes inside it)."""
    out = []
    for r in p.iter(W_R):
        anc = r.getparent()
        while anc is not None and anc.tag != W_P:
            anc = anc.getparent()
        if anc is p:
            out.append(r)
    return out


Special = Callable[[str, Element | None], list[Element]]


def _fill_paragraph(p: Element, values: dict[str, str], special: Special) -> bool:
    """Replace the placeholders of one paragraph, even when Word split one over several
    runs; text placeholders keep the formatting of the run they start in."""
    runs = _own_runs(p)
    texts = ["".join(t.text or "" for t in r.findall(W_T)) for r in runs]
    full = "".join(texts)
    if "{{" not in full:
        return False
    matches = [m for m in PLACEHOLDER.finditer(full) if m.group(1).lower() in PLACEHOLDERS]
    if not matches:
        return False
    starts = {m.start(): m.group(1).lower() for m in matches}
    covered = {i for m in matches for i in range(m.start(), m.end())}
    pos = 0
    for run, text in zip(runs, texts):
        segments: list[tuple[str, str]] = []
        buf: list[str] = []
        for i in range(pos, pos + len(text)):
            name = starts.get(i)
            if name is not None:
                if name in values:
                    buf.append(values[name])
                else:
                    segments.append(("text", "".join(buf)))
                    buf = []
                    segments.append(("special", name))
            if i not in covered:
                buf.append(full[i])
        segments.append(("text", "".join(buf)))
        pos += len(text)
        if not text:
            continue
        ts = run.findall(W_T)
        if all(kind == "text" for kind, _ in segments):
            ts[0].text = "".join(value for _kind, value in segments)
            ts[0].set(qn("xml:space"), "preserve")
            for t in ts[1:]:
                run.remove(t)
            continue
        r_pr = run.find(qn("w:rPr"))
        anchor = run
        for kind, value in segments:
            new = ([_run(r_pr, text_element(value))] if value else []) if kind == "text" \
                else special(value, r_pr)
            for el in new:
                anchor.addnext(el)
                anchor = el
        for t in ts:
            run.remove(t)
        if all(child.tag == qn("w:rPr") for child in run):
            run.getparent().remove(run)
    return True


_SHOWN_TEXT = (".//text()[not(parent::w:p or parent::w:r or parent::w:hyperlink)"
               " or preceding-sibling::node()]")


def _is_blank(p: Element) -> bool:
    """Whether paragraph ``p`` shows nothing: no text (a run's non-breaking hyphen is
    text), no picture, drawing, field or object. The text is read with one XPath query,
    as ``itertext()`` read it (python-docx's ``text`` of a paragraph, run or hyperlink
    stands for the text directly in it) without its query per run."""
    if "".join(p.xpath(_SHOWN_TEXT)).strip() or p.xpath(".//w:r/w:noBreakHyphen"):
        return False
    return not any(True for tag in ("w:drawing", "w:pict", "w:fldChar", "w:fldSimple",
                                    "w:object") for _ in p.iter(qn(tag)))


def _text(part: XmlPart) -> str:
    return "".join(t.text or "" for t in part.element.iter(W_T))


def _has_page_field(part: XmlPart) -> bool:
    instructions = [el.text or "" for el in part.element.iter(qn("w:instrText"))]
    instructions += [el.get(qn("w:instr")) or "" for el in part.element.iter(qn("w:fldSimple"))]
    return any(i.split()[:1] == ["PAGE"] for i in instructions)


def _new_paragraph(style_id: str | None, *, bold: bool = False) -> tuple[Element, Element | None]:
    p = OxmlElement("w:p")
    p_pr = OxmlElement("w:pPr")
    if style_id:
        p_style = OxmlElement("w:pStyle")
        p_style.set(qn("w:val"), style_id)
        p_pr.append(p_style)
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), "center")
    p_pr.append(jc)
    p.append(p_pr)
    r_pr = None
    if bold:
        r_pr = OxmlElement("w:rPr")
        r_pr.append(OxmlElement("w:b"))
    return p, r_pr


def _fill_headers(doc: DocumentObject, page: Page) -> None:
    all_text = ""
    for rel in doc.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            all_text += _text(rel.target_part)
    logo_placeholder = any(m.group(1).lower() == "logo" for m in PLACEHOLDER.finditer(all_text))
    headers, footers, first_header = _parts(
        doc, first_for_logo=page.logo is not None and not logo_placeholder)
    marking = _one_line(page.marking)
    values = {"marking": marking, "council": _one_line(page.council),
              "title": _one_line(page.title), "date": f"{page.today.day} {page.today:%B %Y}"}
    ids = style_ids(doc)
    header_style, footer_style = ids.get("Header"), ids.get("Footer")

    for part in headers + footers:
        def special(name: str, r_pr: Element | None, part: XmlPart = part) -> list[Element]:
            if name in ("page", "pages"):
                return _field_runs("PAGE" if name == "page" else "NUMPAGES", r_pr)
            if name == "logo" and page.logo is not None:
                return [_logo_run(part, page.logo, r_pr)]
            return []

        root = part.element
        for p in list(root.iter(W_P)):
            if _fill_paragraph(p, values, special) and _is_blank(p) \
                    and len(root.findall(W_P)) > 1 and p.getparent() is root:
                root.remove(p)

    for part in headers:
        if marking not in _text(part):
            paragraphs = part.element.findall(W_P)
            p, r_pr = _new_paragraph(header_style, bold=True)
            p.append(_run(r_pr, text_element(marking)))
            if len(paragraphs) == 1 and _is_blank(paragraphs[0]):
                part.element.replace(paragraphs[0], p)
            else:
                part.element.insert(0, p)
    line = _one_line(page.header_line)
    if line:
        for part in headers:
            p, r_pr = _new_paragraph(header_style, bold=line.startswith("DRAFT"))
            p.append(_run(r_pr, text_element(line)))
            part.element.append(p)
    for part in footers:
        paragraphs = part.element.findall(W_P)
        blank = paragraphs[0] if len(paragraphs) == 1 and _is_blank(paragraphs[0]) else None
        added = []
        if marking not in _text(part):
            p, r_pr = _new_paragraph(footer_style, bold=True)
            p.append(_run(r_pr, text_element(marking)))
            added.append(p)
        if not _has_page_field(part):
            p, _ = _new_paragraph(footer_style)
            p.append(_run(None, text_element("Page ")))
            for run in _field_runs("PAGE", None):
                p.append(run)
            p.append(_run(None, text_element(" of ")))
            for run in _field_runs("NUMPAGES", None):
                p.append(run)
            added.append(p)
        for p in added:
            part.element.append(p)
        if blank is not None and added:
            part.element.remove(blank)

    if page.logo is not None and not logo_placeholder:
        p = OxmlElement("w:p")
        p_pr = OxmlElement("w:pPr")
        if header_style:
            p_style = OxmlElement("w:pStyle")
            p_style.set(qn("w:val"), header_style)
            p_pr.append(p_style)
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), "right")
        p_pr.append(jc)
        p.append(p_pr)
        p.append(_logo_run(first_header, page.logo, None))
        first_header.element.insert(0, p)


def _properties(doc: DocumentObject, page: Page) -> None:
    props = doc.core_properties
    for child in list(props._element):
        props._element.remove(child)
    props.title = page.properties_title
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.revision = 1
    stamp = datetime(page.today.year, page.today.month, page.today.day)
    props.created = stamp
    props.modified = stamp


def open_document(template: bytes | None, page: Page) -> DocumentObject:
    """A new document from the (cleaned, cached) template with its header and footer
    filled in. Raises :class:`TemplateError` for a template or logo that cannot be used."""
    if page.logo is not None:
        validate_logo(page.logo)
    clean = cleaned_template(template)
    try:
        doc = Document(io.BytesIO(clean.data))
    except Exception as exc:  # noqa: BLE001 - cleaned bytes are ours; say so plainly
        raise TemplateError(f"The Word template could not be opened ({type(exc).__name__}). "
                            "Choose the template again in the council's settings.") from None
    _fill_headers(doc, page)
    _properties(doc, page)
    return doc
