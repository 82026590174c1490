"""Word minutes: sanitising, paragraphs, and the record built from the sample reviews."""

from __future__ import annotations

import io
import json

import docx
import pytest
from docx.oxml.ns import qn

from tests.conftest import SHARED_DATA
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.export.minutes import build_record
from iro_desktop.export.sanitize import REPLACEMENT, docx_safe, paragraphs
from iro_desktop.security.errors import VaultError
from iro_desktop.services.export import ExportService
from iro_desktop.services.reviews import ReviewService

HOSTILE = SHARED_DATA / "hostile-text.json"
ILLEGAL = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {"\ufffe", "\uffff"}


# ---- sanitize ----------------------------------------------------------------------


def test_docx_safe_replaces_only_what_xml_cannot_hold() -> None:
    assert docx_safe("a\x00b\x07c\x1bd\x0b\x0c") == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}d" \
        + REPLACEMENT * 2
    assert docx_safe("x\ufffe\uffffy") == f"x{REPLACEMENT}{REPLACEMENT}y"
    assert docx_safe("lone \ud800 high") == f"lone {REPLACEMENT} high"
    kept = "Tab\there\nLine\r\n👧🏽 🏴\U000e0067 محمد שלום e\u0301 Zero\u200bwidth \u202e\xa0\xad"
    assert docx_safe(kept) == kept
    assert docx_safe("") == ""


def test_paragraphs_split_bullets_and_line_breaks() -> None:
    text = "First line\nsecond line\n\n- one\n* two\n\u2022 three\nAfter\r\n\r\n\r\nLast"
    assert paragraphs(text) == [
        ("paragraph", "First line\nsecond line"),
        ("bullet", "one"), ("bullet", "two"), ("bullet", "three"),
        ("paragraph", "After"), ("paragraph", "Last")]
    assert paragraphs("") == []
    assert paragraphs("  \n\n \t ") == []
    assert paragraphs("-not a bullet") == [("paragraph", "-not a bullet")]


# ---- helpers -----------------------------------------------------------------------


def _sample(vault, status: ReviewStatus):  # type: ignore[no-untyped-def]
    """(council, child_ref, record) of the sample review with this status."""
    service = ExportService(vault)
    row = next(r for r in service.reviews_overview() if r["status"] == status.value)
    council = vault.council_by_code(row["council_code"])
    child_id = service.child_id(council, row["child_ref"])
    review_id = service.review_id(council, child_id, row["child_ref"])
    return council, row["child_ref"], ReviewService(vault).record(council.id, review_id)


def _body(document) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """The body in order: ("p", text, style) and ("table", rows) entries."""
    out: list[tuple[str, object]] = []
    for block in document.iter_inner_content():
        if isinstance(block, docx.text.paragraph.Paragraph):
            out.append(("p", (block.text, block.style.name)))
        else:
            out.append(("table", [[c.text for c in row.cells] for row in block.rows]))
    return out


def _texts(document) -> list[str]:  # type: ignore[no-untyped-def]
    return [v[0] for k, v in _body(document) if k == "p"]  # type: ignore[index]


def _tables(document) -> list[list[list[str]]]:  # type: ignore[no-untyped-def]
    return [v for k, v in _body(document) if k == "table"]  # type: ignore[misc]


def _all_text(document) -> str:  # type: ignore[no-untyped-def]
    parts = _texts(document)
    for table in _tables(document):
        parts += [cell for row in table for cell in row]
    return "\n".join(parts)


def _open(data: bytes):  # type: ignore[no-untyped-def]
    return docx.Document(io.BytesIO(data))


def _index(texts: list[str], wanted: str, start: int = 0) -> int:
    return texts.index(wanted, start)


# ---- the full record ---------------------------------------------------------------


