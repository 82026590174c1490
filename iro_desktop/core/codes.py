"""SSDA903 code tables (legal status, placement type, review participation, gender).

Each table is a :class:`CodeTable`: an ordinary ``dict`` of code -> full meaning,
in the order the codes should be offered, plus a ``name`` for messages
("legal status") and a parallel ``short`` dict of labels that fit in a table cell.

    >>> describe(LEGAL_STATUS, "c2")
    'C2 - Full care order'
    >>> short_label(PLACEMENT_TYPE, "U6")
    'U6 Foster care (other carer)'

Qt-free: the UI builds combo boxes from :func:`choices`.
"""

from __future__ import annotations

from collections.abc import Mapping


class CodeTable(dict[str, str]):
    """An ordered mapping code -> meaning with a display name and short labels."""

    name: str
    short: dict[str, str]

    def __init__(self, name: str, meanings: Mapping[str, str], short: Mapping[str, str]) -> None:
        super().__init__(meanings)
        unknown = set(short) - set(meanings)
        if unknown:  # a typo in the data below; fail at import time, not in the UI
            raise ValueError(f"short labels for unknown {name} codes: {sorted(unknown)}")
        self.name = name
        self.short = dict(short)

    def __repr__(self) -> str:
        return f"CodeTable({self.name!r}, {dict(self)!r})"


LEGAL_STATUS = CodeTable(
    "legal status",
    {
        "C1": "Interim care order",
        "C2": "Full care order",
        "D1": "Freeing order granted",
        "E1": "Placement order granted",
        "J1": "Remanded to local authority accommodation or to youth detention accommodation",
        "J2": "Placed in local authority accommodation under the Police and Criminal Evidence "
              "Act 1984 (PACE), including secure accommodation",
        "J3": "Sentenced to a youth rehabilitation order with residence or intensive "
              "fostering requirement",
        "L1": "Under police protection and in local authority accommodation",
        "L2": "Emergency protection order",
        "L3": "Under child assessment order and in local authority accommodation",
        "V2": "Single period of accommodation under section 20",
        "V3": "Accommodated under an agreed series of short-term breaks, when individual "
              "episodes of care are recorded",
        "V4": "Accommodated under an agreed series of short-term breaks, when agreements "
              "are recorded (not individual episodes of care)",
    },
    {
        "D1": "Freeing order",
        "E1": "Placement order",
        "J1": "Remanded",
        "J2": "PACE accommodation",
        "J3": "Youth rehabilitation order",
        "L1": "Police protection",
        "L3": "Child assessment order",
        "V2": "Section 20",
        "V3": "Short breaks (episodes)",
        "V4": "Short breaks (agreements)",
    },
)

PLACEMENT_TYPE = CodeTable(
    "placement type",
    {
        "A3": "Placed for adoption with parental/guardian consent with current foster carer(s)",
        "A4": "Placed for adoption with parental/guardian consent not with current "
              "foster carer(s)",
        "A5": "Placed for adoption with placement order with current foster carer(s) "
              "(FFA / concurrent planning)",
        "A6": "Placed for adoption with placement order not with current foster carer(s)",
        "H5": "Semi-independent living accommodation not subject to Children's Homes Regulations",
        "K1": "Secure children's home",
        "K2": "Children's home subject to Children's Homes Regulations",
        "P1": "Placed with own parent(s) or other person(s) with parental responsibility",
        "P2": "Independent living (e.g. flat, lodgings, bedsit, B&B or with friends)",
        "P3": "Residential employment",
        "R1": "Residential care home",
        "R2": "NHS/health trust or other establishment providing medical or nursing care",
        "R3": "Family centre or mother and baby unit",
        "R5": "Young offender institution",
        "S1": "Residential school (not dual-registered as a children's home)",
        "T0": "Temporary placement: all types of temporary move",
        "T1": "Temporary periods in hospital",
        "T2": "Temporary absence of the child on holiday",
        "T3": "Temporary accommodation while normal foster carers are on holiday",
        "T4": "Temporary accommodation of seven days or less, not covered by T1 to T3",
        "U1": "Foster placement with relative or friend - long-term fostering",
        "U2": "Foster placement with relative or friend who is also an approved adopter - "
              "FFA/concurrent planning",
        "U3": "Foster placement with relative or friend - not long-term or FFA",
        "U4": "Foster placement with other foster carer - long-term fostering",
        "U5": "Foster placement with other foster carer who is also an approved adopter - "
              "FFA/concurrent planning",
        "U6": "Foster placement with other foster carer - not long-term or FFA",
        "Z1": "Other placements",
    },
    {
        "A3": "Adoption (consent, current carers)",
        "A4": "Adoption (consent, new carers)",
        "A5": "Adoption (placement order, current carers)",
        "A6": "Adoption (placement order, new carers)",
        "H5": "Semi-independent living",
        "K2": "Children's home",
        "P1": "Placed with parents",
        "P2": "Independent living",
        "R2": "Health / medical care",
        "R3": "Family centre / mother and baby",
        "S1": "Residential school",
        "T0": "Temporary move",
        "T1": "Temporary: hospital",
        "T2": "Temporary: child on holiday",
        "T3": "Temporary: carers on holiday",
        "T4": "Temporary: 7 days or less",
        "U1": "Foster care (relative/friend, long-term)",
        "U2": "Foster care (relative/friend, FFA)",
        "U3": "Foster care (relative/friend)",
        "U4": "Foster care (other carer, long-term)",
        "U5": "Foster care (other carer, FFA)",
        "U6": "Foster care (other carer)",
        "Z1": "Other placement",
    },
)

