"""Plain domain objects shared by the services, storage and the window.

They carry no behaviour that touches storage or Qt: repositories turn rows into
these, services hand lists of them to the UI.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date


class Nation(enum.StrEnum):
    """The rule set a council's reviews follow."""

    ENGLAND = "england"
    WALES = "wales"

    @property
    def label(self) -> str:
        return "England" if self is Nation.ENGLAND else "Wales"

    @classmethod
    def parse(cls, text: str) -> "Nation":
        value = text.strip().lower()
        aliases = {"e": cls.ENGLAND, "eng": cls.ENGLAND, "england": cls.ENGLAND,
                   "w": cls.WALES, "wal": cls.WALES, "wales": cls.WALES, "cymru": cls.WALES}
        try:
            return aliases[value]
        except KeyError:
            raise ValueError(f"unknown nation {text!r}: use England or Wales") from None


@dataclass(frozen=True, slots=True)
class Council:
    """A council (data controller) the IRO works for; one encrypted database each."""

    id: str  # random vault-internal id, also names the database file
    code: str  # e.g. "NBK"
    name: str
    nation: Nation
    colour: str = "#4a6fa5"


@dataclass(frozen=True, slots=True)
class ChildRecord:
    """The caseload facts about one looked-after child, as imported or edited."""

    child_ref: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: date
    gender: str  # F, M or X
    legal_status: str  # SSDA903 legal status code
    placement_type: str  # SSDA903 placement code
    date_became_looked_after: date
    reviews_held: int
    last_review_date: date | None
    social_worker: str = ""
    notes: str = ""
    carers: str = ""  # "Name (relationship); ...": see carer_list()

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.preferred_name)


def display_name(first: str, last: str, preferred: str) -> str:
    """A child's name as shown: "First (Preferred) Last" when the preferred name differs."""
    if preferred and preferred != first:
        return f"{first} ({preferred}) {last}"
    return f"{first} {last}"


_CARER = re.compile(r"\s*([^()]*?)\s*(?:\(([^()]*)\))?\s*")


def carer_list(text: str) -> list[tuple[str, str]]:
    """The carers written as ``"Name (relationship); Name"``: (name, relationship) pairs.

    Raises ValueError, naming the entry's position, for an entry that is not a name with
    at most one relationship in brackets (so a stray bracket is never read as a name)."""
    carers = []
    for position, entry in enumerate(text.split(";"), start=1):
        if not entry.strip():
            continue
        match = _CARER.fullmatch(entry)
        if match is None or not match.group(1):
            raise ValueError(f"carer {position} is not written as a name with the "
                             "relationship in brackets, e.g. \"Jane Smith (foster carer)\"")
        carers.append((" ".join(match.group(1).split()),
                       " ".join((match.group(2) or "").split())))
    return carers


@dataclass(frozen=True, slots=True)
class Child:
    """A child as held in one council's database."""

    id: int
    council_id: str
    record: ChildRecord
    extra: dict[str, str] = field(default_factory=dict)