def test_full_record_content_and_order(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, _ref, record = _sample(demo_vault_with_reviews, ReviewStatus.FINALISED)
    document = _open(build_record(record, council, chair="Alex Chair"))
    texts = _texts(document)
    rec = record.child.record
    everything = _all_text(document)

    assert texts[0] == "Record of the looked after child review"
    assert council.name in texts
    assert f"{rec.first_name} {rec.last_name}" in everything
    assert rec.child_ref in everything and "Alex Chair" in everything
    assert f"{rec.date_of_birth:%d/%m/%Y}" in everything
    assert f"{record.held_date:%d/%m/%Y}" in everything
    assert " - " in [row[1] for row in _tables(document)[0] if row[0] == "Legal status"][0]
    assert "PN1 - " in everything

    # the views, bullets as List Bullet paragraphs, before the agenda
    views = _index(texts, "I like living with Sam. I want to see my brother more.")
    bullets = [v for k, v in _body(document) if k == "p" and v[1] == "List Bullet"]
    assert ("football on Saturdays", "List Bullet") in bullets
    assert ("maths is hard", "List Bullet") in bullets

    # agenda titles in agenda order, each followed by its discussion; the welcome's and
    # the wishes' notes go with the attendance and the views, not under a heading of their own
    assert "Welcome, attendance and apologies" not in texts
    assert "The child's wishes and feelings" not in texts
    positions = [_index(texts, item.title) for item in record.agenda
                 if item.key not in ("welcome", "wishes")]
    assert positions == sorted(positions) and positions[0] > views
    health = _index(texts, "Health")
    assert texts[health + 1].startswith("Health assessment completed in October")
    summary = _index(texts, "IRO summary and decisions")
    assert texts[summary + 1].startswith("A settled placement.")

    # attendance in words, the child first, the chair last
    attendance = next(t for t in _tables(document) if t[0][:3] == ["Name", "Role", "Attendance"])
    assert attendance[1][:3] == [f"{rec.first_name} {rec.last_name}", "The child",
                                 "Attended (PN1)"]
    assert [row[2] for row in attendance[2:]][:3] == ["Attended", "Apologies",
                                                      "Contributed in writing"]
    assert attendance[-1][:2] == ["Alex Chair", "Chair, Independent Reviewing Officer"]

    # the decisions table: numbered, with their agenda area, header repeating across pages
    decisions = next(t for t in _tables(document)
                     if t[0] == ["No.", "Decision", "Agenda area", "Who", "By when"])
    assert [row[1] for row in decisions[1:]] == [d.text for d in record.decisions]
    assert [row[0] for row in decisions[1:]] == ["1", "2", "3"]
    assert [row[2] for row in decisions[1:]] == ["Health", "Family time (contact) and siblings",
                                                 "Education"]
    assert decisions[1][3].startswith("Sam Whitfield")
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "No.")
    assert table.rows[0]._tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr is None or table.rows[1]._tr.trPr.find(
        qn("w:tblHeader")) is None

    # next review after the decisions
    next_review = next(i for i, t in enumerate(texts) if t.startswith("Next review: "))
    assert next_review > summary
    assert f"{record.next_review_date:%d/%m/%Y}" in texts[next_review]


