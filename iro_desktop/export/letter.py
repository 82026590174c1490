"""The letter to the child about their review, written to them ("you").

The letter never reuses the IRO's professional notes. It is made only of:

* the IRO's own note to the child (``letter.note``), first;
* the child's own words (``voice.views``, ``voice.wants``) when the IRO ticks them for
  the letter (the ``letter`` mark);
* each agenda item's "for the child" text (``forchild:<item key>``), which the IRO writes
  to the child in the second person, under a short heading ("Your health", "School");
* the decisions the IRO ticks for the letter (the ``letter`` mark on ``decision:<id>``), in
  plain words ("Sam Whitfield (carer) will book a dental check-up by 8 December 2026.");
* the next review, how to reach the IRO (the chair's phone and email from the settings),
  an advocate and how to complain (the council's profile), and the sign-off.

Everything is read as the child's own copy shows it (:class:`View` for the group
"child"): a field, paragraph or decision withheld from the child is left out.

A child under 4 on the review date gets a short "record for later life" instead, to
keep with their memory box and life-story work and read when they are older.

There is no letter before the review is held: :class:`LetterError` says so.

:func:`letter_blocks` is the letter as a list of blocks; :func:`letter_text` is its plain
text (what the window measures with :mod:`iro_desktop.core.readability` while the IRO
writes); :func:`build_letter` lays it out in Word, in a larger font, with the council's
template, marking and logo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from iro_desktop.core.chair import Chair
from iro_desktop.core.models import Council
from iro_desktop.core.records import Decision, Person, ReviewRecord
from iro_desktop.core.redaction import LETTER_MARK
from iro_desktop.core.reviews import ReviewStatus, age_on, for_child_key
from iro_desktop.export.layout import Page, open_document
from iro_desktop.export.variants import View
from iro_desktop.export.writer import Writer

LETTER_TITLE = "A letter about your review"
LATER_LIFE_TITLE = "A record of your review, for when you are older"
PROPERTIES_TITLE = "Review letter"
BODY_PT = 12.5
HEADING_PT = 14

# Short headings a child understands, by agenda item key; other items keep their title.
HEADINGS = {
    "welcome": "Who came",
    "wishes": "What you told us",
    "previous_decisions": "Since your last review",
    "changes": "What has changed",
    "care_plan": "Your plan",
    "placement": "Where you live",
    "health": "Your health",
    "early_years": "How you are growing",
    "education": "School",
    "family_time": "Seeing your family",
    "identity": "Who you are",
    "safety": "Keeping safe",
    "leisure": "Things you enjoy",
    "pathway": "Your future",
    "others_views": "What other people said",
    "rights": "Your rights",
    "summary": "What I think",
    "next_review": "Your next review",
}
VOICE = (("voice.views", "What you told us"), ("voice.wants", "What you want to happen"))
ROLE_WORDS = {"Health": "health worker"}
ADVOCACY_DEFAULT = "Your social worker or I can find you one."
COMPLAINTS_DEFAULT = "Your social worker or I can help you make a complaint."

BlockKind = Literal["date", "greeting", "heading", "paragraph", "bullet", "signoff"]


class LetterError(ValueError):
    user_facing = True  # the window shows the message as it is


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    text: str


def in_words(day: date) -> str:
    """'Tuesday 4 May 2027'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def is_under_four(record: ReviewRecord) -> bool:
    day = record.review_date
    if day is None:
        return False
    return age_on(record.child.record.date_of_birth, day) < 4


def check_held(record: ReviewRecord) -> None:
    """A letter tells the child what happened: none before the review is held."""
    if record.status.rank < ReviewStatus.HELD.rank or record.held_date is None:
        when = record.review_date
        raise LetterError("The letter to the child is written after the review"
                          + (f" (planned for {when:%d/%m/%Y})" if when else "")
                          + ": mark the review as held first.")


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


def letter_decisions(record: ReviewRecord, view: View) -> list[Decision]:
    """This review's decisions the IRO ticked for the letter and the child may see."""
    return [d for d, _note in view.decisions(record.decisions)
            if LETTER_MARK in record.marks.get(f"decision:{d.id}", set())]


