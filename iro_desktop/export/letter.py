"""The letter to the child about their review, written to them ("you").

Built from what the IRO marked for the letter (the ``letter`` mark on a field): the
child's views first, then the agenda items in agenda order, each under a short
heading in plain words ("Your health", "School"). Text is taken as the child's own copy
would show it: a field or paragraph withheld from the child is left out. Then "What we
agreed": every decision of this review not withheld from the child, in plain words
("Sam Whitfield (carer) will book a dental check-up by 8 December 2026."), the next
review's date in words, and the chair's sign-off as Independent Reviewing Officer.
With nothing marked, the letter still has the decisions and the next review.

:func:`letter_blocks` is the letter as a list of blocks; :func:`letter_text` is its
plain text (what the window measures with :mod:`iro_desktop.export.readability` while
the IRO writes); :func:`build_letter` lays it out in Word, in a larger font, with the
council's template, marking and logo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from iro_desktop.core.models import Council
from iro_desktop.core.redaction import LETTER_MARK
from iro_desktop.core.reviews import TEXT_FIELDS
from iro_desktop.export.layout import Page, open_document
from iro_desktop.export.variants import View
from iro_desktop.export.writer import Writer
from iro_desktop.services.reviews import Decision, Person, ReviewRecord

LETTER_TITLE = "A letter about your review"
PROPERTIES_TITLE = "Review letter"
BODY_PT = 12.5
HEADING_PT = 14

# Short headings a child understands, by field key; other items keep their own title.
HEADINGS = {
    "voice.views": "What you told us",
    "voice.wants": "What you want to happen",
    "voice.how_gathered": "How we heard your views",
    "prep.spoke_alone": "When we talked",
    "agenda:welcome": "Who came",
    "agenda:wishes": "What you told us",
    "agenda:previous_decisions": "Since your last review",
    "agenda:changes": "What has changed",
    "agenda:care_plan": "Your plan",
    "agenda:placement": "Where you live",
    "agenda:health": "Your health",
    "agenda:early_years": "How you are growing",
    "agenda:education": "School",
    "agenda:family_time": "Seeing your family",
    "agenda:identity": "Who you are",
    "agenda:safety": "Keeping safe",
    "agenda:leisure": "Things you enjoy",
    "agenda:pathway": "Your future",
    "agenda:others_views": "What other people said",
    "agenda:rights": "Your rights",
    "agenda:summary": "What I think",
    "agenda:next_review": "Who gets a copy",
}
ROLE_WORDS = {"Health": "health worker"}

BlockKind = Literal["date", "greeting", "heading", "paragraph", "bullet", "signoff"]


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    text: str


def in_words(day: date) -> str:
    """'Tuesday 4 May 2027'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _marked_keys(record: ReviewRecord) -> list[tuple[str, str]]:
    """(key, heading) of every field marked for the letter: views, agenda order, others."""
    marked = {k for k, marks in record.marks.items() if LETTER_MARK in marks}
    out = [(k, HEADINGS[k]) for k in ("voice.views", "voice.wants", "voice.how_gathered")
           if k in marked]
    for item in record.agenda:
        if item.text_key in marked:
            out.append((item.text_key, HEADINGS.get(item.text_key, item.title)))
    done = {k for k, _ in out} | {"next.venue", "letter.note"}
    for key in TEXT_FIELDS:
        if key in marked and key not in done:
            out.append((key, HEADINGS.get(key, TEXT_FIELDS[key])))
    return out


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower() and first != "I":
        return text[0].lower() + text[1:]
    return text


def plain_decision(decision: Decision, view: View) -> str:
    """'Sam Whitfield (carer) will book a dental check-up by 8 December 2026.'"""
    person = view.people.get(decision.person_id) if decision.person_id else None
    if person is not None and view.person_shown(person):
        role = ROLE_WORDS.get(person.role, person.role.lower())
        who = f"{person.name} ({role})"
    elif person is not None:
        who = f"Your {ROLE_WORDS.get(person.role, person.role.lower())}"
    else:
        who = view.responsible(decision) or "Someone"
    what = " ".join(decision.text.split()).rstrip(". ")
    what = re.sub(r"^(?:will|to)\s+", "", what, flags=re.IGNORECASE)
    sentence = f"{who} will {_lower_first(what)}"
    if decision.due_date is not None:
        sentence += f" by {decision.due_date.day} {decision.due_date:%B %Y}"
    return sentence + "."