PARTICIPATION = CodeTable(
    "participation",
    {
        "PN0": "Child aged under 4 at the time of the review",
        "PN1": "Child physically attends and speaks for themselves",
        "PN2": "Child physically attends and an advocate or the IRO conveys their views",
        "PN3": "Child physically attends and conveys their views non-verbally "
               "(e.g. by symbols)",
        "PN4": "Child physically attends but does not contribute (no speech, symbols "
               "or advocate)",
        "PN5": "Child does not attend but briefs an advocate or the IRO to speak for them "
               "(text, writing, phone, audio/video, Viewpoint)",
        "PN6": "Child does not attend but conveys their feelings by another medium "
               "(texting the chair, writing, phone, audio/video, Viewpoint)",
        "PN7": "Child does not attend and their views are not conveyed",
    },
    {
        "PN0": "Under 4",
        "PN1": "Attends, speaks for self",
        "PN2": "Attends, views put by advocate/IRO",
        "PN3": "Attends, non-verbal views",
        "PN4": "Attends, no contribution",
        "PN5": "Absent, briefs advocate/IRO",
        "PN6": "Absent, sends views",
        "PN7": "Absent, views not conveyed",
    },
)

GENDER = CodeTable(
    "gender",
    {"F": "Female", "M": "Male", "X": "Other or not stated"},
    {},
)

ALL_TABLES: tuple[CodeTable, ...] = (LEGAL_STATUS, PLACEMENT_TYPE, PARTICIPATION, GENDER)


def normalise(table: CodeTable, code: str) -> str | None:
    """The canonical (upper-case) form of ``code`` if it is in ``table``, else None."""
    key = code.strip().upper()
    return key if key in table else None


def is_valid(table: CodeTable, code: str) -> bool:
    """True if ``code`` (any case, surrounding spaces ignored) is in ``table``."""
    return normalise(table, code) is not None


def meaning(table: CodeTable, code: str) -> str:
    """The full meaning of ``code``; raises KeyError naming the table if unknown."""
    key = normalise(table, code)
    if key is None:
        raise KeyError(f"unknown {table.name} code {code!r}")
    return table[key]


def describe(table: CodeTable, code: str) -> str:
    """``"C2 - Full care order"``; an unknown code gives ``"C9 - unknown legal status code"``."""
    key = normalise(table, code)
    if key is None:
        return f"{code.strip()} - unknown {table.name} code"
    return f"{key} - {table[key]}"


def short_label(table: CodeTable, code: str) -> str:
    """A label short enough for a table cell, e.g. ``"K2 Children's home"``.

    Falls back to the full meaning when no short form is defined (it is already short),
    and to ``"C9 (unknown)"`` for an unknown code.
    """
    key = normalise(table, code)
    if key is None:
        return f"{code.strip()} (unknown)"
    return f"{key} {table.short.get(key, table[key])}"


def choices(table: CodeTable, *, short: bool = False) -> list[tuple[str, str]]:
    """``[(code, label), ...]`` in table order, for combo boxes and filters."""
    label = short_label if short else describe
    return [(code, label(table, code)) for code in table]


def codes_text(table: CodeTable) -> str:
    """``"C1, C2, D1, ..."``: the accepted codes, for error messages and help text."""
    return ", ".join(table)
