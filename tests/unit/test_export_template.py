"""Council Word templates and logos: what is refused, what is kept, what is cleaned out."""

from __future__ import annotations

import importlib.util
import io
import re
import struct
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

from tests.conftest import REPO_ROOT
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.export.minutes import build_record
from iro_desktop.export.template import (
    TemplateError,
    cleaned_template,
    default_template_bytes,
    validate_logo,
    validate_template,
)
from iro_desktop.security.errors import VaultError
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.services.export import ExportService
from iro_desktop.services.reviews import ReviewService

SECRETS = ("SECRET-BODY-TEXT", "SECRET-COMMENT", "SECRET-AUTHOR", "SECRET-CUSTOM-PROP",
           "SECRET-COMPANY", "SECRET-DOCVAR", "SECRET-USER", "secret.example.org",
           "SECRET-TITLE", "SECRET-FOOTNOTE")
GENERATOR = REPO_ROOT / "resources" / "templates" / "make_default_template.py"


# ---- files made here ------------------------------------------------------------------


def png(width: int = 40, height: int = 20, rgb: tuple[int, int, int] = (31, 56, 100)) -> bytes:
    """A small valid PNG (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def _rezip(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The package with ``change(parts)`` applied to its {name: bytes}."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    change(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
    return out.getvalue()


def _add_custom_properties(parts: dict[str, bytes]) -> None:
    parts["docProps/custom.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
        b'name="Case"><vt:lpwstr>SECRET-CUSTOM-PROP</vt:lpwstr></property></Properties>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/docProps/custom.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>')
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdCustom" Type="' + RT.CUSTOM_PROPERTIES.encode()
        + b'" Target="docProps/custom.xml"/></Relationships>')
    app = parts["docProps/app.xml"]
    parts["docProps/app.xml"] = re.sub(rb"</Properties>", b"<Company>SECRET-COMPANY</Company>"
                                       b"</Properties>", app)


def _hyperlink(paragraph, url: str, text: str) -> None:  # type: ignore[no-untyped-def]
    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{r_id}"><w:r><w:t>{text}</w:t>'
                     f'</w:r></w:hyperlink>')
    paragraph._p.append(link)


def council_template(*, placeholders: bool = True, drop_styles: tuple[str, ...] = (),
                     dotx: bool = False, logo_placeholder: bool = False) -> bytes:
    """A council's Word file as one might arrive: letterhead, own fonts and margins, and
    things that must never reach an export (body text, a comment, a footnote-free
    tracked deletion, links to a server, custom properties, a company name)."""
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(3.1)
    normal = doc.styles["Normal"]
    normal.font.name = "Georgia"
    normal.font.size = Pt(12)
    header = section.header.paragraphs[0]
    header.add_run("Northbrook letterhead ")
    if placeholders:
        header.add_run("{{coun")  # Word often splits text like this
        header.add_run("cil}} \u2013 {{ marking }}")
    _hyperlink(header, "https://secret.example.org/track.png", "council website")
    if logo_placeholder:
        section.header.add_paragraph("{{logo}}")
    footer = section.footer.paragraphs[0]
    if placeholders:
        footer.add_run("{{marking}} | {{title}} | {{date}} | Page {{page}} of {{pages}} "
                       "{{unknown_thing}}")
    else:
        footer.add_run("Northbrook City Council, Town Hall")
    body = doc.add_paragraph()
    run = body.add_run("SECRET-BODY-TEXT from the last child")
    doc.add_comment(run, text="SECRET-COMMENT", author="SECRET-AUTHOR", initials="SA")
    deleted = parse_xml(f'<w:del {nsdecls("w")} w:id="9" w:author="SECRET-AUTHOR" '
                        'w:date="2026-01-01T00:00:00Z"><w:r><w:delText>SECRET-FOOTNOTE'
                        '</w:delText></w:r></w:del>')
    section.header.paragraphs[0]._p.append(deleted)
    props = doc.core_properties
    props.author = "SECRET-AUTHOR"
    props.title = "SECRET-TITLE"
    props.comments = "SECRET-COMMENT"
    settings = doc.settings.element
    template_rel = doc.part.relate_to(
        "file:///C:/Users/SECRET-USER/AppData/Roaming/Microsoft/Templates/Normal.dotm",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate",
        is_external=True)
    settings.append(parse_xml(f'<w:attachedTemplate {nsdecls("w", "r")} r:id="{template_rel}"/>'))
    settings.append(parse_xml(f'<w:docVars {nsdecls("w")}><w:docVar w:name="case" '
                              'w:val="SECRET-DOCVAR"/></w:docVars>'))
    for name in drop_styles:
        element = doc.styles[name].element
        element.getparent().remove(element)
    out = io.BytesIO()
    doc.save(out)
    data = _rezip(out.getvalue(), _add_custom_properties)
    if dotx:
        data = _rezip(data, lambda parts: parts.__setitem__(
            "[Content_Types].xml", parts["[Content_Types].xml"].replace(
                b"wordprocessingml.document.main+xml", b"wordprocessingml.template.main+xml")))
    return data


def all_xml(data: bytes) -> str:
    """Every part of a .docx (document, headers, footers, comments, properties, rels...)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


