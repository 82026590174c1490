"""Which copy of a review record each recipient gets, and what each copy shows.

Variants of an export (``parse_variant`` reads them as typed):

* ``full``: the council's record. Everything, with a short italic note next to anything
  withheld from someone saying from whom ("Withheld from the parents' copy"), so the
  council's administrator knows. The only copy that prints the addresses of people in
  the child's network (unless the IRO shares a person's address) and a confidential
  placement address.
* ``decisions``: the council's short copy (child, review, decisions, next review); no
  addresses. ``decisions:<group>`` / ``decisions:person:<id>``: the same for one
  recipient, without the decisions withheld from them.
* ``letter``: the letter to the child; what is withheld from the child is left out
  (:mod:`iro_desktop.export.letter`).
* ``redacted:<group>``: the record as ``group`` (parents, child, carers, professionals)
  receives it; ``redacted:person:<id>``: as one person of the network receives it (what
  is withheld from them and from their group is left out). Each leaves out, without
  saying so:

  - every line, field, decision or person withheld from the recipient
    (:mod:`iro_desktop.core.redaction`): a withheld person's name wherever a decision
    names them (their role is shown instead), their attendance and distribution rows;
  - every address of a person in the network, unless the IRO shared it; a carer's
    address and the placement address from parents while the placement is confidential.

:class:`View` answers those questions for one copy; the builders ask it, and
:meth:`View.forbidden` lists what must not be in the copy, for the check made on the
finished document (:mod:`iro_desktop.export.check`). Qt-free and python-docx-free.
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
    Recipient,
    lines_of,
    marked_groups,
    person_id_of,
    recipient_for,
    recipient_key,
    tag_like_lines,
)
from iro_desktop.core.errors import VaultError
from iro_desktop.core.records import Decision, Person, ReviewRecord
from iro_desktop.export.sanitize import Kind, docx_safe, fold, paragraphs

VARIANTS = ("full", "decisions", "letter", "redacted")
COUNCIL = "council"
_POSSESSIVE = {"parents": "the parents'", "child": "the child's", "carers": "the carers'",
               "professionals": "the professionals'"}
_COPY_LABELS = {COUNCIL: "The council (case record)", "parents": "Parents",
                "child": "The child", "carers": "Carers", "professionals": "Professionals"}


class VariantError(VaultError, ValueError):
    """A variant as typed that is not one: the message lists the choices."""

    code = "export.variant"


def variant_choices() -> list[str]:
    """Every variant for a group, as the CLI and messages spell it (a copy for one
    person of the network is ``redacted:person:<id>`` besides these)."""
    return ["full", "decisions", "letter", *(f"redacted:{g}" for g in GROUPS)]


def parse_variant(text: str) -> tuple[str, str | None]:
    """``"full"`` -> ``("full", None)``; ``"redacted:Parents"`` -> ``("redacted", "parents")``;
    ``"redacted:person:12"`` -> ``("redacted", "person:12")``.

    ``redacted-parents`` and ``redacted parents`` are read the same way."""
    raw = " ".join(str(text).split())
    word = raw.lower()
    choices = (", ".join(variant_choices()) + " or redacted:person:<id> (decisions:<group> "
               "or decisions:person:<id>: the decisions only, as that recipient may read them)")
    if word in ("full", "decisions", "letter"):
        return word, None
    match = re.fullmatch(r"(redacted|decisions)\s*[:\- ]\s*(.+)", word)
    if match:
        try:
            return match.group(1), recipient_key(match.group(2))
        except RedactionError:
            what = "recipient" if match.group(2).startswith("person") else "recipient group"
            raise VariantError(f"unknown {what} {match.group(2)!r} in variant "
                               f"{raw!r}: use one of {choices}") from None
    if word == "redacted":
        raise VariantError(f"say whose copy: use one of {choices}")
    raise VariantError(f"unknown variant {raw!r}: use one of {choices}")


def variant_name(kind: str, group: str | None) -> str:
    return f"{kind}:{group}" if group else kind


def withheld_note(groups: Iterable[str], reason: str = "",
                  names: dict[str, str] | None = None) -> str:
    """'Withheld from the parents' copy' and the like; '' for no recipients.
    ``names`` gives the names of people (``person:<id>`` -> "Sam Whitfield")."""
    groups = set(groups)
    names = names or {}
    known = [_POSSESSIVE[g] for g in GROUPS if g in groups]
    people = sorted(names.get(g, "a person no longer in the network") + "\u2019s"
                    for g in groups if person_id_of(g) is not None)
    listed = known + people
    if not listed:
        return ""
    joined = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]
    text = (f"Withheld from {joined} {'copy' if len(listed) == 1 else 'copies'}"
            + (f": {reason}" if reason else ""))
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class Piece:
    kind: Kind  # "paragraph" or "bullet"
    text: str  # already safe for Word
    note: str = ""  # the full record's note on who it is withheld from


@dataclass(frozen=True, slots=True)
class Forbidden:
    """Something a copy must not contain, and where it came from (for the message)."""

    text: str
    what: str  # "line 3 of 'Health'", "the decision 'Book ...'", "the address of ..."


@dataclass(frozen=True, slots=True)
class Copy:
    """One recipient's copy of a review: a group or one person, and which variant."""

    group: str  # "council", a key of core.redaction.GROUPS, or "person:<id>"
    label: str
    variant: str  # "full", "letter" or "redacted:<group>" / "redacted:person:<id>"
    people: tuple[str, ...]  # names of the people it is for (the child for "child")
    withheld: bool  # something is left out of this copy (False: same content as the record)