def _note_blocks(view: View) -> list[Block]:
    """The IRO's note to the child, without a greeting of its own (the letter has one)."""
    pieces = view.pieces("letter.note")
    if pieces and re.match(r"^\s*(dear|hello|hi)\b[^\n]{0,40},?\s*$", pieces[0].text,
                           re.IGNORECASE):
        pieces = pieces[1:]
    return [Block(p.kind, p.text) for p in pieces]


def _item_blocks(record: ReviewRecord, view: View) -> list[Block]:
    blocks: list[Block] = []
    for item in record.agenda:
        pieces = view.pieces(for_child_key(item.key))
        if not pieces:
            continue
        blocks.append(Block("heading", HEADINGS.get(item.key, item.title)))
        blocks.extend(Block(p.kind, p.text) for p in pieces)
    return blocks


def _signoff(chair: Chair) -> list[Block]:
    blocks = [Block("signoff", "Best wishes,")]
    if chair.name:
        blocks.append(Block("signoff", chair.name))
    blocks.append(Block("signoff", chair.role))
    return blocks


def letter_blocks(record: ReviewRecord, *, chair: str | Chair = "",
                  network: list[Person] | None = None, today: date | None = None,
                  advocacy: str = "", complaints: str = "") -> list[Block]:
    check_held(record)
    chair = Chair.of(chair)
    if is_under_four(record):
        return later_life_blocks(record, chair=chair, network=network, today=today)
    view = View(record, "child", network or [], notes=False)
    rec = record.child.record
    name = (rec.preferred_name or rec.first_name or "").strip() or "there"
    today = today or date.today()
    when = record.held_date
    assert when is not None
    me = f"I am {chair.name}, your {chair.role}." if chair.name else \
        f"I am your {chair.role}."
    blocks = [Block("date", f"{today.day} {today:%B %Y}"), Block("greeting", f"Dear {name},")]
    blocks.extend(_note_blocks(view))
    blocks.append(Block("paragraph", f"This letter is about your review on {in_words(when)}. "
                        "It tells you what we talked about and what we agreed."))
    blocks.append(Block("paragraph", f"{me} I chaired your review. My job is to check that "
                        "your plan is right for you. I also check that everyone does what "
                        "they said they would."))
    for key, heading in VOICE:
        if LETTER_MARK not in record.marks.get(key, set()):
            continue
        pieces = view.pieces(key)
        if pieces:
            blocks.append(Block("heading", heading))
            blocks.extend(Block(p.kind, p.text) for p in pieces)
    blocks.extend(_item_blocks(record, view))

    agreed = letter_decisions(record, view)
    if agreed:
        blocks.append(Block("heading", "What we agreed"))
        blocks.extend(Block("bullet", plain_decision(d, view)) for d in agreed)

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

    blocks.append(Block("heading", "Talking to me"))
    reach = [f"My phone number is {chair.phone}." if chair.phone else "",
             f"My email is {chair.email}." if chair.email else ""]
    blocks.append(Block("paragraph", "You can talk to me at any time, not just at your review. "
                        "Tell me if something in this letter is wrong. "
                        + (" ".join(r for r in reach if r) or "Your social worker or your "
                           "carer can help you reach me.")))
    blocks.append(Block("heading", "Help and complaints"))
    blocks.append(Block("paragraph", "You can have an advocate: someone on your side who helps "
                        "you say what you think. " + (
                            " ".join(advocacy.split()).rstrip(".") + "." if advocacy.strip()
                            else ADVOCACY_DEFAULT)))
    blocks.append(Block("paragraph", "You can complain if you are not happy with how you are "
                        "cared for. " + (" ".join(complaints.split()).rstrip(".") + "."
                                            if complaints.strip() else COMPLAINTS_DEFAULT)))
    blocks.extend(_signoff(chair))
    return blocks