def _part_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.namelist()


def _sample(vault, status: ReviewStatus = ReviewStatus.FINALISED):  # type: ignore[no-untyped-def]
    service = ExportService(vault)
    row = next(r for r in service.reviews_overview() if r["status"] == status.value)
    council = vault.council_by_code(row["council_code"])
    child_id = service.child_id(council, row["child_ref"])
    review_id = service.review_id(council, child_id, row["child_ref"])
    reviews = ReviewService(vault)
    return council, reviews.record(council.id, review_id), reviews.network(council.id, child_id)


def _headers_footers(document):  # type: ignore[no-untyped-def]
    """(kind, text, element) of every header and footer the first section shows."""
    section = document.sections[0]
    out = [("header", section.header), ("footer", section.footer)]
    if section.different_first_page_header_footer:
        out += [("header", section.first_page_header), ("footer", section.first_page_footer)]
    return [(kind, "\n".join(p.text for p in story.paragraphs), story._element)
            for kind, story in out]


# ---- the built-in template ------------------------------------------------------------


def test_default_template_needs_no_cleaning_and_has_every_placeholder() -> None:
    info = validate_template(default_template_bytes())
    assert info.kind == "Word document (.docx)" and info.page == "A4 portrait"
    assert set(info.placeholders) == {"marking", "page", "pages", "logo"}
    assert info.removed == () and info.added_styles == () and not info.body_dropped
    assert "A4 portrait" in info.summary()


def test_default_template_generator_is_reproducible() -> None:
    spec = importlib.util.spec_from_file_location("make_default_template", GENERATOR)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    first, second = module.build(), module.build()
    assert first == second
    made = docx.Document(io.BytesIO(first))
    assert made.sections[0].page_width.twips == Cm(21.0).twips
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "Table Grid"):
        assert name in made.styles


# ---- files refused --------------------------------------------------------------------


