"""Which copy of a review record each recipient gets, and what each copy shows.

Variants of an export (``parse_variant`` reads them as typed):

* ``full``: the council's record. Every paragraph, the ``[withhold from ...]`` tags
  removed, and a short italic note next to anything withheld from someone saying from
  whom ("Withheld from the parents' copy"), so the council's administrator knows.
* ``decisions``: the council's short copy (child, review, decisions, next review).
* ``letter``: the letter to the child, built from the sections marked for it; what is
  withheld from the child is left out (:mod:`iro_desktop.export.letter`).
* ``redacted:<group>``: the record as ``group`` (parents, child, carers,
  professionals) receives it. It leaves out, without saying so:

  - every field marked ``withhold:<group>`` (its heading too, unless the heading also
    holds something that is not withheld, such as the decisions table under the summary);
  - every paragraph tagged ``[withhold from <group>]``;
  - every decision marked ``withhold:<group>`` (``decision:<id>``);
  - every person marked ``withhold:<group>`` (``person:<id>``): their attendance and
    distribution rows, and their name wherever a decision names them (their role is
    shown instead);
  - for parents, when the child's placement address is confidential: the placement
    address and the address of every carer (core.redaction.CARER_ROLES), by default.

:class:`View` answers those questions for one copy; the builders ask it. Qt-free and
python-docx-free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from iro_desktop.core.redaction import (
    CARER_ROLES,
    GROUPS,
    ROLE_GROUPS,
    RedactionError,
    for_group,
    group_key,
    marked_groups,
    paragraph_groups,
    withheld_from,
)
from iro_desktop.export.sanitize import Kind, docx_safe, paragraphs
from iro_desktop.services.reviews import Decision, Person, ReviewRecord

VARIANTS = ("full", "decisions", "letter", "redacted")
COUNCIL = "council"
_POSSESSIVE = {"parents": "the parents'", "child": "the child's", "carers": "the carers'",
               "professionals": "the professionals'"}
_COPY_LABELS = {COUNCIL: "The council (case record)", "parents": "Parents",
                "child": "The child", "carers": "Carers", "professionals": "Professionals"}


class VariantError(ValueError):
    pass


def variant_choices() -> list[str]:
    """Every variant as the CLI and messages spell it."""
    return ["full", "decisions", "letter", *(f"redacted:{g}" for g in GROUPS)]


def parse_variant(text: str) -> tuple[str, str | None]:
    """``"full"`` -> ``("full", None)``; ``"redacted:Parents"`` -> ``("redacted", "parents")``.

    ``redacted-parents`` and ``redacted parents`` are read the same way."""
    raw = " ".join(str(text).split())
    word = raw.lower()
    choices = ", ".join(variant_choices())
    if word in ("full", "decisions", "letter"):
        return word, None
    match = re.fullmatch(r"redacted\s*[:\- ]\s*(.+)", word)
    if match:
        try:
            return "redacted", group_key(match.group(1))
        except RedactionError:
            raise VariantError(f"unknown recipient group {match.group(1)!r} in variant "
                               f"{raw!r}: use one of {choices}") from None
    if word == "redacted":
        raise VariantError(f"say whose copy: use one of {choices}")
    raise VariantError(f"unknown variant {raw!r}: use one of {choices}")


def variant_name(kind: str, group: str | None) -> str:
    return f"{kind}:{group}" if group else kind


def withheld_note(groups: Iterable[str], reason: str = "") -> str:
    """'Withheld from the parents' copy' and the like; '' for no groups."""
    groups = set(groups)
    known = [_POSSESSIVE[g] for g in GROUPS if g in groups]
    unknown = sorted(groups - set(GROUPS))
    parts = []
    if known:
        names = known[0] if len(known) == 1 else ", ".join(known[:-1]) + " and " + known[-1]
        parts.append(f"Withheld from {names} {'copy' if len(known) == 1 else 'copies'}"
                     + (f": {reason}" if reason else ""))
    if unknown:
        listed = ", ".join(f"\u201c{u}\u201d" for u in unknown)
        groups_text = f"not a recipient group ({', '.join(GROUPS)})"
        if known:
            parts.append(f"{listed} is {groups_text}")
        else:
            parts.append(f"marked to withhold from {listed}, which is {groups_text}: "
                         "it is in every copy")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class Piece:
    kind: Kind  # "paragraph" or "bullet"
    text: str  # already safe for Word
    note: str = ""  # the full record's note on who it is withheld from


@dataclass(frozen=True, slots=True)
class Copy:
    """One recipient group's copy of a review: who is in the group and which variant."""

    group: str  # "council" or a key of core.redaction.GROUPS
    label: str
    variant: str  # "full", "letter" or "redacted:<group>"
    people: tuple[str, ...]  # names of the people in the group (the child for "child")
    withheld: bool  # something is left out of this copy (False: same content as the record)


