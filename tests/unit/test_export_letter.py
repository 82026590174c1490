"""The letter to the child: written to them from the for-the-child texts, their own words
and the decisions ticked for it; the IRO's contact, advocacy and complaints; a record for
later life under 4; none before the review is held."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import docx

import pytest

from iro_desktop.export.letter import LetterError, letter_blocks, letter_text, plain_decision
from iro_desktop.export.minutes import build_record
from iro_desktop.core.readability import readability
from iro_desktop.export.variants import View
from iro_desktop.services.export import ExportError, ExportService
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import TextMarkRow
from tests import record_seed as rs

TODAY = date(2026, 11, 24)


def _finalised(vault):  # type: ignore[no-untyped-def]
    service = ExportService(vault, chair="Alex Morgan")
    row = next(r for r in service.reviews_overview() if r["status"] == "finalised")
    council = vault.council_by_code(row["council_code"])
    child_id = service.child_id(council, row["child_ref"])
    review_id = service.review_id(council, child_id, row["child_ref"])
    reviews = ReviewService(vault)
    return (service, council, reviews.record(council.id, review_id),
            reviews.network(council.id, child_id))


def _letter(record, council, network) -> docx.document.Document:  # type: ignore[no-untyped-def]
    return docx.Document(io.BytesIO(build_record(
        record, council, variant="letter", chair="Alex Morgan", network=network, today=TODAY)))


def _paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_letter_is_written_to_the_child(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.rich_review(vault)
    service = ExportService(vault, chair=rs.CHAIR)
    record = ReviewService(vault).record(seeded.council_id, seeded.review_id)
    data = service.export_review(seeded.council_id, seeded.review_id, "letter", today=TODAY)
    texts = _paragraphs(data)
    body = "\n".join(texts)
    rec = record.child.record
    name = rec.preferred_name or rec.first_name
    # one greeting, by the child's name: the "Dear Grace," the IRO typed in the note is dropped
    assert texts[2] == f"Dear {name},"
    assert [t for t in texts if t.startswith("Dear ")] == [f"Dear {name},"]
    assert texts[3] == "Thank you for showing me your drawings."
    assert "I am Alex Morgan, your Independent Reviewing Officer." in body
    # the child's own words (ticked), the for-the-child texts, in agenda order
    headings = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs
                if p.style.name == "Heading 2"]
    assert headings == ["What you told us", "Your health", "School", "What we agreed",
                        "Your next review", "Talking to me", "Help and complaints"]
    assert "You had your health check. Sam will take you to the dentist soon." in texts
    # never the IRO's professional notes
    for professional in ("SDQ", "CAMHS", "PEP reviewed", "supervised monthly",
                         "A settled placement", "School transport"):
        assert professional not in body, professional
    # only the decisions ticked for the letter
    agreed = [t for t in texts if " will " in t and " by " in t]
    assert len(agreed) == 2 and agreed[0].startswith("Sam Whitfield (carer) will book a dental")
    assert "risk assessment" not in body.lower()
    # how to reach the IRO, an advocate, and how to complain
    assert "My phone number is 01632 960 123. My email is alex.morgan@example.gov.uk." in body
    assert rs.ADVOCACY in body and rs.COMPLAINTS in body
    assert texts[-3:] == ["Best wishes,", "Alex Morgan", "Independent Reviewing Officer"]
    document = docx.Document(io.BytesIO(data))
    assert document.styles["Normal"].font.size.pt == 12.5
    assert "OFFICIAL-SENSITIVE" in document.sections[0].header.paragraphs[0].text
    assert document.core_properties.title == "Review letter"
    assert "DRAFT" not in "".join(p.text for p in document.sections[0].header.paragraphs)


def test_letter_without_council_contacts_still_says_how_to_get_help(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.rich_review(vault)
    record = ReviewService(vault).record(seeded.council_id, seeded.review_id)
    text = letter_text(record, chair="Alex Morgan", today=TODAY)
    assert "Your social worker or your carer can help you reach me." in text
    assert "Your social worker or I can find you one." in text
    assert "Your social worker or I can help you make a complaint." in text


def test_a_child_under_four_gets_a_record_for_later_life(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.under_four_review(vault)
    service = ExportService(vault, chair=rs.CHAIR)
    data = service.export_review(seeded.council_id, seeded.review_id, "letter", today=TODAY)
    texts = _paragraphs(data)
    body = "\n".join(texts)
    assert texts[2] == "For Alfie, to read when you are older"
    assert not any(t.startswith("Dear ") for t in texts)
    assert "when you were 2 years old" in body
    assert "memory box" in body and "life story book" in body
    assert "You were growing well and had all your injections." in texts
    assert "Immunisations up to date" not in body  # the professional note
    assert "Sam Whitfield (carer)" in texts  # who was there
    assert any(t.startswith("Jo Brennan (social worker) will start life-story work") for t in texts)
    assert "complain" not in body and "advocate" not in body
    assert len(body.split()) < 200


def test_no_letter_before_the_review_is_held(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.planned_review(vault)
    service = ExportService(vault, chair=rs.CHAIR)
    record = ReviewService(vault).record(seeded.council_id, seeded.review_id)
    with pytest.raises(LetterError, match="after the review"):
        build_record(record, vault.council(seeded.council_id), variant="letter")
    with pytest.raises(ExportError, match="mark the review as held first"):
        service.export_review(seeded.council_id, seeded.review_id, "letter")
    with pytest.raises(ExportError, match="mark the review as held first"):
        service.letter_text(seeded.council_id, seeded.review_id)
    # the record itself can be exported, as a draft
    assert service.export_review(seeded.council_id, seeded.review_id, "full")


def test_a_letter_for_a_review_not_finalised_is_a_draft(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.rich_review(vault, finalise=False)
    service = ExportService(vault, chair=rs.CHAIR)
    document = docx.Document(io.BytesIO(service.export_review(
        seeded.council_id, seeded.review_id, "letter")))
    header = [p.text for p in document.sections[0].header.paragraphs]
    assert "DRAFT" in header
    assert service.filename(seeded.council_id, seeded.review_id, "letter").endswith(
        "_letter_" + ReviewService(vault).record(seeded.council_id, seeded.review_id)
        .held_date.isoformat() + "_DRAFT.docx")


def test_letter_leaves_out_what_is_withheld_from_the_child(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    _service, council, record, network = _finalised(demo_vault_with_reviews)
    texts = dict(record.texts)
    texts["forchild:health"] = ("You had your health check.\n\n"
                                "NOT-FOR-CHILD detail")
    ticked, withheld = record.decisions[0], record.decisions[1]
    record = replace(record, texts=texts, marks={
        f"decision:{ticked.id}": {"letter"},
        f"decision:{withheld.id}": {"withhold:child", "letter"}},
        line_marks={"forchild:health": {2: frozenset({"child"})}})
    xml = build_record(record, council, variant="letter", network=network, today=TODAY)
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(xml)).paragraphs)
    assert "You had your health check." in body and "NOT-FOR-CHILD" not in body
    assert "book a dental check-up" in body
    assert withheld.text.lower() not in body.lower()
    assert "[withhold" not in body


def test_plain_decision_wording(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    _service, _council, record, network = _finalised(demo_vault_with_reviews)
    view = View(record, "child", network, notes=False)
    base = record.decisions[2]  # "Virtual school", no person
    cases = {"To arrange a PEP meeting.": "Virtual school will arrange a PEP meeting",
             "PEP to be updated": "Virtual school will PEP to be updated",
             "will visit you at home": "Virtual school will visit you at home"}
    for text, expected in cases.items():
        sentence = plain_decision(replace(base, text=text, due_date=None), view)
        assert sentence == expected + "."


def test_letter_text_is_the_body_for_the_readability_figure(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    service, council, record, network = _finalised(demo_vault_with_reviews)
    reviews = ReviewService(demo_vault_with_reviews)
    with demo_vault_with_reviews.session(council.id) as s:  # finalised: mark it directly
        s.add(TextMarkRow(review_id=record.id, key="voice.views", mark="letter"))
    text = service.letter_text(council.id, record.id, today=TODAY)
    assert text.startswith("This letter is about your review")
    assert "I like living with Sam." in text and "- football on Saturdays" in text
    assert "Dear " not in text and "Best wishes" not in text  # the body only
    score = readability(text)
    assert score.words > 50 and score.flesch_reading_ease > 60
    blocks = letter_blocks(reviews.record(council.id, record.id), chair="Alex Morgan",
                           network=network, today=TODAY)
    assert [b.kind for b in blocks][:2] == ["date", "greeting"]
    assert letter_text(reviews.record(council.id, record.id), chair="Alex Morgan",
                       network=network, today=TODAY) == text