class TagTextError(RedactionError):
    """Text that looks like a typed withholding tag: the export stops there."""


class View:
    """What one copy of a record shows: ``group=None`` is the council's full record;
    ``group`` is a recipient group ("parents") or one person ("person:12").

    ``addresses``: whether the addresses of people in the network are printed (the
    council's full record); ``notes``: whether withheld material carries a note."""

    def __init__(self, record: ReviewRecord, group: str | None,
                 network: Iterable[Person] = (), *, notes: bool | None = None,
                 addresses: bool | None = None) -> None:
        self.record = record
        self.people: dict[int, Person] = {a.person.id: a.person for a in record.attendance}
        for person in network:
            self.people.setdefault(person.id, person)
        self.recipient: Recipient = recipient_for(
            recipient_key(group) if group else None,
            {pid: p.role for pid, p in self.people.items()})
        self.group = self.recipient.key
        self.notes = self.group is None if notes is None else notes
        self.addresses = self.group is None if addresses is None else addresses
        self._names = {f"person:{pid}": p.name for pid, p in self.people.items()}

    # ---- fields and lines ----------------------------------------------------------

    def field_groups(self, key: str) -> set[str]:
        return marked_groups(self.record.marks.get(key, ()))

    def withheld(self, groups: Iterable[str]) -> bool:
        return self.recipient.excluded_by(groups)

    def note(self, groups: Iterable[str], reason: str = "") -> str:
        return withheld_note(groups, reason, self._names) if self.notes else ""

    def field_withheld(self, key: str) -> bool:
        return self.withheld(self.field_groups(key))

    def field_note(self, key: str) -> str:
        return self.note(self.field_groups(key))

    def lines(self, key: str) -> list[tuple[str, frozenset[str]]]:
        """The field's lines, each with the recipients it is withheld from."""
        marks = self.record.line_marks.get(key, {})
        return [(line, marks.get(i, frozenset()))
                for i, line in enumerate(lines_of(self.record.texts.get(key, "")))]

    def _kept(self, key: str) -> list[tuple[str, frozenset[str]]]:
        """The lines this copy prints: a withheld line becomes a blank line (so the
        paragraph around it is split there rather than joined across it)."""
        if self.field_withheld(key):
            return []
        return [(line, groups) if not self.withheld(groups) else ("", frozenset())
                for line, groups in self.lines(key)]

    def text(self, key: str) -> str:
        """The field's text as this copy shows it ('' when the field is withheld)."""
        return "\n".join(line for line, _ in self._kept(key))

    def pieces(self, key: str) -> list[Piece]:
        """The field's paragraphs and bullets as this copy shows them. In the full record
        a run of lines withheld from someone is a paragraph of its own with its note."""
        out: list[Piece] = []
        run: list[str] = []
        run_groups: frozenset[str] = frozenset()

        def flush() -> None:
            if run:
                note = self.note(run_groups) if run_groups else ""
                out.extend(Piece(kind, text, note)
                           for kind, text in paragraphs(docx_safe("\n".join(run))))
                run.clear()

        for line, groups in self._kept(key):
            shown = groups if self.group is None else frozenset()
            if shown != run_groups:
                flush()
                run_groups = shown
            run.append(line)
        flush()
        return out

    # ---- decisions and people ------------------------------------------------------

    def decision_groups(self, decision: Decision) -> set[str]:
        return marked_groups(self.record.marks.get(f"decision:{decision.id}", ()))

    def decision_shown(self, decision: Decision) -> bool:
        return not self.withheld(self.decision_groups(decision))

    def decisions(self, decisions: Iterable[Decision]) -> list[tuple[Decision, str]]:
        """The decisions this copy shows, each with its note (full record only)."""
        return [(d, self.note(self.decision_groups(d))) for d in decisions
                if self.decision_shown(d)]

    def person_groups(self, person: Person) -> set[str]:
        return marked_groups(self.record.marks.get(f"person:{person.id}", ()))

    def person_shown(self, person: Person) -> bool:
        return not self.withheld(self.person_groups(person))

    def person_note(self, person: Person) -> str:
        return self.note(self.person_groups(person))

    def responsible(self, decision: Decision) -> str:
        """Who is responsible, as this copy may say it: a withheld person by role only."""
        person = self.people.get(decision.person_id) if decision.person_id else None
        if person is not None and not self.person_shown(person):
            return person.role
        if person is None and decision.person_id is not None and self.group is not None:
            # someone no longer in the network: name them only if nobody withheld them
            if self.withheld(marked_groups(self.record.marks.get(
                    f"person:{decision.person_id}", ()))):
                found = re.search(r"\(([^()]*)\)\s*$", decision.responsible)
                return found.group(1) if found else "Someone"
        return decision.responsible

    def address_groups(self, person: Person) -> tuple[set[str], str]:
        """(recipients the person's address is withheld from, why), when it has one."""
        groups = set(self.person_groups(person))
        reason = ""
        if self.record.placement_confidential and person.role in CARER_ROLES:
            groups.add("parents")
            reason = "confidential placement"
        return groups, reason

    def address_shown(self, person: Person) -> bool:
        if not person.address.strip():
            return False
        if self.group is None:
            return self.addresses
        groups, _ = self.address_groups(person)
        return person.share_address and self.person_shown(person) and not self.withheld(groups)

    def address(self, person: Person) -> tuple[str, str] | None:
        """(address on one line, note) if this copy shows the person's address."""
        if not self.address_shown(person):
            return None
        groups, reason = self.address_groups(person)
        note = self.note(groups, reason)
        if self.notes and not person.share_address:
            note = (note + "; " if note else "") + "not shared beyond this record"
        return one_line(person.address), note

    def placement_address(self) -> tuple[str, str] | None:
        """(the placement address, note) if this copy shows it: a confidential one only
        in the council's full record."""
        if not self.record.placement_address.strip():
            return None
        if self.record.placement_confidential:
            if self.group is not None or not self.addresses:
                return None
            return one_line(self.record.placement_address), (
                "Confidential placement: printed only in the council's record"
                if self.notes else "")
        return one_line(self.record.placement_address), ""

    # ---- checks --------------------------------------------------------------------

    def tag_problems(self) -> list[str]:
        """Where the record holds text that looks like a typed withholding tag."""
        from iro_desktop.core.reviews import TEXT_FIELDS

        problems = []
        for key in sorted(self.record.texts):
            for index in tag_like_lines(self.record.texts[key]):
                title = TEXT_FIELDS.get(key) or _agenda_title(self.record, key) or key
                problems.append(f"'{title}', line {index + 1}")
        return problems

    def forbidden(self, network: Iterable[Person] = ()) -> list[Forbidden]:
        """Everything this copy must not contain: withheld lines and fields, withheld
        decisions (and their updates), the names of withheld people, and every address
        it does not show. The council's full record has none."""
        if self.group is None and self.addresses:
            return []
        out: list[Forbidden] = []
        for key in self.record.texts:
            title = _agenda_title(self.record, key) or key
            whole = self.field_withheld(key)
            for index, (line, groups) in enumerate(self.lines(key)):
                if line.strip() and (whole or self.withheld(groups)):
                    out.append(Forbidden(line, f"line {index + 1} of '{title}'"))
        for decision in [*self.record.decisions, *self.record.earlier_decisions]:
            if not self.decision_shown(decision):
                where = f"a decision of review {decision.review_number} withheld from it"
                out.append(Forbidden(decision.text, where))
                if decision.update_comment.strip():
                    out.append(Forbidden(decision.update_comment, "the update of " + where))
        people = dict(self.people)
        for person in network:
            people.setdefault(person.id, person)
        # addresses the copy prints (a carer's may be the placement's): not forbidden; compared
        # as the check reads the finished copy (export/check.py)
        shown = " ".join(fold(a) for a in [
            *(p.address for p in people.values() if self.address_shown(p)),
            *([self.record.placement_address] if self.placement_address() else [])])
        for person in people.values():
            role = person.role.lower() or "someone"
            if not self.person_shown(person):
                out.append(Forbidden(person.name, f"the name of the {role} withheld from it"))
            if person.address.strip() and not self.address_shown(person):
                out.extend(Forbidden(line, f"the address of the {role}")
                           for line in address_lines(person.address)
                           if fold(line) not in shown)
        placement = self.record.placement_address
        if placement.strip() and self.placement_address() is None:
            out.extend(Forbidden(line, "the placement address")
                       for line in address_lines(placement))
        return out

    # ---- for the outbox ------------------------------------------------------------

    def anything_withheld(self, network: Iterable[Person] = ()) -> bool:
        """Whether this copy leaves anything out of the council's record."""
        return self.group is not None and bool(self.forbidden(network))