def letter_blocks(record: ReviewRecord, *, chair: str = "", network: list[Person] | None = None,
                  today: date | None = None) -> list[Block]:
    view = View(record, "child", network or [], notes=False)
    rec = record.child.record
    name = (rec.preferred_name or rec.first_name or "").strip() or "there"
    today = today or date.today()
    blocks = [Block("date", f"{today.day} {today:%B %Y}"), Block("greeting", f"Dear {name},")]
    # the IRO's own note to the child comes first, as they wrote it
    blocks.extend(Block(p.kind, p.text) for p in view.pieces("letter.note"))
    when = record.review_date
    blocks.append(Block("paragraph", "This letter is about your review"
                        + (f" on {in_words(when)}." if when else ".")
                        + " It tells you what we talked about and what we agreed."))
    blocks.append(Block("paragraph", "I chaired your review. My job is to check that your "
                        "plan is right for you. I also check that everyone does what they "
                        "said they would."))
    for key, heading in _marked_keys(record):
        pieces = view.pieces(key)
        if not pieces:
            continue
        blocks.append(Block("heading", heading))
        blocks.extend(Block(p.kind, p.text) for p in pieces)

    blocks.append(Block("heading", "What we agreed"))
    agreed = view.decisions(record.decisions)
    if agreed:
        blocks.extend(Block("bullet", plain_decision(d, view)) for d, _note in agreed)
    else:
        blocks.append(Block("paragraph", "We did not agree any new actions at this review."))

    blocks.append(Block("heading", "Your next review"))
    if record.next_review_date is not None:
        line = f"Your next review will be on {in_words(record.next_review_date)}."
        venue = " ".join(view.text("next.venue").split())
        if venue:
            line += f" It will be at {venue}."
        blocks.append(Block("paragraph", line))
    else:
        blocks.append(Block("paragraph", "The date of your next review is not fixed yet. "
                            "I will let you know when it is."))
    blocks.append(Block("paragraph", "Do you want to talk about this letter? Is something in "
                        "it wrong? You can tell your social worker, your carer or me."))
    blocks.append(Block("signoff", "Best wishes,"))
    if chair.strip():
        blocks.append(Block("signoff", chair.strip()))
    blocks.append(Block("signoff", "Independent Reviewing Officer"))
    return blocks


def letter_text(record: ReviewRecord, *, chair: str = "", network: list[Person] | None = None,
                today: date | None = None) -> str:
    """The letter's body as plain text (no date, greeting or sign-off): one block a line,
    a blank line before each heading, bullets starting with '- '."""
    lines: list[str] = []
    for block in letter_blocks(record, chair=chair, network=network, today=today):
        if block.kind in ("date", "greeting", "signoff"):
            continue
        if block.kind == "heading" and lines:
            lines.append("")
        lines.append(("- " if block.kind == "bullet" else "") + block.text)
    return "\n".join(lines)


def build_letter(record: ReviewRecord, council: Council, *, marking: str, chair: str = "",
                 network: list[Person] | None = None, today: date | None = None,
                 template: bytes | None = None, logo: bytes | None = None) -> bytes:
    today = today or date.today()
    doc = open_document(template, Page(marking, council.name, LETTER_TITLE, today, logo,
                                       PROPERTIES_TITLE))
    styles = doc.styles
    styles["Normal"].font.size = Pt(BODY_PT)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    styles["Heading 2"].font.size = Pt(HEADING_PT)
    writer = Writer(doc)
    writer.paragraph(council.name, bold=True)
    signoff_started = False
    blocks = letter_blocks(record, chair=chair, network=network, today=today)
    for index, block in enumerate(blocks):
        if block.kind == "date":
            writer.paragraph(block.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        elif block.kind == "heading":
            writer.heading(block.text, 2)
        elif block.kind == "bullet":
            writer.bullet(block.text)
        elif block.kind == "signoff":
            paragraph = writer.paragraph(block.text)
            if not signoff_started:
                paragraph.paragraph_format.space_before = Pt(12)
                signoff_started = True
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.keep_with_next = index + 1 < len(blocks)
        elif index + 1 < len(blocks) and blocks[index + 1].kind == "signoff":
            # the closing words stay on the page of the sign-off
            writer.paragraph(block.text).paragraph_format.keep_with_next = True
        else:
            writer.paragraph(block.text)
    return writer.save()
