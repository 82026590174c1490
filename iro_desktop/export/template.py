"""Council Word templates and logos: checked when a council supplies one, cleaned before use.

A council can give the app its own Word file (``.docx``, or a Word template ``.dotx``)
whose styles, page set-up, headers, footers and header pictures every export then uses
(docs/word-templates.md says how to make one). The built-in one is
``resources/templates/default.docx`` (made by ``make_default_template.py`` beside it).

:func:`validate_template` is the check the council settings window and the CLI pass to
``CouncilProfileService.set_asset``: it refuses a file that is not a Word document, is
macro-enabled (``.docm``/``.dotm``), is password-protected or an old ``.doc``, is a
damaged or oversized zip, or holds XML with a document type declaration. Its answer,
:class:`TemplateInfo`, says in plain words what the export keeps and what it drops.

:func:`cleaned_template` is what every export starts from. It opens the file with
python-docx and keeps only what makes the layout: styles, numbering, theme, fonts,
settings, page set-up, headers and footers with their pictures. It drops the template's
own body text, comments, tracked changes, building blocks, custom XML, custom and
extended document properties, the thumbnail picture, macros' helpers and every link
to something outside the file (an attached template path, a remote picture, a mail-merge
data source, a hyperlink): Word would fetch those when the record is opened, which uses
the network and tells a server the document was opened. Styles the record needs and the
template lacks (Title, Heading 1-3, List Bullet, Table Grid) are added, based on Normal.
The cleaned bytes are cached by content, so a council's template is parsed once.

Qt-free; python-docx and lxml only. Nothing is written to disk.
"""

from __future__ import annotations

import io
import re
import zipfile
from copy import deepcopy
from dataclasses import dataclass
from functools import lru_cache

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part, XmlPart
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from iro_desktop import paths
from iro_desktop.core.errors import VaultError
from iro_desktop.export.styles import ensure_styles
from iro_desktop.export.writer import Element

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024  # the council asset limit
MAX_UNPACKED_BYTES = 80 * 1024 * 1024  # all parts together, unzipped (a zip bomb stops here)
MAX_PARTS = 2000
MAX_RATIO = 150  # unpacked / packed size of one large part
MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 8000  # per side

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOTX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
MACRO_MAIN = {
    "application/vnd.ms-word.document.macroEnabled.main+xml": ".docm",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": ".dotm",
}
OTHER_OFFICE = {"spreadsheetml": "an Excel workbook", "presentationml": "a PowerPoint file"}

# Placeholders a council's header or footer may hold (docs/word-templates.md).
PLACEHOLDERS = {
    "marking": "the protective marking",
    "council": "the council's name",
    "title": "the document's title",
    "date": "the date of the export",
    "page": "the page number",
    "pages": "the number of pages",
    "logo": "the council's logo",
}
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
O_RELID = "{urn:schemas-microsoft-com:office:office}relid"
_KEEP_FROM_DOCUMENT = {RT.STYLES, RT.NUMBERING, RT.SETTINGS, RT.FONT_TABLE, RT.THEME,
                       RT.WEB_SETTINGS, RT.HEADER, RT.FOOTER, RT.FOOTNOTES, RT.ENDNOTES,
                       RT.IMAGE}
_KEEP_FROM_PACKAGE = {RT.OFFICE_DOCUMENT, RT.CORE_PROPERTIES, RT.EXTENDED_PROPERTIES}
_DROPPED_NAMES = {
    RT.COMMENTS: "comments",
    RT.GLOSSARY_DOCUMENT: "building blocks (Quick Parts)",
    RT.CUSTOM_XML: "custom XML data",
    RT.CUSTOM_PROPERTIES: "custom document properties",
    RT.THUMBNAIL: "the thumbnail picture of the first page",
    RT.HYPERLINK: "links to web pages",
    RT.OLE_OBJECT: "embedded or linked objects",
    RT.PACKAGE: "embedded files",
    RT.CONTROL: "ActiveX controls",
    RT.ORIGIN: "a digital signature",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate":
        "the link to an attached template",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/mailMergeSource":
        "a mail-merge data source",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/subDocument":
        "linked sub-documents",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/frame":
        "linked frames",
    "http://schemas.microsoft.com/office/2011/relationships/people": "comment authors",
    "http://schemas.microsoft.com/office/2011/relationships/commentsExtended": "comments",
    "http://schemas.microsoft.com/office/2016/09/relationships/commentsIds": "comments",
    "http://schemas.microsoft.com/office/2018/08/relationships/commentsExtensible": "comments",
}
# Settings that point outside the file, lock editing or carry hidden data.
_SETTINGS_DROPPED = {
    "attachedTemplate": "the link to an attached template",
    "linkStyles": "",
    "docVars": "document variables",
    "mailMerge": "a mail-merge data source",
    "documentProtection": "editing restrictions",
    "writeProtection": "editing restrictions",
    "attachedSchema": "links to XML schemas",
    "saveThroughXslt": "a link outside the file",
    "alwaysMergeEmptyNamespace": "",
}
_CHANGE_MARKS = ("pPrChange", "rPrChange", "sectPrChange", "tblPrChange", "trPrChange",
                 "tcPrChange", "tblGridChange", "numberingChange")