def _docm() -> bytes:
    return _rezip(default_template_bytes(), lambda parts: parts.__setitem__(
        "[Content_Types].xml", parts["[Content_Types].xml"].replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml")))


def _with_part(name: str, blob: bytes) -> bytes:
    return _rezip(default_template_bytes(), lambda parts: parts.__setitem__(name, blob))


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("word/document.xml", b" " * (90 * 1024 * 1024))
    return out.getvalue()


def _xlsx() -> bytes:
    return _rezip(default_template_bytes(), lambda parts: parts.__setitem__(
        "[Content_Types].xml", parts["[Content_Types].xml"].replace(
            b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml")))


@pytest.mark.parametrize("make, words", [
    (lambda: b"", "empty"),
    (lambda: b"Dear council, this is plain text", "not a Word .docx"),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "old Word .doc"),
    (lambda: b"{\\rtf1\\ansi hello}", "Rich Text"),
    (lambda: default_template_bytes()[:3000], "damaged"),
    (_docm, "macro-enabled Word file (.docm)"),
    (lambda: _with_part("word/vbaProject.bin", b"\x00macro"), "macros"),
    (lambda: _with_part("word/evil.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
                        b"<x>&a;</x>"), "document type declaration"),
    (lambda: b"PK" + b"\x00" * (10 * 1024 * 1024), "limit is 10 MB"),
    (_zip_bomb, "zip bomb"),
    (_xlsx, "Excel workbook"),
])
def test_bad_templates_are_refused_with_the_reason(make, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TemplateError) as exc:
        validate_template(make())
    assert words in str(exc.value)
    assert isinstance(exc.value, VaultError)  # the window and the CLI show the message


def test_a_refused_template_leaves_the_previous_one(demo_vault) -> None:  # type: ignore[no-untyped-def]
    council = demo_vault.councils()[0]
    profiles = CouncilProfileService(demo_vault)
    good = council_template()
    profiles.set_asset(council.id, "template", "ours.docx", good, check=validate_template)
    with pytest.raises(TemplateError):
        profiles.set_asset(council.id, "template", "ours.docm", _docm(), check=validate_template)
    stored = profiles.profile(council.id).template
    assert stored is not None and stored.content == good and stored.filename == "ours.docx"


# ---- a council's template in use ------------------------------------------------------


def test_council_template_keeps_layout_and_drops_everything_else(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _sample(demo_vault_with_reviews)
    template = council_template()
    info = validate_template(template)
    assert info.body_dropped
    for removed in ("comments", "custom document properties", "document variables",
                    "links to web pages", "the link to an attached template", "tracked changes"):
        assert removed in info.removed, info.removed
    assert info.unknown_placeholders == ("unknown_thing",)
    assert "{{unknown_thing}}" in info.summary()

    for variant in ("full", "decisions", "letter", "redacted:parents"):
        data = build_record(record, council, variant=variant, marking="OFFICIAL-SENSITIVE",
                            network=network, template=template)
        xml = all_xml(data)
        for secret in SECRETS:
            assert secret not in xml, (variant, secret)
        assert 'TargetMode="External"' not in xml
        names = _part_names(data)
        assert not any("comments" in n or "custom.xml" in n or "thumbnail" in n for n in names)
        document = docx.Document(io.BytesIO(data))
        section = document.sections[0]
        assert section.left_margin.twips == Cm(3.1).twips  # the council's page set-up
        assert document.styles["Normal"].font.name == "Georgia"
        texts = _headers_footers(document)
        header = next(t for k, t, _ in texts if k == "header")
        footer = next(t for k, t, _ in texts if k == "footer")
        assert header.startswith(f"Northbrook letterhead {council.name} \u2013 OFFICIAL-SENSITIVE")
        assert "council website" in header  # the link's text stays, the link goes
        assert "OFFICIAL-SENSITIVE |" in footer and " of " in footer
        assert "{{unknown_thing}}" in footer  # left as typed, for the council to notice
        assert "{{" not in footer.replace("{{unknown_thing}}", "")
        instructions = [e.text.strip() for _k, _t, el in texts for e in el.iter(qn("w:instrText"))]
        assert instructions == ["PAGE", "NUMPAGES"]
        props = document.core_properties
        assert props.author == "iro-desktop" and props.title in ("Review record", "Review letter")


def test_dotx_template_is_accepted() -> None:
    info = validate_template(council_template(dotx=True))
    assert info.kind == "Word template (.dotx)"
    assert docx.Document(io.BytesIO(cleaned_template(council_template(dotx=True)).data))


def test_missing_styles_are_added_and_bullets_still_bullets(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _sample(demo_vault_with_reviews)
    template = council_template(drop_styles=("List Bullet", "Table Grid", "Heading 2", "Title"))
    info = validate_template(template)
    assert set(info.added_styles) == {"List Bullet", "Table Grid", "Heading 2", "Title"}
    document = docx.Document(io.BytesIO(build_record(record, council, network=network,
                                                     template=template)))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 2", "List Bullet"} <= styles
    bullet = document.styles["List Bullet"].element
    assert bullet.find(qn("w:pPr")).find(qn("w:numPr")) is not None
    assert all(t.style.name == "Table Grid" for t in document.tables)
    assert document.paragraphs[0].text == "Record of the looked after child review"


def test_template_without_placeholders_still_gets_marking_and_page_numbers(
        demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _sample(demo_vault_with_reviews)
    template = council_template(placeholders=False)
    assert validate_template(template).placeholders == ()
    document = docx.Document(io.BytesIO(build_record(record, council, network=network,
                                                     marking="OFFICIAL", template=template)))
    for kind, text, element in _headers_footers(document):
        assert "OFFICIAL" in text, kind
        if kind == "header":
            assert text.startswith("OFFICIAL") and "Northbrook letterhead" in text
        else:
            assert text.startswith("Northbrook City Council, Town Hall")  # theirs first
            assert [e.text.strip() for e in element.iter(qn("w:instrText"))] == ["PAGE",
                                                                                 "NUMPAGES"]


# ---- logos ----------------------------------------------------------------------------


def _pictures(element) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for _ in element.iter(qn("w:drawing")))


def test_logo_goes_where_the_logo_placeholder_is(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _sample(demo_vault_with_reviews)
    logo = png(300, 100)
    document = docx.Document(io.BytesIO(build_record(record, council, network=network, logo=logo)))
    section = document.sections[0]
    assert section.different_first_page_header_footer  # the built-in template: page 1 only
    assert _pictures(section.first_page_header._element) == 1
    assert _pictures(section.header._element) == 0
    image = document.part.package.image_parts
    assert any(part.blob == logo for part in image)
    # no logo: its placeholder and its empty line are gone
    plain = docx.Document(io.BytesIO(build_record(record, council, network=network)))
    first = plain.sections[0].first_page_header
    rec = record.child.record
    assert [p.text for p in first.paragraphs] == [
        "OFFICIAL-SENSITIVE", f"{rec.first_name} {rec.last_name} ({rec.child_ref}), review "
        f"{record.number}"]


def test_logo_without_placeholder_tops_the_first_page_header(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _sample(demo_vault_with_reviews)
    document = docx.Document(io.BytesIO(build_record(
        record, council, network=network, template=council_template(), logo=png())))
    section = document.sections[0]
    assert section.different_first_page_header_footer
    first = section.first_page_header
    assert _pictures(first.paragraphs[0]._p) == 1
    # the other pages keep the council's header, and page 1 has it too (a copy), marked
    assert _pictures(section.header._element) == 0
    for story in (first, section.header, section.first_page_footer, section.footer):
        assert "OFFICIAL-SENSITIVE" in "\n".join(p.text for p in story.paragraphs)
    assert "Northbrook letterhead" in "\n".join(p.text for p in first.paragraphs)


def test_logo_placeholder_in_council_template(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _sample(demo_vault_with_reviews)
    template = council_template(logo_placeholder=True)
    document = docx.Document(io.BytesIO(build_record(
        record, council, network=network, template=template, logo=png())))
    section = document.sections[0]
    assert not section.different_first_page_header_footer  # the council put it on every page
    assert _pictures(section.header._element) == 1


def test_logo_checks() -> None:
    assert validate_logo(png(120, 40)) == (120, 40)
    assert validate_logo(GIF) == (1, 1)
    for data, words in ((b"", "empty"), (b"<svg xmlns='x'/>", "SVG"), (b"BM" + b"\x00" * 60, "BMP"),
                        (png()[:-12], "damaged"), (b"hello", "not a picture"),
                        (png(9000, 1), "at most 8000 pixels")):
        with pytest.raises(TemplateError) as exc:
            validate_logo(data)
        assert words in str(exc.value)


def test_export_uses_the_councils_profile(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, _network = _sample(demo_vault_with_reviews)
    profiles = CouncilProfileService(demo_vault_with_reviews)
    profiles.set(council.id, "marking", "OFFICIAL")
    profiles.set_asset(council.id, "template", "letterhead.docx", council_template(),
                       check=validate_template)
    profiles.set_asset(council.id, "logo", "logo.png", png(), check=validate_logo)
    data = ExportService(demo_vault_with_reviews, chair="Alex Chair").export_review(
        council.id, record.id, "full")
    document = docx.Document(io.BytesIO(data))
    texts = _headers_footers(document)
    assert all("OFFICIAL" in t and "OFFICIAL-SENSITIVE" not in t for _k, t, _e in texts)
    assert "Northbrook letterhead" in texts[0][1]
    assert _pictures(document.sections[0].first_page_header._element) == 1
    assert "Alex Chair" in all_xml(data)


def test_an_unusable_stored_template_is_named_at_export(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, _network = _sample(demo_vault_with_reviews)
    CouncilProfileService(demo_vault_with_reviews).set_asset(  # stored without the check
        council.id, "template", "old.docm", _docm())
    with pytest.raises(VaultError) as exc:
        ExportService(demo_vault_with_reviews).export_review(council.id, record.id, "full")
    message = str(exc.value)
    assert message.startswith(f"{council.code}'s Word template or logo cannot be used")
    assert "macro-enabled" in message and "Council settings" in message


def test_cleaned_template_is_cached_by_content() -> None:
    data = council_template()
    assert cleaned_template(data) is cleaned_template(bytes(bytearray(data)))
    assert cleaned_template(None) is cleaned_template(None)


def test_review_without_agenda_still_gets_summary_and_next_review(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    """A review with no agenda at all still gets the summary, decisions and next review."""
    council, record, network = _sample(demo_vault_with_reviews)
    bare = replace(record, agenda=[])
    document = docx.Document(io.BytesIO(build_record(bare, council, network=network)))
    texts = [p.text for p in document.paragraphs]
    assert texts.index("Previous decisions") < texts.index("IRO summary and decisions") \
        < texts.index("Next review and distribution")
