"""Structured data for the council's return: review JSON, the CSV and `iro-desktop review-data`."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.helpers import cli, closed_reviews_vault  # noqa: F401 - fixture
from iro_desktop.cli import run
from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services import returns
from iro_desktop.services.reviews import ReviewService

JSON_KEYS = {"schema_version", "council_code", "council_name", "child_ref", "review_number",
             "review_date", "status", "participation_code", "participation_meaning",
             "advocate_offered", "advocate_used", "child_chaired", "next_review_date",
             "finalised_at", "decisions", "earlier_decisions_updated", "attendance"}
EVER = (date(2000, 1, 1), date(2100, 12, 31))
VIEWS_FRAGMENTS = ("I like living with Sam", "see my brother more", "football on Saturdays",
                   "To stay here", "Mind of My Own", "spoke alone")
NETWORK_NAMES = ("Sam Whitfield", "Whitfield", "Dana Price", "Okafor", "Priya Shah")


def _refs(vault) -> dict[str, returns.ReviewRef]:  # type: ignore[no-untyped-def]
    return {r.summary.status.value: r for r in returns.reviews_in_range(vault, *EVER)}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ---- JSON ------------------------------------------------------------------------------


def test_json_of_the_finalised_review(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    ref = _refs(vault)["finalised"]
    data = returns.review_json(vault, ref.council.id, ref.summary.id)
    assert set(data) == JSON_KEYS
    assert data["schema_version"] == returns.SCHEMA_VERSION == "1.0"
    assert data["council_code"] == ref.council.code and data["council_name"] == ref.council.name
    assert data["child_ref"] == ref.child_ref
    assert data["review_number"] == ref.summary.number
    assert data["review_date"] == ref.summary.held_date.isoformat()
    assert data["status"] == "finalised"
    assert data["participation_code"] == "PN1"
    assert data["participation_meaning"] == "Child physically attends and speaks for themselves"
    assert data["advocate_offered"] is True and data["advocate_used"] is False
    assert data["child_chaired"] == "no"
    assert date.fromisoformat(str(data["next_review_date"])) == (
        ref.summary.held_date + timedelta(days=180))
    assert data["finalised_at"] and "T" in str(data["finalised_at"])
    decisions = data["decisions"]
    assert isinstance(decisions, list) and len(decisions) == 3
    assert all(set(d) == {"text", "responsible", "due_date", "agenda_key", "status"}
               for d in decisions)
    assert [d["agenda_key"] for d in decisions] == ["health", "family_time", "education"]
    assert [d["responsible"] for d in decisions] == ["Carer", "Social worker", "Virtual school"]
    assert all(d["status"] == "open" and date.fromisoformat(d["due_date"]) for d in decisions)
    assert data["earlier_decisions_updated"] == []
    attendance = data["attendance"]
    assert isinstance(attendance, list) and len(attendance) == 5
    assert all(set(a) == {"role", "status"} for a in attendance)
    assert attendance[0] == {"role": "Carer", "status": "attended"}
    json.dumps(data)  # serialisable as is


def test_json_carries_no_names_and_no_views(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    for ref in _refs(vault).values():
        record = ReviewService(vault).record(ref.council.id, ref.summary.id)
        child = record.child.record
        text = json.dumps(returns.review_json(vault, ref.council.id, ref.summary.id),
                          ensure_ascii=False)
        names = [child.first_name, child.last_name, child.preferred_name, child.social_worker]
        for forbidden in [n for n in names if n] + list(NETWORK_NAMES) + list(VIEWS_FRAGMENTS):
            assert forbidden not in text, forbidden
        for value in record.texts.values():  # no free text of the record at all
            assert not value or value not in text


def test_json_of_the_planned_review_has_nulls(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    ref = _refs(vault)["planned"]
    data = returns.review_json(vault, ref.council.id, ref.summary.id)
    assert data["status"] == "planned"
    assert data["review_date"] == ref.summary.planned_date.isoformat()
    assert data["participation_code"] is None and data["participation_meaning"] is None
    assert data["finalised_at"] is None and data["next_review_date"] is None
    assert data["decisions"] == [] and data["attendance"] == []


# ---- CSV -------------------------------------------------------------------------------


def test_csv_lists_every_review_with_a_header(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    text = returns.reviews_csv(demo_vault_with_reviews, *EVER)
    assert text.splitlines()[0] == ",".join(returns.CSV_COLUMNS)
    rows = _rows(text)
    assert sorted(r["status"] for r in rows) == ["finalised", "planned", "recording"]
    by_status = {r["status"]: r for r in rows}
    assert by_status["finalised"]["participation_code"] == "PN1"
    assert by_status["finalised"]["decisions_made"] == "3"
    assert by_status["recording"]["decisions_made"] == "3"
    assert by_status["planned"]["decisions_made"] == "0"
    assert by_status["planned"]["held_on_time"] == ""  # not held
    assert all(r["held_on_time"] in ("", "yes", "no") for r in rows)


def test_csv_date_range_is_inclusive(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    ref = _refs(vault)["finalised"]
    day = ref.summary.date
    assert day is not None

    def refs_of(start: date, end: date) -> set[str]:
        return {r["child_ref"] for r in _rows(returns.reviews_csv(vault, start, end))}

    assert ref.child_ref in refs_of(day, day)  # both ends inclusive
    assert ref.child_ref in refs_of(day - timedelta(days=3), day)
    assert ref.child_ref in refs_of(day, day + timedelta(days=3))
    assert ref.child_ref not in refs_of(day + timedelta(days=1), day + timedelta(days=30))
    assert ref.child_ref not in refs_of(day - timedelta(days=30), day - timedelta(days=1))
    assert _rows(returns.reviews_csv(vault, date(2000, 1, 1), date(2000, 12, 31))) == []
    with pytest.raises(returns.ReturnsError):
        returns.reviews_csv(vault, day, day - timedelta(days=1))


def test_csv_council_filter(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    ref = _refs(vault)["finalised"]
    rows = _rows(returns.reviews_csv(vault, *EVER, council_code=ref.council.code.lower()))
    assert [(r["council_code"], r["child_ref"]) for r in rows] == [
        (ref.council.code, ref.child_ref)]
    with pytest.raises(returns.ReturnsError, match="no council"):
        returns.reviews_csv(vault, *EVER, council_code="ZZZ")


@pytest.mark.parametrize("value", ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tx", "\rx",
                                   "=HYPERLINK(\"http://x\")"])
def test_formula_like_cells_are_quoted(value: str) -> None:
    assert returns.escape_cell(value) == "'" + value


@pytest.mark.parametrize(("value", "expected"), [
    ("NB123", "NB123"), ("2026-01-01", "2026-01-01"), (3, "3"), (None, ""), ("", ""),
    ("a=b", "a=b")])
def test_ordinary_cells_are_unchanged(value: object, expected: str) -> None:
    assert returns.escape_cell(value) == expected


def test_parse_day_accepts_iso_and_british() -> None:
    assert returns.parse_day("2026-04-01") == date(2026, 4, 1)
    assert returns.parse_day(" 01/04/2026 ") == date(2026, 4, 1)
    for bad in ("2026-13-01", "31/02/2026", "yesterday", "", "2026/04/01"):
        with pytest.raises(ValueError):
            returns.parse_day(bad)


# ---- the command line ------------------------------------------------------------------




def test_cli_writes_csv_and_json_and_refuses_to_overwrite(closed_reviews_vault: Path,
                                                           tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    outdir.mkdir()
    csv_file, json_file = outdir / "reviews.csv", outdir / "reviews.json"
    span = ["--from", "01/01/2000", "--to", "2100-12-31"]

    code, out, err = cli(closed_reviews_vault, "review-data", *span, "--csv", str(csv_file))
    assert code == 0, err
    assert str(csv_file.resolve()) in out and "not encrypted" in out.lower()
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    rows = _rows(csv_file.read_text("utf-8-sig"))
    assert sorted(r["status"] for r in rows) == ["finalised", "planned", "recording"]

    code, out, err = cli(closed_reviews_vault, "review-data", *span, "--json", str(json_file))
    assert code == 0, err
    assert str(json_file.resolve()) in out and "not encrypted" in out.lower()
    items = json.loads(json_file.read_text("utf-8"))
    assert len(items) == 3 and all(set(i) == JSON_KEYS for i in items)
    if os.name == "posix":
        for target in (csv_file, json_file):
            assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in outdir.iterdir()) == ["reviews.csv", "reviews.json"]

    before = csv_file.read_bytes()
    code, out, err = cli(closed_reviews_vault, "review-data", "--from", "2000-01-01",
                         "--to", "2000-12-31", "--csv", str(csv_file))
    assert code != 0 and "--force" in err and csv_file.read_bytes() == before

    council = items[0]["council_code"]
    code, out, err = cli(closed_reviews_vault, "review-data", *span, "--council", council,
                         "--json", str(json_file), "--force")
    assert code == 0, err
    assert [i["council_code"] for i in json.loads(json_file.read_text("utf-8"))] == [council]


@pytest.mark.parametrize("span", [
    ("--from", "32/01/2026", "--to", "2026-02-01"),
    ("--from", "2026-01-01", "--to", "next week"),
    ("--from", "2026-02-01", "--to", "2026-01-01"),
])
def test_cli_bad_dates_exit_2(closed_reviews_vault: Path, tmp_path: Path,
                              span: tuple[str, ...]) -> None:
    target = tmp_path / "reviews.csv"
    code, out, err = cli(closed_reviews_vault, "review-data", *span, "--csv", str(target))
    assert code == 2
    assert err.startswith("iro-desktop: ") and ("date" in err or "after" in err)
    assert not target.exists()


def test_cli_unknown_council_exit_2(closed_reviews_vault: Path, tmp_path: Path) -> None:
    target = tmp_path / "reviews.json"
    code, out, err = cli(closed_reviews_vault, "review-data", "--from", "2000-01-01",
                         "--to", "2100-01-01", "--council", "ZZZ", "--json", str(target))
    assert code == 2 and "no council" in err and not target.exists()


def test_csv_held_on_time_follows_the_previous_review(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    ref = _refs(vault)["finalised"]
    service = ReviewService(vault)
    previous = service.record(ref.council.id, ref.summary.id)
    lawful = service.latest_lawful_next(ref.council.id, previous)
    assert lawful is not None and lawful.due > date.today()
    rid = service.plan_review(ref.council.id, ref.child_id, date.today())
    service.set_status(ref.council.id, rid, ReviewStatus.HELD)
    rows = _rows(returns.reviews_csv(vault, date.today(), date.today(),
                                     council_code=ref.council.code))
    row = next(r for r in rows if r["child_ref"] == ref.child_ref)
    assert row["review_number"] == str(ref.summary.number + 1)
    assert row["status"] == "held" and row["held_on_time"] == "yes"


def test_a_child_who_left_the_caseload_stays_in_the_return(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    """The return covers every review held in the period, also of a child who has left
    the IRO's caseload since."""
    from iro_desktop.services.caseload import CaseloadService

    vault = demo_vault_with_reviews
    finalised = _refs(vault)["finalised"]
    assert CaseloadService(vault).end_child(finalised.council.id, finalised.child_id)
    assert finalised.child_ref not in {e.child.record.child_ref
                                       for e in CaseloadService(vault).entries()}
    rows = _rows(returns.reviews_csv(vault, *EVER))
    assert finalised.child_ref in {r["child_ref"] for r in rows}
    assert sorted(r["status"] for r in rows) == ["finalised", "planned", "recording"]