def test_header_footer_marking_and_page_fields(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, _ref, record = _sample(demo_vault_with_reviews, ReviewStatus.FINALISED)
    for variant in ("full", "decisions"):
        document = _open(build_record(record, council, variant=variant, marking="OFFICIAL-SENSITIVE"))
        for section in document.sections:
            assert "OFFICIAL-SENSITIVE" in [p.text for p in section.header.paragraphs]
            footer_text = [p.text for p in section.footer.paragraphs]
            assert "OFFICIAL-SENSITIVE" in footer_text
            xml = section.footer._element.xml
            instructions = [e.text.strip() for e in section.footer._element.iter(qn("w:instrText"))]
            assert instructions == ["PAGE", "NUMPAGES"]
            assert "fldChar" in xml
            assert any(t.startswith("Page ") and " of " in t for t in footer_text)


def test_no_child_name_in_document_properties(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, _ref, record = _sample(demo_vault_with_reviews, ReviewStatus.FINALISED)
    rec = record.child.record
    for variant in ("full", "decisions"):
        data = build_record(record, council, variant=variant)
        props = _open(data).core_properties
        assert props.title == "Review record"
        assert props.author == "iro-desktop"
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            meta = "".join(zf.read(n).decode("utf-8") for n in zf.namelist()
                           if n.startswith("docProps/") and n.endswith(".xml"))
        for secret in (rec.first_name, rec.last_name, rec.child_ref):
            assert secret not in meta


def test_decisions_variant_has_decisions_but_no_discussion(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, _ref, record = _sample(demo_vault_with_reviews, ReviewStatus.FINALISED)
    document = _open(build_record(record, council, variant="decisions"))
    everything = _all_text(document)
    assert record.child.record.last_name in everything
    for decision in record.decisions:
        assert decision.text in everything
    assert any(t.startswith("Next review: ") for t in _texts(document))
    for key, text in record.texts.items():
        if key.startswith(("agenda:", "voice.")):
            assert text.splitlines()[0] not in everything, key
    for item in record.agenda:
        assert item.title not in _texts(document)
    decisions = next(t for t in document.tables if t.rows[0].cells[0].text == "No.")
    assert decisions.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


@pytest.mark.parametrize("status", [ReviewStatus.RECORDING, ReviewStatus.PLANNED])
def test_unfinished_reviews_export(demo_vault_with_reviews, status) -> None:  # type: ignore[no-untyped-def]
    council, _ref, record = _sample(demo_vault_with_reviews, status)
    for variant in ("full", "decisions"):
        document = _open(build_record(record, council, variant=variant))
        assert record.child.record.last_name in _all_text(document)
    if status is ReviewStatus.PLANNED:
        everything = _all_text(_open(build_record(record, council)))
        assert "Date planned" in everything and "not set" in everything


def test_unknown_variant_is_refused(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, _ref, record = _sample(demo_vault_with_reviews, ReviewStatus.FINALISED)
    with pytest.raises(ValueError, match="use one of full, decisions, letter"):
        build_record(record, council, variant="minutes")
    with pytest.raises(VaultError, match="redacted:parents"):
        ExportService(demo_vault_with_reviews).export(council.code, _ref, variant="minutes")


# ---- hostile text ------------------------------------------------------------------


def _expected(text: str) -> str:
    """What the document should show: NUL is stored as U+FFFD (clean_text); other
    characters XML cannot hold become the mark; line endings become breaks."""
    text = text.replace("\x00", "\ufffd")
    return "".join(REPLACEMENT if ch in ILLEGAL else ch for ch in text)


def test_hostile_text_exports(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    council, _ref, record = _sample(vault, ReviewStatus.RECORDING)
    strings = json.loads(HOSTILE.read_text(encoding="utf-8"))
    assert any(len(s) >= 100_000 for s in strings) and any("\x00" in s for s in strings)
    service = ReviewService(vault)
    for text in strings:
        service.save_texts(council.id, {(record.id, "voice.views"): text,
                                        (record.id, "agenda:health"): text})
        fresh = service.record(council.id, record.id)
        decisions = _open(build_record(fresh, council, variant="decisions", chair=text))
        assert fresh.decisions[0].text in _all_text(decisions)
        document = _open(build_record(fresh, council, chair=text))
        texts = _texts(document)
        body = "\n".join(texts)
        assert not (set(body) & ILLEGAL - {"\n"})
        pieces = paragraphs(_expected(text))
        for _kind, piece in pieces:
            assert body.count(piece) >= 2, piece[:40]  # in the views and under Health
        if pieces:
            health = texts.index("Health")
            assert texts[health + 1] == pieces[0][1]
        if set(text.replace("\x00", "")) & ILLEGAL:
            assert REPLACEMENT in body