_COMMENT_ANCHORS = ("commentRangeStart", "commentRangeEnd")

EXTENDED_PROPERTIES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"><Application>iro-desktop</Application></Properties>')


class TemplateError(VaultError, ValueError):
    """A council's template or logo cannot be used; the message says why and what to do."""

    code = "export.template"


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """What the export makes of a template, in plain words for the settings window."""

    kind: str  # "Word document (.docx)" or "Word template (.dotx)"
    page: str  # e.g. "A4 portrait"
    placeholders: tuple[str, ...]  # known placeholders found in headers and footers
    unknown_placeholders: tuple[str, ...]  # {{...}} the export does not fill (left as typed)
    added_styles: tuple[str, ...]  # styles the template lacked, added based on Normal
    removed: tuple[str, ...]  # what the export drops from it (comments, links, ...)
    body_dropped: bool  # the template had its own body text, which is not used
    header_pictures: int  # pictures already in its headers and footers (e.g. a letterhead)

    def summary(self) -> str:
        parts = [f"{self.kind}, {self.page} pages."]
        if self.placeholders:
            parts.append("Header and footer fill in: "
                         + ", ".join("{{" + p + "}}" for p in self.placeholders) + ".")
        else:
            parts.append("No placeholders: the marking and page numbers are added to its "
                         "header and footer.")
        if self.unknown_placeholders:
            parts.append("Not recognised and printed as typed: "
                         + ", ".join("{{" + p + "}}" for p in self.unknown_placeholders)
                         + f" (known: {', '.join(PLACEHOLDERS)}).")
        if self.added_styles:
            parts.append("Styles added because the template lacks them: "
                         + ", ".join(self.added_styles) + ".")
        if self.removed:
            parts.append("Removed before use: " + ", ".join(self.removed) + ".")
        if self.body_dropped:
            parts.append("Its own body text is not used; the record is written there.")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class CleanTemplate:
    data: bytes  # a .docx python-docx opens, ready for an export's body
    info: TemplateInfo


# ---- the zip package ------------------------------------------------------------------


