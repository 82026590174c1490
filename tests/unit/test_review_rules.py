"""Pure rules of a review's record (core/reviews.py): participation code, the finalise check,
drift, 'within N weeks' and which text fields exist."""

from __future__ import annotations

from datetime import date

import pytest

from iro_desktop.core.reviews import (
    TEXT_FIELDS,
    DecisionStatus,
    ReviewStatus,
    age_on,
    finalise_check,
    is_drifting,
    is_text_key,
    proposed_participation_code,
    resolve_within_weeks,
)

DONE, IN_PROGRESS, NOT_DONE, NOT_NEEDED = (DecisionStatus.DONE, DecisionStatus.IN_PROGRESS,
                                           DecisionStatus.NOT_DONE,
                                           DecisionStatus.NO_LONGER_NEEDED)


# ---- the child's participation code ---------------------------------------------------------


@pytest.mark.parametrize(("born", "review", "expected"), [
    (date(2022, 11, 24), date(2022, 11, 24), "PN0"),   # a baby at the review
    (date(2022, 11, 24), date(2026, 11, 23), "PN0"),   # the day before the 4th birthday
    (date(2022, 11, 24), date(2026, 11, 24), None),    # on the 4th birthday: the IRO chooses
    (date(2022, 11, 24), date(2026, 11, 25), None),
    (date(2010, 1, 1), date(2026, 6, 1), None),
    (date(2020, 2, 29), date(2024, 2, 28), "PN0"),     # leap-day child, 4th birthday 29 Feb
    (date(2020, 2, 29), date(2024, 2, 29), None),
    (date(2019, 2, 28), date(2023, 2, 27), "PN0"),
    (date(2019, 2, 28), date(2023, 2, 28), None),
])
def test_proposed_participation_code(born: date, review: date, expected: str | None) -> None:
    assert proposed_participation_code(born, review) == expected


def test_age_on_counts_whole_years() -> None:
    assert age_on(date(2010, 6, 15), date(2026, 6, 14)) == 15
    assert age_on(date(2010, 6, 15), date(2026, 6, 15)) == 16


# ---- what must be true before a record is finalised -----------------------------------------

TEN_YEAR_OLD = date(2016, 3, 1)
TWO_YEAR_OLD = date(2024, 5, 1)
HELD = date(2026, 11, 20)


def _check(status: ReviewStatus = ReviewStatus.HELD, held_date: date | None = HELD,
           code: str | None = "PN1", born: date = TEN_YEAR_OLD):
    return finalise_check(status=status, held_date=held_date, participation_code=code,
                          date_of_birth=born)


@pytest.mark.parametrize("status", [ReviewStatus.HELD, ReviewStatus.RECORDING])
@pytest.mark.parametrize("code", ["PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"])
def test_held_review_with_valid_code_can_be_finalised(status: ReviewStatus, code: str) -> None:
    check = _check(status=status, code=code)
    assert check.ok and check.problems == ()


def test_under_four_with_pn0_can_be_finalised() -> None:
    assert _check(code="PN0", born=TWO_YEAR_OLD).ok


@pytest.mark.parametrize("status", [ReviewStatus.PLANNED, ReviewStatus.PREPARATION])
def test_not_held_is_refused(status: ReviewStatus) -> None:
    check = _check(status=status)
    assert not check.ok
    assert check.problems == ("the review has not been marked as held",)


def test_no_held_date_is_refused() -> None:
    check = _check(held_date=None)
    assert not check.ok
    assert check.problems == ("the date the review was held is missing",)


@pytest.mark.parametrize("code", [None, "", "PN8", "PN", "XX1", "P N1"])
def test_missing_or_invalid_code_is_refused(code: str | None) -> None:
    check = _check(code=code)
    assert not check.ok
    assert check.problems == ("a participation code (PN0-PN7) is needed for a held review",)


def test_pn0_for_a_child_of_four_or_more_is_refused() -> None:
    check = _check(code="PN0")
    assert not check.ok
    assert check.problems == ("PN0 is only for a child under 4 on the review date",)
    # the 4th birthday itself is not "under 4"
    on_birthday = _check(code="PN0", born=date(2022, 11, 20), held_date=date(2026, 11, 20))
    assert not on_birthday.ok


@pytest.mark.parametrize("code", ["PN1", "PN5", "PN7"])
def test_other_code_for_an_under_four_is_refused(code: str) -> None:
    check = _check(code=code, born=TWO_YEAR_OLD)
    assert not check.ok
    assert check.problems == ("the child was under 4 on the review date: the code is PN0",)
    # the day before the 4th birthday is still under 4
    assert not _check(code=code, born=date(2022, 11, 21), held_date=date(2026, 11, 20)).ok


def test_every_problem_is_listed_at_once() -> None:
    check = _check(status=ReviewStatus.PLANNED, held_date=None, code=None)
    assert len(check.problems) == 3


def test_lower_case_pn0_for_a_ten_year_old_is_refused() -> None:
    assert not _check(code="pn0").ok


# ---- drift ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("updates", "drifting"), [
    ([], False),
    ([NOT_DONE], False),
    ([NOT_DONE, NOT_DONE], True),
    ([IN_PROGRESS, NOT_DONE, NOT_DONE], True),
    ([NOT_DONE, NOT_DONE, DONE], True),         # drifted at some point: still flagged
    ([NOT_DONE, IN_PROGRESS], False),
    ([NOT_DONE, IN_PROGRESS, NOT_DONE], False),  # not two reviews in a row
    ([NOT_DONE, DONE], False),
    ([IN_PROGRESS, IN_PROGRESS, IN_PROGRESS], False),
    ([NOT_NEEDED, NOT_DONE], False),
])
def test_is_drifting(updates: list[DecisionStatus], drifting: bool) -> None:
    assert is_drifting(updates) is drifting


# ---- 'within N weeks' -------------------------------------------------------------------------


@pytest.mark.parametrize(("weeks", "expected"), [
    (1, date(2026, 12, 1)),
    (4, date(2026, 12, 22)),
    (6, date(2027, 1, 5)),       # across the year end
    (104, date(2028, 11, 21)),
])
def test_resolve_within_weeks(weeks: int, expected: date) -> None:
    assert resolve_within_weeks(date(2026, 11, 24), weeks) == expected


@pytest.mark.parametrize("weeks", [0, -1, 105, 1000])
def test_resolve_within_weeks_refuses_out_of_range(weeks: int) -> None:
    with pytest.raises(ValueError, match="1 to 104 weeks"):
        resolve_within_weeks(date(2026, 11, 24), weeks)


# ---- text keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(TEXT_FIELDS))
def test_every_named_text_field_is_a_text_key(key: str) -> None:
    assert is_text_key(key)


@pytest.mark.parametrize(("key", "ok"), [
    ("voice.views", True),
    ("agenda:health", True),
    ("agenda:adhoc_1", True),
    ("agenda:x", True),                 # shortest agenda key (8 characters)
    ("agenda:" + "k" * 53, True),       # 60 characters: the column's width
    ("agenda:", False),
    ("agenda:" + "k" * 54, False),      # 61 characters
    ("voice.unknown", False),
    ("Voice.views", False),
    ("Agenda:health", False),
    ("", False),
    ("health", False),
])
def test_is_text_key(key: str, ok: bool) -> None:
    assert is_text_key(key) is ok