def _agenda_title(record: ReviewRecord, key: str) -> str:
    from iro_desktop.core.reviews import TEXT_FIELDS

    if key in TEXT_FIELDS:
        return TEXT_FIELDS[key]
    item = next((i for i in record.agenda if i.text_key == key), None)
    return item.title if item else ""


def one_line(text: str) -> str:
    return ", ".join(line.strip() for line in text.replace("\r", "\n").split("\n")
                     if line.strip())


def address_lines(address: str) -> list[str]:
    """The parts of an address that identify it (a house number, street or postcode):
    each line or comma-separated part holding a digit. A town alone is not checked."""
    parts = re.split(r"[\n\r,]+", address)
    found = [p.strip() for p in parts if re.search(r"\d", p) and len(p.strip()) >= 4]
    return found or ([one_line(address)] if address.strip() else [])


def who_gets(copy: Copy, copies: list[Copy]) -> str:
    """The people a copy is for, in words ("Dana Price, Lee Carter"), or why nobody."""
    if copy.people:
        return ", ".join(copy.people)
    if any(c.group.startswith("person:") for c in copies):
        return "no one else (some get a copy of their own, listed below)"
    return "nobody in the child's network yet"


def own_copy_people(record: ReviewRecord, network: Iterable[Person]) -> list[Person]:
    """The people who get a copy of their own: something is withheld from them by name,
    or their role belongs to no recipient group."""
    singled = {pid for marks in record.marks.values()
               for m in marked_groups(marks) if (pid := person_id_of(m)) is not None}
    singled |= {pid for field_marks in record.line_marks.values()
                for groups in field_marks.values() for g in groups
                if (pid := person_id_of(g)) is not None}
    return [p for p in network if p.id in singled or ROLE_GROUPS.get(p.role) is None]


def copies_for(record: ReviewRecord, network: Iterable[Person]) -> list[Copy]:
    """Which copy each recipient gets, with the names of the people it is for: the
    council the full record, the child the letter, everyone else their group's redacted
    copy, and a copy of their own for each person something is withheld from by name
    (or whose role is in no group)."""
    network = list(network)
    rec = record.child.record
    copies = [Copy(COUNCIL, _COPY_LABELS[COUNCIL], "full", (), False)]
    own = own_copy_people(record, network)
    for group in GROUPS:
        view = View(record, group, network)
        if group == "child":
            people: tuple[str, ...] = (f"{rec.first_name} {rec.last_name}".strip(),)
            variant = "letter"
        else:
            people = tuple(p.name for p in network
                           if ROLE_GROUPS.get(p.role) == group and p not in own)
            variant = f"redacted:{group}"
        copies.append(Copy(group, _COPY_LABELS[group], variant, people,
                           view.anything_withheld(network)))
    for person in own:
        key = f"person:{person.id}"
        view = View(record, key, network)
        copies.append(Copy(key, f"{person.name} ({person.role})", f"redacted:{key}",
                           (person.name,), view.anything_withheld(network)))
    return copies
