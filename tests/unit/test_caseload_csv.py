"""Caseload CSV parsing and validation (all or nothing, every problem reported by line)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from iro_desktop.core.caseload_csv import (
    MAX_FILE_BYTES,
    MAX_ISSUES,
    MAX_ROWS,
    CaseloadFile,
    ImportIssue,
    parse_caseload,
    parse_caseload_file,
)
from iro_desktop.core.models import Nation

from tests.conftest import REPO_ROOT as REPO
from tests.conftest import SAMPLE_CSV as SAMPLE
from tests.conftest import TEST_DATA

HOSTILE = json.loads((TEST_DATA / "hostile-text.json").read_text(encoding="utf-8"))
TODAY = date(2026, 11, 24)

COLUMNS = ["council_code", "council_name", "child_ref", "first_name", "last_name",
           "preferred_name", "date_of_birth", "gender", "legal_status", "placement_type",
           "date_became_looked_after", "last_review_date", "reviews_held", "social_worker",
           "notes"]
GOOD = {"council_code": "NBK", "council_name": "Northbrook City Council", "child_ref": "NB1",
        "first_name": "Rosie", "last_name": "Llewellyn", "preferred_name": "",
        "date_of_birth": "08/12/2014", "gender": "F", "legal_status": "C2",
        "placement_type": "U6", "date_became_looked_after": "26/08/2020",
        "last_review_date": "11/07/2026", "reviews_held": "3", "social_worker": "Jo Fielding",
        "notes": ""}


def row(n: int = 1, **changes: str) -> dict[str, str]:
    """A valid row with child_ref NB<n>, with some fields changed."""
    return {**GOOD, "child_ref": f"NB{n}", **changes}


def make(*rows: dict[str, str], columns: list[str] = COLUMNS, eol: str = "\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=eol)
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def parse(data: bytes) -> CaseloadFile:
    return parse_caseload(data, today=TODAY)


def where(result: CaseloadFile) -> list[tuple[int, str | None]]:
    return [(e.line, e.column) for e in result.errors]


def only_error(result: CaseloadFile) -> ImportIssue:
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    assert not result.ok and result.rows == [] and result.councils == {}
    return result.errors[0]


# --- the sample and the encodings a spreadsheet produces ----------------------------------

def test_sample_parses_cleanly() -> None:
    result = parse(SAMPLE.read_bytes())
    assert result.ok, [str(e) for e in result.errors]
    assert result.warnings == []
    assert len(result.rows) == 72
    assert list(result.councils) == ["NBK", "EMB", "VOH"]
    assert result.councils["VOH"].name == "Vale of Hafren Council"
    assert all(c.nation is None for c in result.councils.values())
    first = result.rows[0]
    assert (first.line, first.council_code) == (2, "NBK")
    rec = first.record
    assert (rec.child_ref, rec.first_name, rec.last_name, rec.preferred_name) == \
        ("NB927036", "Rosie", "Llewellyn", "")
    assert rec.date_of_birth == date(2024, 12, 8)
    assert (rec.gender, rec.legal_status, rec.placement_type) == ("M", "V2", "U1")
    assert rec.date_became_looked_after == date(2025, 8, 26)
    assert rec.last_review_date == date(2026, 7, 11)
    assert (rec.reviews_held, rec.social_worker, rec.notes) == (3, "Jo Fielding", "")
    assert result.rows[-1].line == 73
    assert {r.record.preferred_name for r in result.rows} >= {"Ser", "Arc", "Geo"}


def test_sample_from_file_path() -> None:
    result = parse_caseload_file(SAMPLE, today=TODAY)
    assert result.ok and len(result.rows) == 72


def _lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


@pytest.mark.parametrize("transform", [
    lambda b: codecs.BOM_UTF8 + b,
    lambda b: _lf(b).replace(b"\n", b"\r\n"),
    lambda b: codecs.BOM_UTF8 + _lf(b).replace(b"\n", b"\r\n") + b"\r\n",
    lambda b: _lf(b) + b"\n\n",
    lambda b: _lf(b).rstrip(b"\n"),
    lambda b: _lf(b).replace(b"\n", b"\r"),
], ids=["bom", "crlf", "bom-crlf-trailing-blank", "lf-trailing-blank-lines", "no-final-newline",
        "old-mac-cr"])
def test_bom_and_line_endings(transform) -> None:
    plain = parse(SAMPLE.read_bytes())
    result = parse(transform(SAMPLE.read_bytes()))
    assert result.ok, [str(e) for e in result.errors]
    assert result.rows == plain.rows


def test_iso_and_short_day_month_dates() -> None:
    result = parse(make(row(date_of_birth="2014-12-08", date_became_looked_after="6/8/2020",
                            last_review_date="2026-07-11")))
    assert result.ok
    rec = result.rows[0].record
    assert (rec.date_of_birth, rec.date_became_looked_after, rec.last_review_date) == \
        (date(2014, 12, 8), date(2020, 8, 6), date(2026, 7, 11))


def test_quoted_comma_and_newlines_in_notes_shift_line_numbers() -> None:
    data = make(row(1, notes="Likes art, music\nand football.\r\nSees Nan weekly"),
                row(2), row(3, reviews_held="two"), eol="\r\n")
    result = parse(data)
    assert where(result) == [(6, "reviews_held")]  # header 1, row 1 is lines 2-4, row 2 line 5
    ok = parse(make(row(1, notes="Likes art, music\nand football.\r\nSees Nan weekly"), row(2)))
    assert ok.rows[0].record.notes == "Likes art, music\nand football.\r\nSees Nan weekly"
    assert [r.line for r in ok.rows] == [2, 5]


def test_fields_trimmed_and_codes_case_insensitive() -> None:
    result = parse(make(row(first_name="  Rosie ", council_code=" nbk", gender="f",
                            legal_status="c2 ", placement_type="u6", reviews_held=" 3 ")))
    assert result.ok
    rec = result.rows[0].record
    assert (rec.first_name, rec.gender, rec.legal_status, rec.placement_type, rec.reviews_held) \
        == ("Rosie", "F", "C2", "U6", 3)
    assert result.rows[0].council_code == "NBK"


def test_optional_columns_may_be_absent() -> None:
    columns = [c for c in COLUMNS if c not in ("preferred_name", "social_worker", "notes",
                                               "last_review_date")]
    result = parse(make(row(reviews_held="0"), columns=columns))
    assert result.ok
    rec = result.rows[0].record
    assert (rec.preferred_name, rec.social_worker, rec.notes, rec.last_review_date) == \
        ("", "", "", None)


def test_headers_case_insensitive_unknown_column_warned() -> None:
    header = ",".join(f" {c.upper()} " if i % 2 else c.title() for i, c in enumerate(COLUMNS))
    data = make(row(), columns=COLUMNS + ["ethnicity"]).split(b"\n", 1)[1]
    result = parse(header.encode() + b",Ethnicity\n" + data)
    assert result.ok, [str(e) for e in result.errors]
    assert len(result.rows) == 1
    assert [(w.line, w.column) for w in result.warnings] == [(1, "ethnicity")]
    assert str(result.warnings[0]) == "line 1, ethnicity: unknown column 'ethnicity' is ignored"


# --- nation column -------------------------------------------------------------------------

def test_nation_column() -> None:
    columns = COLUMNS + ["nation"]
    result = parse(make(row(1, nation="England"),
                        row(2, council_code="VOH", council_name="Vale of Hafren Council",
                            nation="cymru"),
                        row(3, council_code="VOH", council_name="Vale of Hafren Council"),
                        columns=columns))
    assert result.ok
    assert result.councils["NBK"].nation is Nation.ENGLAND
    assert result.councils["VOH"].nation is Nation.WALES


def test_nation_conflict_and_unknown_value() -> None:
    columns = COLUMNS + ["nation"]
    result = parse(make(row(1, nation="Wales"), row(2, nation="England"), row(3, nation="Scotland"),
                        columns=columns))
    assert where(result) == [(3, "nation"), (4, "nation")]
    assert "England here but Wales on line 2" in result.errors[0].message
    assert "use England or Wales" in result.errors[1].message


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("31/02/2020", "31/02/2020 is not a real date"),
    ("2020-13-01", "2020-13-01 is not a real date"),
    ("yesterday", "'yesterday' is not a date; write dates as dd/mm/yyyy"),
    ("08/12/14", "two-digit year"),
    ("08.12.2014", "is not a date"),
    ("01/01/1850", "before 1900"),
])
def test_bad_dates(value: str, message: str) -> None:
    error = only_error(parse(make(row(), row(2, date_of_birth=value))))
    assert (error.line, error.column) == (3, "date_of_birth")
    assert message in error.message


def test_required_fields_empty() -> None:
    result = parse(make(row(first_name="", date_of_birth=" ", gender="", reviews_held="")))
    assert where(result) == [(2, "first_name"), (2, "date_of_birth"), (2, "gender"),
                             (2, "reviews_held")]
    assert str(result.errors[0]) == "line 2, first_name: first_name is required but empty"


def test_dob_after_became_looked_after() -> None:
    error = only_error(parse(make(row(date_of_birth="01/05/2020",
                                      date_became_looked_after="01/03/2020"))))
    assert (error.line, error.column) == (2, "date_of_birth")
    assert error.message == ("date of birth 01/05/2020 is after the date became looked after "
                             "01/03/2020")


def test_future_dates() -> None:
    result = parse(make(row(1, date_of_birth="25/11/2026", date_became_looked_after="26/11/2026",
                            last_review_date="", reviews_held="0"),
                        row(2, last_review_date="2026-12-01")))
    assert where(result) == [(2, "date_of_birth"), (2, "date_became_looked_after"),
                             (3, "last_review_date")]
    assert "in the future (today is 24/11/2026)" in result.errors[0].message


def test_today_itself_is_allowed() -> None:
    assert parse(make(row(date_of_birth="24/11/2026", date_became_looked_after="24/11/2026",
                          last_review_date="24/11/2026", reviews_held="1"))).ok


def test_last_review_before_looked_after() -> None:
    error = only_error(parse(make(row(last_review_date="01/01/2019"))))
    assert (error.line, error.column) == (2, "last_review_date")
    assert "before the date became looked after 26/08/2020" in error.message


# --- numbers and codes ---------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("two", "'two' is not a whole number"),
    ("-1", "from 0 to 200, not -1"),
    ("201", "from 0 to 200, not 201"),
    ("3.0", "not a whole number"),
    ("٣", "not a whole number"),
])
def test_bad_reviews_held(value: str, message: str) -> None:
    error = only_error(parse(make(row(reviews_held=value))))
    assert (error.line, error.column) == (2, "reviews_held")
    assert message in error.message


def test_reviews_held_against_last_review_date() -> None:
    result = parse(make(row(1, reviews_held="2", last_review_date=""),
                        row(2, reviews_held="0", last_review_date="01/01/2026"),
                        row(3, reviews_held="0", last_review_date="")))
    assert where(result) == [(2, "last_review_date"), (3, "reviews_held")]
    assert result.errors[0].message == "reviews held is 2 but there is no last review date"


def test_unknown_codes() -> None:
    result = parse(make(row(legal_status="C9", placement_type="U7", gender="Q")))
    assert where(result) == [(2, "gender"), (2, "legal_status"), (2, "placement_type")]
    assert result.errors[1].message.startswith(
        "unknown legal status code 'C9' (expected one of C1, C2, D1, E1")
    assert "expected one of F, M, X" in result.errors[0].message


@pytest.mark.parametrize("code", ["N", "N B", "ABCDEFGHIJK", "NB-K", "ÑBK"])
def test_bad_council_code(code: str) -> None:
    error = only_error(parse(make(row(council_code=code))))
    assert (error.line, error.column) == (2, "council_code")


# --- text fields ---------------------------------------------------------------------------

@pytest.mark.parametrize("column, limit", [("first_name", 100), ("last_name", 100),
                                           ("preferred_name", 100), ("child_ref", 40),
                                           ("social_worker", 100), ("notes", 4000)])
def test_length_caps(column: str, limit: int) -> None:
    assert parse(make(row(**{column: "a" * limit}))).ok
    error = only_error(parse(make(row(**{column: "a" * (limit + 1)}))))
    assert (error.line, error.column) == (2, column)
    assert f"the most allowed is {limit:,}" in error.message


@pytest.mark.parametrize("name", ["Ro\tsie", "Ro\nsie", "Ro\x07sie", "Ro\x1b[31msie", "Ro\x85sie",
                                  "Ro\u202esie", "Ro\ufffesie", "Ro\u2028sie"])
def test_control_characters_in_a_name_rejected(name: str) -> None:
    error = only_error(parse(make(row(), row(2, first_name=name))))
    assert (error.line, error.column) == (3, "first_name")
    assert "character" in error.message or "line break" in error.message or "tab" in error.message
    assert "\x1b" not in error.message and "\u202e" not in error.message


def test_notes_allow_tabs_and_newlines_but_not_other_controls() -> None:
    assert parse(make(row(notes="a\tb\nc"))).rows[0].record.notes == "a\tb\nc"
    for text, code in [("bell\x07", "U+0007"), ("sep\u2028x", "U+2028"), ("\u202eabc", "U+202E")]:
        error = only_error(parse(make(row(notes=text))))
        assert (error.line, error.column) == (2, "notes")
        assert code in error.message and "only notes" not in error.message


def test_value_beyond_csv_field_limit_rejected_cleanly() -> None:
    error = only_error(parse(make(row(1), row(2, notes="x" * 200_000), row(3))))
    assert error.line == 3 and "longer than" in error.message


def test_unicode_names_accepted_intact() -> None:
    result = parse(make(row(first_name="Zoë Ł.", last_name="Núñez", preferred_name="李小龍",
                            social_worker="محمد علي")))
    assert result.ok
    rec = result.rows[0].record
    assert (rec.first_name, rec.last_name, rec.preferred_name, rec.social_worker) == \
        ("Zoë Ł.", "Núñez", "李小龍", "محمد علي")


# --- across rows ---------------------------------------------------------------------------

def test_duplicate_child_ref_names_both_lines() -> None:
    result = parse(make(row(1), row(2), row(1, first_name="Other"),
                        row(1, council_code="EMB", council_name="Eastmere Borough Council")))
    error = only_error(result)
    assert (error.line, error.column) == (4, "child_ref")
    assert error.message == "child_ref 'NB1' for council NBK also appears on line 2"


def test_duplicate_child_ref_ignores_case() -> None:
    error = only_error(parse(make(row(1, child_ref="nb1"), row(1, child_ref="NB1"))))
    assert (error.line, error.column) == (3, "child_ref")


def test_same_code_different_council_name() -> None:
    error = only_error(parse(make(row(1), row(2, council_name="Northbrook County Council"),
                                  row(3, council_name="northbrook  city council"))))
    assert (error.line, error.column) == (3, "council_name")
    assert "on line 2" in error.message


def test_same_council_name_different_codes_warns() -> None:
    result = parse(make(row(1), row(2, council_code="NBC"), row(3, council_code="NBC")))
    assert result.ok
    assert [(w.line, w.column) for w in result.warnings] == [(3, "council_code")]
    assert "NBK on line 2" in result.warnings[0].message
    assert list(result.councils) == ["NBK", "NBC"]


def test_child_aged_18_or_over_is_a_warning() -> None:
    result = parse(make(row(1, date_of_birth="24/11/2008"), row(2, date_of_birth="25/11/2008")))
    assert result.ok and len(result.rows) == 2
    assert [(w.line, w.column) for w in result.warnings] == [(2, "date_of_birth")]
    assert "aged 18" in result.warnings[0].message


# --- file structure ------------------------------------------------------------------------

def test_missing_required_columns_one_error() -> None:
    columns = [c for c in COLUMNS if c not in ("gender", "reviews_held")]
    error = only_error(parse(make(row(), columns=columns)))
    assert (error.line, error.column) == (1, None)
    assert error.message == "missing required columns: gender, reviews_held"


def test_semicolon_file_gets_a_hint() -> None:
    error = only_error(parse(b"council_code;council_name\nNBK;Northbrook\n"))
    assert "semicolons" in error.message


def test_duplicate_column() -> None:
    error = only_error(parse(make(row(), columns=COLUMNS + ["Notes"])))
    assert (error.line, error.column) == (1, "notes")
    assert "appears twice" in error.message


def test_wrong_number_of_fields() -> None:
    data = make(row(1), row(2)) + b"NBK,Northbrook City Council,NB3,Rosie\n"
    error = only_error(parse(data))
    assert (error.line, error.column) == (4, None)
    assert "4 values but the header has 15 columns" in error.message


@pytest.mark.parametrize("data", [b"", b"\n\n", make(), make(eol="\r\n") + b"\r\n",
                                  codecs.BOM_UTF8 + make()])
def test_no_children(data: bytes) -> None:
    error = only_error(parse(data))
    assert error.message == "the file has no children in it"


def test_only_empty_rows_means_no_children_on_header_line() -> None:
    error = only_error(parse(b"\n" + make() + b",,,\n,,,,,,,,,,,,,,\n"))
    assert (error.line, error.message) == (2, "the file has no children in it")


def test_rows_of_empty_cells_are_ignored() -> None:
    result = parse(make(row(1)) + b",,,,,,,,,,,,,,\n")
    assert result.ok and len(result.rows) == 1
    assert [(w.line, w.message) for w in result.warnings] == [(3, "empty row ignored")]


def test_latin1_file_rejected_once() -> None:
    data = make(row(1), row(2, first_name="Zoë")).decode().encode("latin-1")
    error = only_error(parse(data))
    assert error.line == 3
    assert "not UTF-8" in error.message and "CSV UTF-8" in error.message


def test_utf16_file_rejected() -> None:
    error = only_error(parse(make(row()).decode().encode("utf-16")))
    assert "not UTF-8" in error.message


def test_nul_byte_rejected() -> None:
    error = only_error(parse(make(row(1), row(2, notes="a\x00b"))))
    assert error.line == 3 and "NUL" in error.message


def test_unclosed_quote() -> None:
    data = make(row(1), row(2)) + b'NBK,Northbrook City Council,"NB3,Rosie\n'
    error = only_error(parse(data))
    assert error.line == 4 and "never closed" in error.message


def test_text_after_closing_quote() -> None:
    data = make(row(1)) + b'NBK,"Northbrook" City Council,NB3\n'
    error = only_error(parse(data))
    assert error.line == 3 and '("")' in error.message


def test_bad_row_deep_in_a_large_file_reported_by_line() -> None:
    rows = [row(n) for n in range(1, 2001)]
    rows[1498] = row(1499, date_of_birth="31/02/2020")  # data row 1499 sits on line 1500
    result = parse(make(*rows))
    assert where(result) == [(1500, "date_of_birth")]
    assert result.rows == []


def test_every_error_reported_but_list_capped() -> None:
    result = parse(make(*[row(n, gender="Q", reviews_held="x") for n in range(1, 301)]))
    assert len(result.errors) == MAX_ISSUES + 1
    assert result.errors[-1].message == "... and 100 more errors"
    assert str(result.errors[-1]) == "... and 100 more errors"
    assert result.errors[0].line == 2 and result.errors[MAX_ISSUES - 1].line == 251


def test_errors_sorted_by_line_and_all_reported() -> None:
    result = parse(make(row(1, gender="Q"), row(2), row(1), row(4, legal_status="C9")))
    assert where(result) == [(2, "gender"), (4, "child_ref"), (5, "legal_status")]


def test_size_cap_on_bytes() -> None:
    error = only_error(parse(b"a" * (MAX_FILE_BYTES + 1)))
    assert "10 MB" in error.message


def test_size_cap_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: would be all NULs if read
    error = only_error(parse_caseload_file(big, today=TODAY))
    assert "10 MB" in error.message


def test_file_path_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        parse_caseload_file(tmp_path / "missing.csv")
    assert "not an ordinary file" in only_error(parse_caseload_file(tmp_path)).message


def test_row_cap() -> None:
    line = ",".join(GOOD[c] for c in COLUMNS).encode() + b"\n"
    data = make() + line * (MAX_ROWS + 1)
    error = only_error(parse(data))
    assert error.line == MAX_ROWS + 2
    assert "more than 20,000 rows" in error.message


def test_import_issue_str() -> None:
    assert str(ImportIssue(12, "date_of_birth", "31/02/2020 is not a real date")) == \
        "line 12, date_of_birth: 31/02/2020 is not a real date"
    assert str(ImportIssue(1, None, "x")) == "line 1: x"
    assert str(ImportIssue(0, None, "x")) == "x"


# --- hostile text --------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_in_notes_accepted_intact_or_rejected_clearly(text: str) -> None:
    result = parse(make(row(1), row(2, notes=text), row(3)))
    if result.ok:
        assert result.rows[1].record.notes == text.strip(" \t\r\n\u00a0")
        breaks = len(re.findall(r"\r\n|\r|\n", text))
        assert [r.line for r in result.rows] == [2, 3, 4 + breaks]
    else:
        error = only_error(result)
        assert error.line == 3
        assert error.column in ("notes", None)
        assert len(error.message) < 300
        assert not any(ch in error.message for ch in "\x00\x07\x1b\u202e")


@pytest.mark.parametrize("text", [t for t in HOSTILE
                                  if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in t)])
def test_hostile_control_text_in_a_name_rejected(text: str) -> None:
    result = parse(make(row(1), row(2, last_name=text)))
    error = only_error(result)
    assert error.line == 3
    assert error.column == ("last_name" if "\x00" not in text else None)


def test_hostile_printable_text_in_names_kept_verbatim() -> None:
    for text in ["O'Brien-Smith", "<script>alert(1)</script>", "'; DROP TABLE review; --",
                 "%s %d %n %x", "${HOME} $(rm -rf /)", "Ends with backslash \\"]:
        result = parse(make(row(first_name=text)))
        assert result.ok and result.rows[0].record.first_name == text


def test_example_in_the_format_document_is_valid() -> None:
    doc = (REPO / "docs" / "caseload-csv.md").read_text(encoding="utf-8")
    example = re.search(r"```csv\n(.*?)```", doc, re.S)
    assert example is not None
    result = parse(example.group(1).encode("utf-8"))
    assert result.ok and result.warnings == [] and len(result.rows) == 3


# ---- carers ---------------------------------------------------------------------------------


def test_carers_column_is_read_as_names_with_relationships() -> None:
    columns = [*COLUMNS, "carers"]
    result = parse(make(row(1, carers="Jane Smith (foster carer) ;  Tom  Smith"),
                        row(2, carers=""), columns=columns))
    assert not result.errors
    assert [r.record.carers for r in result.rows] == ["Jane Smith (foster carer); Tom Smith", ""]


@pytest.mark.parametrize("carers", ["(foster carer)", "Jane (mother) (carer)",
                                    "Jane Smith (foster carer", "Jane) Smith"])
def test_a_carer_not_written_as_name_and_relationship_is_an_error(carers: str) -> None:
    result = parse(make(row(1, carers=carers), columns=[*COLUMNS, "carers"]))
    assert not result.rows
    (issue,) = result.errors
    assert (issue.line, issue.column) == (2, "carers")
    assert "relationship in brackets" in issue.message


def test_a_carer_with_an_overlong_relationship_is_an_error() -> None:
    result = parse(make(row(1, carers=f"Jane Smith ({'x' * 101})"),
                        columns=[*COLUMNS, "carers"]))
    (issue,) = result.errors
    assert issue.column == "carers" and "at most 100" in issue.message
