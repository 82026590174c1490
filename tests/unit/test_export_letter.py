"""The letter to the child: addressed by preferred name, the marked sections in agenda
order, the decisions in plain words, the next review, the chair's sign-off."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import docx

from iro_desktop.core.models import ChildRecord
from iro_desktop.export.letter import letter_blocks, letter_text, plain_decision
from iro_desktop.export.minutes import build_record
from iro_desktop.export.readability import readability
from iro_desktop.export.variants import View
from iro_desktop.services.export import ExportService
from iro_desktop.services.reviews import ReviewService

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


def test_letter_to_the_child(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    _service, council, record, network = _finalised(demo_vault_with_reviews)
    rec: ChildRecord = replace(record.child.record, preferred_name="Alfie")
    record = replace(record, child=replace(record.child, record=rec), marks={
        "agenda:education": {"letter"}, "voice.views": {"letter"}, "agenda:health": {"letter"},
        "agenda:summary": {"letter", "withhold:child"}})
    document = _letter(record, council, network)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == council.name
    assert texts[1] == "24 November 2026"
    assert texts[2] == "Dear Alfie,"
    assert texts[3].startswith(f"This letter is about your review on "
                               f"{record.held_date:%A} {record.held_date.day} "
                               f"{record.held_date:%B %Y}.")
    # marked sections: the views first, then agenda order (health before education)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings == ["What you told us", "Your health", "School", "What we agreed",
                        "Your next review"]
    assert "I like living with Sam. I want to see my brother more." in texts
    assert "football on Saturdays" in texts
    assert "A settled placement" not in "\n".join(texts)  # marked, but withheld from the child
    agreed = [p.text for p in document.paragraphs if p.style.name == "List Bullet"
              and " will " in p.text]
    first = record.decisions[0]
    assert agreed[0] == (f"Sam Whitfield (carer) will book a dental check-up by "
                         f"{first.due_date.day} {first.due_date:%B %Y}.")
    assert agreed[2].startswith("Virtual school will refer for one-to-one maths tutoring by ")
    next_review = record.next_review_date
    assert (f"Your next review will be on {next_review:%A} {next_review.day} "
            f"{next_review:%B %Y}. It will be at Carer's home.") in texts
    assert texts[-3:] == ["Best wishes,", "Alex Morgan", "Independent Reviewing Officer"]
    # larger type than the record, the marking kept
    assert document.styles["Normal"].font.size.pt == 12.5
    assert "OFFICIAL-SENSITIVE" in document.sections[0].header.paragraphs[0].text
    assert document.core_properties.title == "Review letter"


def test_letter_with_nothing_marked_still_has_decisions_and_next_review(
        demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    _service, council, record, network = _finalised(demo_vault_with_reviews)
    record = replace(record, marks={})
    texts = [p.text for p in _letter(record, council, network).paragraphs]
    rec = record.child.record
    assert texts[2] == f"Dear {rec.preferred_name or rec.first_name},"
    assert "What we agreed" in texts and "Your next review" in texts
    assert not any("I like living with Sam" in t for t in texts)
    assert sum(" will " in t and " by " in t for t in texts) == len(record.decisions)


def test_letter_leaves_out_what_is_withheld_from_the_child(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    _service, council, record, network = _finalised(demo_vault_with_reviews)
    texts = dict(record.texts)
    texts["agenda:health"] = ("You had your health check.\n\n"
                              "NOT-FOR-CHILD detail")
    decision = record.decisions[1]
    record = replace(record, texts=texts, marks={"agenda:health": {"letter"},
                                                 f"decision:{decision.id}": {"withhold:child"}},
                     line_marks={"agenda:health": {2: frozenset({"child"})}})
    xml = build_record(record, council, variant="letter", network=network, today=TODAY)
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(xml)).paragraphs)
    assert "You had your health check." in body and "NOT-FOR-CHILD" not in body
    assert decision.text.lower() not in body.lower()
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
    reviews.set_mark(council.id, record.id, "voice.views", "letter", True)
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