def later_life_blocks(record: ReviewRecord, *, chair: Chair,
                      network: list[Person] | None = None,
                      today: date | None = None) -> list[Block]:
    """A short record for a child under 4, to read when they are older."""
    view = View(record, "child", network or [], notes=False)
    rec = record.child.record
    name = (rec.preferred_name or rec.first_name or "").strip() or "you"
    today = today or date.today()
    when = record.held_date
    assert when is not None
    age = age_on(rec.date_of_birth, when)
    years = "less than a year old" if age < 1 else f"{age} year{'s' if age > 1 else ''} old"
    blocks = [Block("date", f"{today.day} {today:%B %Y}"),
              Block("greeting", f"For {name}, to read when you are older")]
    blocks.extend(_note_blocks(view))
    blocks.append(Block("paragraph", f"On {in_words(when)}, when you were {years}, the "
                        "grown-ups who look after you met for your review. A review is a "
                        "meeting to check that you are safe and well. It checks that the "
                        "plans for you are right."))
    people = [a.person for a in record.attendance
              if a.status.value == "attended" and view.person_shown(a.person)]
    if people:
        blocks.append(Block("heading", "Who was there"))
        blocks.extend(Block("bullet", f"{p.name} ({ROLE_WORDS.get(p.role, p.role.lower())})")
                      for p in people)
    blocks.extend(_item_blocks(record, view))
    agreed = letter_decisions(record, view)
    if agreed:
        blocks.append(Block("heading", "What we agreed"))
        blocks.extend(Block("bullet", plain_decision(d, view)) for d in agreed)
    blocks.append(Block("paragraph", "We keep this with your memory box and your life story "
                        "book. It tells you about this time in your life. When you are older, "
                        "you can ask to see your records and talk about them."))
    blocks.extend(_signoff(chair))
    return blocks


def letter_text(record: ReviewRecord, *, chair: str | Chair = "",
                network: list[Person] | None = None, today: date | None = None,
                advocacy: str = "", complaints: str = "") -> str:
    """The letter's body as plain text (no date, greeting or sign-off): one block a line,
    a blank line before each heading, bullets starting with '- '."""
    lines: list[str] = []
    for block in letter_blocks(record, chair=chair, network=network, today=today,
                               advocacy=advocacy, complaints=complaints):
        if block.kind in ("date", "greeting", "signoff"):
            continue
        if block.kind == "heading" and lines:
            lines.append("")
        lines.append(("- " if block.kind == "bullet" else "") + block.text)
    return "\n".join(lines)


def build_letter(record: ReviewRecord, council: Council, *, marking: str,
                 chair: str | Chair = "", network: list[Person] | None = None,
                 today: date | None = None, template: bytes | None = None,
                 logo: bytes | None = None, advocacy: str = "",
                 complaints: str = "") -> bytes:
    today = today or date.today()
    blocks = letter_blocks(record, chair=chair, network=network, today=today,
                           advocacy=advocacy, complaints=complaints)
    title = LATER_LIFE_TITLE if is_under_four(record) else LETTER_TITLE
    draft = "" if record.status is ReviewStatus.FINALISED else "DRAFT"
    doc = open_document(template, Page(marking, council.name, title, today, logo,
                                       PROPERTIES_TITLE, draft))
    styles = doc.styles
    styles["Normal"].font.size = Pt(BODY_PT)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    styles["Heading 2"].font.size = Pt(HEADING_PT)
    writer = Writer(doc)
    writer.paragraph(council.name, bold=True)
    signoff_started = False
    for index, block in enumerate(blocks):
        if block.kind == "date":
            writer.paragraph(block.text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        elif block.kind == "heading":
            writer.heading(block.text, 2, keep_with_next=True)
        elif block.kind == "bullet":
            writer.bullet(block.text)
        elif block.kind == "signoff":
            paragraph = writer.paragraph(block.text)
            if not signoff_started:
                paragraph.paragraph_format.space_before = Pt(12)
                signoff_started = True
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.keep_with_next = index + 1 < len(blocks)
        elif (index + 1 < len(blocks) and blocks[index + 1].kind == "signoff"
              and blocks[index - 1].kind != "heading"):
            # the closing words stay on the page of the sign-off (a heading before them
            # keeps them on its own page instead)
            writer.paragraph(block.text, keep_with_next=True)
        else:
            writer.paragraph(block.text)
    return writer.save()