def _package(data: bytes) -> tuple[bytes, str]:
    """The bytes python-docx can open, and the kind of file; raises TemplateError."""
    if not data:
        raise TemplateError("The template file is empty. Choose the council's Word file (.docx).")
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"The template is {len(data) / 1048576:.1f} MB; the limit is "
                            f"{MAX_TEMPLATE_BYTES // 1048576} MB. Remove large pictures from "
                            "it and save it again.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TemplateError("The template is an old Word .doc file or a password-protected "
                            "document. Open it in Word, remove any password, and save it as "
                            "a Word Document (.docx).")
    if data.lstrip()[:5] == b"{\\rtf":
        raise TemplateError("The template is a Rich Text (.rtf) file, not a Word .docx. Open it "
                            "in Word and save it as a Word Document (.docx).")
    if not data.startswith(b"PK"):
        raise TemplateError("The template is not a Word .docx file. Choose a file saved from "
                            "Word as a Word Document (.docx) or Word Template (.dotx).")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TemplateError("The template is damaged: it is not a readable zip package. "
                            "Save it again from Word.") from None
    if len(infos) > MAX_PARTS:
        raise TemplateError(f"The template has {len(infos)} parts; a Word document this "
                            "unusual is not accepted. Save a simpler copy from Word.")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES or any(
            i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1)
            for i in infos):
        raise TemplateError("The template unpacks to far more than its size (a 'zip bomb'), "
                            "so it is not opened. Save the template again from Word.")
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise TemplateError("The template contains macros. Save it from Word as a Word "
                            "Document (.docx) or Word Template (.dotx), without macros.")
    if "[Content_Types].xml" not in names:
        raise TemplateError("The template is not a Word document: it is a zip file without "
                            "Word's parts. Choose a Word Document (.docx) or Word Template "
                            "(.dotx).")
    try:
        parts = {i.filename: zf.read(i) for i in infos if not i.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError,
            ValueError):
        raise TemplateError("The template is damaged (a part of it cannot be unpacked). "
                            "Save it again from Word.") from None
    for name, blob in parts.items():
        if name.endswith((".xml", ".rels")) and (b"<!DOCTYPE" in blob or b"<!ENTITY" in blob):
            raise TemplateError("The template contains an XML document type declaration, which "
                                "Word never writes; it is not opened. Save it again from Word.")
    types = parts["[Content_Types].xml"].decode("utf-8", "replace")
    for content_type, ext in MACRO_MAIN.items():
        if content_type in types:
            raise TemplateError(f"The template is a macro-enabled Word file ({ext}). Save it "
                                "from Word as a Word Document (.docx) or Word Template (.dotx), "
                                "without macros.")
    if DOTX_MAIN in types:
        parts["[Content_Types].xml"] = types.replace(DOTX_MAIN, DOCX_MAIN).encode("utf-8")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
            for name, blob in parts.items():
                new.writestr(name, blob)
        return out.getvalue(), "Word template (.dotx)"
    if DOCX_MAIN not in types:
        kind = next((v for k, v in OTHER_OFFICE.items() if k in types), None)
        what = f"it is {kind}" if kind else "its main part is of another kind"
        raise TemplateError(f"The template is not a Word document: {what}. Choose a Word "
                            "Document (.docx) or Word Template (.dotx).")
    return data, "Word document (.docx)"


# ---- cleaning -------------------------------------------------------------------------


def _r_refs(element: Element) -> list[tuple[Element, str, str]]:
    """(element, attribute, rId) of every relationship reference under ``element``."""
    out = []
    for el in element.iter():
        for attr, value in el.attrib.items():
            if attr.startswith("{" + R_NS + "}") or attr == O_RELID:
                out.append((el, attr, value))
    return out


def _unwrap(el: Element) -> None:
    parent = el.getparent()
    index = parent.index(el)
    for child in list(el):
        parent.insert(index, child)
        index += 1
    parent.remove(el)


def _remove_reference(el: Element, attr: str) -> None:
    """Take out what points at a dropped relationship without breaking the XML: a hyperlink
    keeps its text, a picture keeps its embedded copy, anything else goes with its run."""
    tag = el.tag
    if tag == qn("w:hyperlink"):
        _unwrap(el)
        return
    if tag.endswith("}blip") and attr == f"{{{R_NS}}}link" and el.get(f"{{{R_NS}}}embed"):
        del el.attrib[attr]
        return
    run = el
    while run is not None and run.tag != qn("w:r"):
        run = run.getparent()
    target = run if run is not None else el
    parent = target.getparent()
    if parent is None:
        del el.attrib[attr]
    else:
        parent.remove(target)


def _drop_rels(part: Part, keep: set[str], removed: set[str]) -> None:
    """Drop every relationship of ``part`` that is external or of a type not in ``keep``,
    and every reference to it in the part's XML."""
    dropped: set[str] = set()
    for rId, rel in list(part.rels.items()):
        if rel.is_external or rel.reltype not in keep:
            removed.add(_DROPPED_NAMES.get(rel.reltype, "other embedded or linked content"))
            del part.rels[rId]
            dropped.add(rId)
    element = getattr(part, "_element", None)
    if element is None:
        return
    for el, attr, value in _r_refs(element):
        if value in dropped:
            _remove_reference(el, attr)
    if RT.IMAGE in keep:  # pictures no longer used (e.g. in the dropped body)
        used = {v for _el, _a, v in _r_refs(element)}
        for rId, rel in list(part.rels.items()):
            if rel.reltype == RT.IMAGE and rId not in used:
                del part.rels[rId]


