"""SSDA903 code tables and their helpers."""

from __future__ import annotations

import json

import pytest

from iro_desktop.core import codes
from iro_desktop.core.codes import (
    ALL_TABLES,
    GENDER,
    LEGAL_STATUS,
    PARTICIPATION,
    PLACEMENT_TYPE,
    choices,
    codes_text,
    describe,
    is_valid,
    meaning,
    normalise,
    short_label,
)


def test_legal_status_codes_in_order() -> None:
    assert list(LEGAL_STATUS) == ["C1", "C2", "D1", "E1", "J1", "J2", "J3",
                                  "L1", "L2", "L3", "V2", "V3", "V4"]
    assert LEGAL_STATUS["C2"] == "Full care order"
    assert LEGAL_STATUS["V2"] == "Single period of accommodation under section 20"
    assert "youth detention" in LEGAL_STATUS["J1"]


def test_placement_type_codes() -> None:
    assert list(PLACEMENT_TYPE) == [
        "A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5",
        "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"]
    assert PLACEMENT_TYPE["A5"] == ("Placed for adoption with placement order with current "
                                    "foster carer(s) (FFA / concurrent planning)")
    assert PLACEMENT_TYPE["K2"] == "Children's home subject to Children's Homes Regulations"
    assert PLACEMENT_TYPE["U6"] == "Foster placement with other foster carer - not long-term or FFA"


def test_participation_and_gender() -> None:
    assert list(PARTICIPATION) == [f"PN{i}" for i in range(8)]
    assert "under 4" in PARTICIPATION["PN0"]
    assert "not conveyed" in PARTICIPATION["PN7"]
    assert GENDER == {"F": "Female", "M": "Male", "X": "Other or not stated"}


def test_tables_are_plain_ordered_dicts() -> None:
    for table in ALL_TABLES:
        assert isinstance(table, dict)
        assert json.loads(json.dumps(table)) == dict(table)
        assert all(code == code.upper() and meaning_ for code, meaning_ in table.items())
        assert set(table.short) <= set(table)
        assert table.name


def test_describe() -> None:
    assert describe(LEGAL_STATUS, "C2") == "C2 - Full care order"
    assert describe(LEGAL_STATUS, " c2 ") == "C2 - Full care order"
    assert describe(GENDER, "x") == "X - Other or not stated"
    assert describe(LEGAL_STATUS, "C9") == "C9 - unknown legal status code"


def test_is_valid_and_normalise() -> None:
    assert is_valid(PLACEMENT_TYPE, "u6")
    assert is_valid(PARTICIPATION, "PN7")
    assert not is_valid(PARTICIPATION, "PN8")
    assert not is_valid(LEGAL_STATUS, "")
    assert not is_valid(LEGAL_STATUS, "U6")  # a placement code is not a legal status
    assert normalise(PLACEMENT_TYPE, " k2") == "K2"
    assert normalise(PLACEMENT_TYPE, "K9") is None


def test_meaning_raises_for_unknown() -> None:
    assert meaning(LEGAL_STATUS, "e1") == "Placement order granted"
    with pytest.raises(KeyError, match="legal status"):
        meaning(LEGAL_STATUS, "Z9")


def test_short_labels() -> None:
    assert short_label(PLACEMENT_TYPE, "U6") == "U6 Foster care (other carer)"
    assert short_label(PLACEMENT_TYPE, "K2") == "K2 Children's home"
    assert short_label(LEGAL_STATUS, "C2") == "C2 Full care order"  # already short
    assert short_label(LEGAL_STATUS, "V2") == "V2 Section 20"
    assert short_label(PLACEMENT_TYPE, "Q1") == "Q1 (unknown)"


def test_every_short_label_fits_a_table_cell() -> None:
    for table in ALL_TABLES:
        for code in table:
            assert len(short_label(table, code)) <= 45, (table.name, code)


def test_choices_and_codes_text() -> None:
    assert choices(GENDER) == [("F", "F - Female"), ("M", "M - Male"),
                               ("X", "X - Other or not stated")]
    assert choices(PLACEMENT_TYPE, short=True)[0] == ("A3", "A3 Adoption (consent, current carers)")
    assert codes_text(LEGAL_STATUS).startswith("C1, C2, D1, E1")


def test_short_labels_for_unknown_codes_rejected_at_definition() -> None:
    with pytest.raises(ValueError, match="unknown"):
        codes.CodeTable("test", {"A": "a"}, {"B": "b"})