class View:
    """What one copy of a record shows: ``group=None`` is the council's full record."""

    def __init__(self, record: ReviewRecord, group: str | None,
                 network: Iterable[Person] = (), *, notes: bool | None = None) -> None:
        self.record = record
        self.group = group_key(group) if group else None
        self.notes = self.group is None if notes is None else notes
        self.people: dict[int, Person] = {a.person.id: a.person for a in record.attendance}
        for person in network:
            self.people.setdefault(person.id, person)

    # ---- fields and paragraphs -----------------------------------------------------

    def field_groups(self, key: str) -> set[str]:
        return marked_groups(self.record.marks.get(key, ()))

    def withheld(self, groups: set[str]) -> bool:
        return self.group is not None and self.group in groups

    def field_withheld(self, key: str) -> bool:
        return self.withheld(self.field_groups(key))

    def field_note(self, key: str) -> str:
        return withheld_note(self.field_groups(key)) if self.notes else ""

    def text(self, key: str) -> str:
        """The field's text as this copy shows it ('' when the field is withheld)."""
        if self.field_withheld(key):
            return ""
        return for_group(self.record.texts.get(key, ""), self.group)

    def pieces(self, key: str) -> list[Piece]:
        """The field's paragraphs and bullets as this copy shows them."""
        if self.field_withheld(key):
            return []
        safe = docx_safe(self.record.texts.get(key, ""))
        if self.group is not None:
            return [Piece(kind, text) for kind, text in paragraphs(for_group(safe, self.group))]
        out = []
        for kind, text in paragraphs(safe):
            if "[" in text:
                groups: set[str] = set()
                for _first, found in paragraph_groups(text):
                    groups |= found
                if groups:
                    text = for_group(text, None).strip("\n")
                    if not text.strip():
                        continue
                    out.append(Piece(kind, text, withheld_note(groups) if self.notes else ""))
                    continue
            out.append(Piece(kind, text))
        return out

    # ---- decisions and people ------------------------------------------------------

    def decision_groups(self, decision: Decision) -> set[str]:
        return marked_groups(self.record.marks.get(f"decision:{decision.id}", ()))

    def decisions(self, decisions: Iterable[Decision]) -> list[tuple[Decision, str]]:
        """The decisions this copy shows, each with its note (full record only)."""
        out = []
        for decision in decisions:
            groups = self.decision_groups(decision)
            if not self.withheld(groups):
                out.append((decision, withheld_note(groups) if self.notes else ""))
        return out

    def person_groups(self, person: Person) -> set[str]:
        return marked_groups(self.record.marks.get(f"person:{person.id}", ()))

    def person_shown(self, person: Person) -> bool:
        return not self.withheld(self.person_groups(person))

    def person_note(self, person: Person) -> str:
        return withheld_note(self.person_groups(person)) if self.notes else ""

    def responsible(self, decision: Decision) -> str:
        """Who is responsible, as this copy may say it: a withheld person by role only."""
        person = self.people.get(decision.person_id) if decision.person_id else None
        if person is not None and not self.person_shown(person):
            return person.role
        if person is None and decision.person_id is not None and self.group is not None:
            # someone no longer in the network: name them only if nobody withheld them
            key = f"person:{decision.person_id}"
            if self.group in marked_groups(self.record.marks.get(key, ())):
                found = re.search(r"\(([^()]*)\)\s*$", decision.responsible)
                return found.group(1) if found else "Someone"
        return decision.responsible

    def address_groups(self, person: Person) -> tuple[set[str], str]:
        """(groups the person's address is withheld from, why), when it has one."""
        groups = set(self.person_groups(person))
        reason = ""
        if self.record.placement_confidential and person.role in CARER_ROLES:
            groups.add("parents")
            reason = "confidential placement"
        return groups, reason

    def address(self, person: Person) -> tuple[str, str] | None:
        """(address on one line, note) if this copy shows the person's address."""
        if not person.address.strip():
            return None
        groups, reason = self.address_groups(person)
        if self.withheld(groups):
            return None
        return one_line(person.address), (withheld_note(groups, reason) if self.notes else "")

    def placement_address(self) -> tuple[str, str] | None:
        """(the placement address, note) if this copy shows it."""
        if not self.record.placement_address.strip():
            return None
        groups = {"parents"} if self.record.placement_confidential else set()
        if self.withheld(groups):
            return None
        note = withheld_note(groups, "confidential placement") if self.notes else ""
        return one_line(self.record.placement_address), note

    # ---- for the outbox ------------------------------------------------------------

    def anything_withheld(self, network: Iterable[Person] = ()) -> bool:
        """Whether this copy leaves anything out of the council's record."""
        g = self.group
        if g is None:
            return False
        record = self.record
        if any(g in marked_groups(marks) for marks in record.marks.values()):
            return True
        if any(g in withheld_from(text) for text in record.texts.values()):
            return True
        if g == "parents" and record.placement_confidential:
            people = list(self.people.values()) + list(network)
            if record.placement_address.strip() or any(
                    p.address.strip() for p in people if p.role in CARER_ROLES):
                return True
        return False


def one_line(text: str) -> str:
    return ", ".join(line.strip() for line in text.replace("\r", "\n").split("\n")
                     if line.strip())


def copies_for(record: ReviewRecord, network: Iterable[Person]) -> list[Copy]:
    """Which copy each recipient group gets, with the names of the people in it: the
    council the full record, the child the letter, everyone else their redacted copy
    (the same content as the record when nothing is withheld from them)."""
    network = list(network)
    rec = record.child.record
    copies = [Copy(COUNCIL, _COPY_LABELS[COUNCIL], "full", (), False)]
    for group in GROUPS:
        view = View(record, group, network)
        if group == "child":
            people: tuple[str, ...] = (f"{rec.first_name} {rec.last_name}".strip(),)
            variant = "letter"
        else:
            people = tuple(p.name for p in network if ROLE_GROUPS.get(p.role) == group)
            variant = f"redacted:{group}"
        copies.append(Copy(group, _COPY_LABELS[group], variant, people,
                           view.anything_withheld(network)))
    return copies