def _strip_marks(element: Element, removed: set[str]) -> None:
    """Comments anchors and tracked changes out of a part's XML (insertions accepted)."""
    for name in _COMMENT_ANCHORS:
        for el in list(element.iter(qn(f"w:{name}"))):
            el.getparent().remove(el)
            removed.add("comments")
    for el in list(element.iter(qn("w:commentReference"))):
        run = el.getparent()
        (run.getparent() if run.tag == qn("w:r") else run).remove(
            run if run.tag == qn("w:r") else el)
        removed.add("comments")
    for name in ("del", "moveFrom"):
        for el in list(element.iter(qn(f"w:{name}"))):
            if el.getparent() is not None:
                el.getparent().remove(el)
                removed.add("tracked changes")
    for name in ("ins", "moveTo"):
        for el in list(element.iter(qn(f"w:{name}"))):
            if el.getparent() is not None and len(el):
                _unwrap(el)
                removed.add("tracked changes")
    for name in _CHANGE_MARKS + ("moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart",
                                 "moveToRangeEnd"):
        for el in list(element.iter(qn(f"w:{name}"))):
            el.getparent().remove(el)


def _clear_body(doc: DocumentObject) -> bool:
    """Remove the template's body, keeping the last section's page set-up; headers and
    footers an earlier section defined (and the last one inherited) move onto it."""
    body = doc.element.body
    final = body.find(qn("w:sectPr"))
    children = [c for c in body if c is not final]
    had_text = any(c.tag in (qn("w:p"), qn("w:tbl")) and "".join(c.itertext()).strip()
                   for c in children)
    earlier = [s for c in children for s in c.iter(qn("w:sectPr"))]
    if final is None:
        final = OxmlElement("w:sectPr")
        body.append(final)
    for tag in ("w:headerReference", "w:footerReference"):
        have = {r.get(qn("w:type")) for r in final.findall(qn(tag))}
        for sect in reversed(earlier):
            for ref in sect.findall(qn(tag)):
                kind = ref.get(qn("w:type"))
                if kind not in have:
                    final.insert(0, deepcopy(ref))
                    have.add(kind)
    # page 1 looked as the first section said: keep its "different first page"
    if earlier and earlier[0].find(qn("w:titlePg")) is not None \
            and final.find(qn("w:titlePg")) is None:
        final.append(OxmlElement("w:titlePg"))
    for child in children:
        body.remove(child)
    return had_text


def _clean_notes(part: Part, tag: str) -> None:
    """Footnotes/endnotes: keep the separators Word needs, drop every note's text."""
    element = getattr(part, "_element", None)
    if element is None:
        return
    for note in list(element.findall(qn(f"w:{tag}"))):
        if note.get(qn("w:type")) in (None, "normal"):
            element.remove(note)


def _clean_settings(part: Part, removed: set[str]) -> None:
    element = getattr(part, "_element", None)
    if element is None:
        return
    for name, what in _SETTINGS_DROPPED.items():
        for el in element.findall(qn(f"w:{name}")):
            element.remove(el)
            if what:
                removed.add(what)


# ---- the public checks ----------------------------------------------------------------


def _header_footer_parts(doc: DocumentObject) -> list[XmlPart]:
    """The header and footer parts (each an XML part: python-docx loads them as such)."""
    return [part for rel in doc.part.rels.values()
            if not rel.is_external and rel.reltype in (RT.HEADER, RT.FOOTER)
            and isinstance(part := rel.target_part, XmlPart)]


def _page(doc: DocumentObject) -> str:
    section = doc.sections[-1]
    width, height = section.page_width, section.page_height
    if width is None or height is None:
        return "Word's default page size"
    short, long_ = sorted((width.twips, height.twips))
    name = "custom-size"
    for label, (w, h) in {"A4": (11906, 16838), "A5": (8391, 11906), "A3": (16838, 23811),
                          "Letter": (12240, 15840), "Legal": (12240, 20160)}.items():
        if abs(short - w) <= 40 and abs(long_ - h) <= 40:
            name = label
            break
    return f"{name} {'landscape' if width > height else 'portrait'}"


def _clean(data: bytes) -> CleanTemplate:
    fixed, kind = _package(data)
    try:
        doc = Document(io.BytesIO(fixed))
    except Exception as exc:  # noqa: BLE001 - any failure to parse is "cannot be read"
        raise TemplateError(f"The template could not be read as a Word document "
                            f"({type(exc).__name__}). Save it again from Word as a Word "
                            "Document (.docx).") from None
    removed: set[str] = set()
    package = doc.part.package
    for rId, rel in list(package.rels.items()):
        if rel.is_external or rel.reltype not in _KEEP_FROM_PACKAGE:
            removed.add(_DROPPED_NAMES.get(rel.reltype, "other attached content"))
            del package.rels[rId]
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = EXTENDED_PROPERTIES  # company, manager, template name...
    body_dropped = _clear_body(doc)
    _drop_rels(doc.part, _KEEP_FROM_DOCUMENT, removed)
    for rel in list(doc.part.rels.values()):
        part = rel.target_part
        # pictures (letterheads, picture bullets, theme fills) and embedded fonts stay
        _drop_rels(part, {RT.IMAGE, RT.FONT}, removed)
        element = getattr(part, "_element", None)
        if element is not None:
            _strip_marks(element, removed)
        if rel.reltype == RT.SETTINGS:
            _clean_settings(part, removed)
        elif rel.reltype in (RT.FOOTNOTES, RT.ENDNOTES):
            _clean_notes(part, "footnote" if rel.reltype == RT.FOOTNOTES else "endnote")
    _strip_marks(doc.element, removed)
    added = ensure_styles(doc)

    found: list[str] = []
    unknown: list[str] = []
    pictures = 0
    for part in _header_footer_parts(doc):
        text = "".join(t.text or "" for t in part.element.iter(qn("w:t")))
        for name in PLACEHOLDER.findall(text):
            target = found if name.lower() in PLACEHOLDERS else unknown
            if name.lower() not in target:
                target.append(name.lower() if target is found else name)
        pictures += sum(1 for rel in part.rels.values() if rel.reltype == RT.IMAGE)
    props = doc.core_properties
    for child in list(props._element):
        props._element.remove(child)
    out = io.BytesIO()
    doc.save(out)
    info = TemplateInfo(kind=kind, page=_page(doc),
                        placeholders=tuple(p for p in PLACEHOLDERS if p in found),
                        unknown_placeholders=tuple(unknown), added_styles=added,
                        removed=tuple(sorted(removed)), body_dropped=body_dropped,
                        header_pictures=pictures)
    return CleanTemplate(out.getvalue(), info)


@lru_cache(maxsize=4)
def cleaned_template(data: bytes | None = None) -> CleanTemplate:
    """The template (the built-in one when ``data`` is None), cleaned; cached by content."""
    if data is None:
        data = default_template_bytes()
    return _clean(data)


def default_template_bytes() -> bytes:
    return paths.resource_path("templates", "default.docx").read_bytes()


def validate_template(data: bytes) -> TemplateInfo:
    """Check a council's Word template; raises :class:`TemplateError` saying what is wrong."""
    return cleaned_template(bytes(data)).info


# ---- logos ----------------------------------------------------------------------------


def _png_complete(data: bytes) -> bool:
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos <= len(data)
    return False


def validate_logo(data: bytes) -> tuple[int, int]:
    """Check a council's logo (PNG, JPEG or GIF); returns its size in pixels."""
    from docx.image.image import Image

    if not data:
        raise TemplateError("The logo file is empty. Choose a PNG or JPEG picture.")
    if len(data) > MAX_LOGO_BYTES:
        raise TemplateError(f"The logo is {len(data) / 1048576:.1f} MB; the limit is "
                            f"{MAX_LOGO_BYTES // 1048576} MB. Save a smaller PNG or JPEG.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        complete = _png_complete(data)
    elif data.startswith(b"\xff\xd8\xff"):
        complete = b"\xff\xd9" in data[-64:]
    elif data.startswith((b"GIF87a", b"GIF89a")):
        complete = data.rstrip(b"\x00").endswith(b";")
    else:
        what = ("an SVG drawing" if data.lstrip()[:5] in (b"<?xml", b"<svg ") else
                "a BMP picture" if data.startswith(b"BM") else
                "a TIFF picture" if data[:4] in (b"II*\x00", b"MM\x00*") else
                "a PDF" if data.startswith(b"%PDF") else "not a picture the export can use")
        raise TemplateError(f"The logo is {what}. Save it as PNG or JPEG and choose it again.")
    if not complete:
        raise TemplateError("The logo file is damaged or cut short. Save it again as PNG or "
                            "JPEG.")
    try:
        image = Image.from_blob(data)
        width, height = image.px_width, image.px_height
    except Exception:  # noqa: BLE001 - python-docx raises several kinds on a bad header
        raise TemplateError("The logo cannot be read as a picture. Save it again as PNG or "
                            "JPEG.") from None
    if not (1 <= width <= MAX_LOGO_PIXELS and 1 <= height <= MAX_LOGO_PIXELS):
        raise TemplateError(f"The logo is {width} x {height} pixels; it must be at most "
                            f"{MAX_LOGO_PIXELS} pixels on each side.")
    return width, height
