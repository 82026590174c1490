"""Tests for iro_desktop.core.review_clock.

Every expected date below was worked out by hand from a calendar and the gov.uk list of
England-and-Wales bank holidays, not by running the code under test.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from iro_desktop.core.models import Nation
from iro_desktop.core.review_clock import (
    ENGLAND_RULES,
    WALES_RULES,
    DueDate,
    DueStatus,
    Period,
    PeriodUnit,
    RuleSet,
    add_months,
    add_working_days,
    bank_holidays,
    default_rules,
    due_status,
    is_working_day,
    next_review_due,
)

D = date
WD = PeriodUnit.WORKING_DAYS

# --- bank holiday list ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(D(2020, 5, 8), id="2020-VE-day-moved-early-May"),
        pytest.param(D(2020, 12, 28), id="2020-boxing-day-substitute"),
        pytest.param(D(2021, 12, 27), id="2021-christmas-substitute"),
        pytest.param(D(2021, 12, 28), id="2021-boxing-day-substitute"),
        pytest.param(D(2022, 1, 3), id="2022-new-year-substitute"),
        pytest.param(D(2022, 6, 2), id="2022-spring-moved-to-thursday"),
        pytest.param(D(2022, 6, 3), id="2022-platinum-jubilee"),
        pytest.param(D(2022, 9, 19), id="2022-state-funeral"),
        pytest.param(D(2022, 12, 27), id="2022-christmas-substitute"),
        pytest.param(D(2023, 1, 2), id="2023-new-year-substitute"),
        pytest.param(D(2023, 5, 8), id="2023-coronation"),
        pytest.param(D(2026, 12, 28), id="2026-boxing-day-substitute"),
        pytest.param(D(2027, 12, 27), id="2027-christmas-substitute"),
        pytest.param(D(2027, 12, 28), id="2027-boxing-day-substitute"),
        pytest.param(D(2028, 1, 3), id="2028-new-year-substitute"),
    ],
)
def test_substitute_and_one_off_bank_holidays_are_not_working_days(day: date) -> None:
    assert day in bank_holidays(day.year)
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(D(2026, 3, 6), True, id="ordinary-friday"),
        pytest.param(D(2026, 3, 7), False, id="saturday"),
        pytest.param(D(2026, 3, 8), False, id="sunday"),
        pytest.param(D(2026, 12, 24), True, id="christmas-eve-is-working"),
        pytest.param(D(2026, 12, 29), True, id="day-after-boxing-substitute"),
        pytest.param(D(2022, 5, 30), True, id="2022-usual-spring-monday-was-working"),
        pytest.param(D(2020, 5, 4), True, id="2020-usual-early-may-monday-was-working"),
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(day) is expected


# --- add_working_days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Christmas and New Year, weekday years
        pytest.param(D(2024, 12, 24), 1, D(2024, 12, 27), id="2024-xmas-eve+1-skips-25-26"),
        pytest.param(D(2024, 12, 23), 5, D(2025, 1, 2), id="2024-xmas+new-year"),
        pytest.param(D(2025, 12, 25), 1, D(2025, 12, 29), id="2025-start-on-xmas-day"),
        # Christmas on a weekend: substitute days
        pytest.param(D(2020, 12, 24), 1, D(2020, 12, 29), id="2020-boxing-sub-mon-28"),
        pytest.param(D(2021, 12, 24), 1, D(2021, 12, 29), id="2021-subs-mon-27-tue-28"),
        pytest.param(D(2021, 12, 24), 4, D(2022, 1, 4), id="2021-subs+new-year-sub-3-jan"),
        pytest.param(D(2022, 12, 23), 1, D(2022, 12, 28), id="2022-boxing-mon+xmas-sub-tue"),
        pytest.param(D(2022, 12, 23), 4, D(2023, 1, 3), id="2022-xmas+new-year-sub-2-jan"),
        pytest.param(D(2026, 12, 24), 1, D(2026, 12, 29), id="2026-boxing-sub-mon-28"),
        pytest.param(D(2026, 12, 24), 4, D(2027, 1, 4), id="2026-xmas+new-year-fri"),
        pytest.param(D(2027, 12, 24), 1, D(2027, 12, 29), id="2027-subs-mon-27-tue-28"),
        pytest.param(D(2027, 12, 24), 4, D(2028, 1, 4), id="2027-xmas+new-year-sub-3-jan"),
        # Easter: Good Friday and Easter Monday
        pytest.param(D(2024, 3, 28), 1, D(2024, 4, 2), id="easter-2024"),
        pytest.param(D(2025, 4, 17), 1, D(2025, 4, 22), id="easter-2025"),
        pytest.param(D(2025, 4, 17), 3, D(2025, 4, 24), id="easter-2025+3"),
        pytest.param(D(2026, 4, 1), 2, D(2026, 4, 7), id="easter-2026"),
        pytest.param(D(2027, 3, 25), 1, D(2027, 3, 30), id="easter-2027-in-march"),
        pytest.param(D(2025, 4, 18), 1, D(2025, 4, 22), id="start-on-good-friday"),
        # May, spring and summer bank holidays
        pytest.param(D(2025, 5, 2), 1, D(2025, 5, 6), id="early-may-2025"),
        pytest.param(D(2020, 5, 7), 1, D(2020, 5, 11), id="early-may-2020-moved-to-fri-8"),
        pytest.param(D(2026, 5, 22), 1, D(2026, 5, 26), id="spring-2026"),
        pytest.param(D(2025, 8, 22), 1, D(2025, 8, 26), id="summer-2025"),
        pytest.param(D(2026, 8, 28), 1, D(2026, 9, 1), id="summer-2026"),
        pytest.param(D(2025, 8, 25), 1, D(2025, 8, 26), id="start-on-summer-bank-holiday"),
        # One-off bank holidays
        pytest.param(D(2022, 6, 1), 1, D(2022, 6, 6), id="2022-jubilee-thu-fri"),
        pytest.param(D(2022, 9, 16), 1, D(2022, 9, 20), id="2022-state-funeral"),
        pytest.param(D(2023, 5, 5), 1, D(2023, 5, 9), id="2023-coronation"),
        pytest.param(D(2023, 4, 28), 5, D(2023, 5, 9), id="2023-early-may+coronation"),
        # Weekends and plain weeks
        pytest.param(D(2026, 3, 6), 1, D(2026, 3, 9), id="friday+1-is-monday"),
        pytest.param(D(2026, 3, 7), 1, D(2026, 3, 9), id="saturday+1-is-monday"),
        pytest.param(D(2026, 3, 8), 1, D(2026, 3, 9), id="sunday+1-is-monday"),
        pytest.param(D(2026, 3, 7), 5, D(2026, 3, 13), id="saturday+5-is-friday"),
        pytest.param(D(2026, 3, 2), 20, D(2026, 3, 30), id="monday+20-no-holidays"),
        pytest.param(D(2026, 3, 2), 0, D(2026, 3, 2), id="zero-returns-start"),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize("n", [-1, -20], ids=["minus-1", "minus-20"])
def test_add_working_days_rejects_negative(n: int) -> None:
    with pytest.raises(ValueError, match="working days"):
        add_working_days(D(2026, 3, 2), n)


# --- first review: 20 working days ---------------------------------------------------------


@pytest.mark.parametrize(
    ("became_looked_after", "expected"),
    [
        pytest.param(D(2026, 11, 3), D(2026, 12, 1), id="tue-3-nov-2026-no-holidays"),
        pytest.param(D(2025, 12, 1), D(2025, 12, 31), id="dec-2025-over-xmas"),
        pytest.param(D(2026, 12, 7), D(2027, 1, 7), id="dec-2026-boxing-sub+new-year"),
        pytest.param(D(2021, 12, 15), D(2022, 1, 17), id="dec-2021-four-substitutes"),
        pytest.param(D(2025, 4, 7), D(2025, 5, 8), id="apr-2025-easter+early-may"),
        pytest.param(D(2022, 5, 23), D(2022, 6, 22), id="may-2022-jubilee"),
        pytest.param(D(2026, 8, 8), D(2026, 9, 7), id="sat-aug-2026-summer-bh"),
    ],
)
def test_first_review_england_is_20_working_days(became_looked_after: date, expected: date) -> None:
    due = next_review_due(became_looked_after, 0, None, ENGLAND_RULES)
    assert due.due == expected
    assert due.review_number == 1
    assert due.rule_key == "first"
    assert due.basis == became_looked_after


# --- add_months ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(D(2023, 8, 31), 6, D(2024, 2, 29), id="31-aug+6-leap"),
        pytest.param(D(2024, 8, 31), 6, D(2025, 2, 28), id="31-aug+6-non-leap"),
        pytest.param(D(2025, 1, 31), 1, D(2025, 2, 28), id="31-jan+1-non-leap"),
        pytest.param(D(2024, 1, 31), 1, D(2024, 2, 29), id="31-jan+1-leap"),
        pytest.param(D(2025, 11, 30), 3, D(2026, 2, 28), id="30-nov+3-non-leap"),
        pytest.param(D(2027, 11, 30), 3, D(2028, 2, 29), id="30-nov+3-leap"),
        pytest.param(D(2024, 2, 29), 12, D(2025, 2, 28), id="29-feb+12"),
        pytest.param(D(2024, 2, 29), 48, D(2028, 2, 29), id="29-feb+48"),
        pytest.param(D(2025, 5, 31), 3, D(2025, 8, 31), id="31-may+3"),
        pytest.param(D(2025, 3, 31), 6, D(2025, 9, 30), id="31-mar+6"),
        pytest.param(D(2025, 10, 31), 6, D(2026, 4, 30), id="31-oct+6"),
        pytest.param(D(2025, 9, 30), 3, D(2025, 12, 30), id="30-sep+3-no-clamp"),
        pytest.param(D(2025, 12, 31), 1, D(2026, 1, 31), id="31-dec+1-year-roll"),
        pytest.param(D(2026, 11, 14), 6, D(2027, 5, 14), id="mid-month+6"),
        pytest.param(D(2025, 7, 31), 0, D(2025, 7, 31), id="plus-0"),
        pytest.param(D(2025, 3, 31), -1, D(2025, 2, 28), id="minus-1-clamps"),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


# --- periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "text"),
    [
        pytest.param(Period(20, WD), "20 working days", id="working-days"),
        pytest.param(Period(28, PeriodUnit.DAYS), "28 days", id="days"),
        pytest.param(Period(4, PeriodUnit.WEEKS), "4 weeks", id="weeks"),
        pytest.param(Period(3, PeriodUnit.MONTHS), "3 months", id="months"),
        pytest.param(Period(1, PeriodUnit.MONTHS), "1 month", id="singular-month"),
        pytest.param(Period(1, WD), "1 working day", id="singular-working-day"),
    ],
)
def test_period_describe(period: Period, text: str) -> None:
    assert period.describe() == text


@pytest.mark.parametrize(
    ("period", "start", "expected"),
    [
        pytest.param(Period(20, WD), D(2026, 11, 3), D(2026, 12, 1), id="20-working-days"),
        pytest.param(Period(28, PeriodUnit.DAYS), D(2026, 12, 23), D(2027, 1, 20), id="28-days"),
        pytest.param(Period(4, PeriodUnit.WEEKS), D(2026, 12, 23), D(2027, 1, 20), id="4-weeks"),
        pytest.param(Period(3, PeriodUnit.MONTHS), D(2025, 11, 30), D(2026, 2, 28), id="3-months"),
    ],
)
def test_period_add_to(period: Period, start: date, expected: date) -> None:
    assert period.add_to(start) == expected


@pytest.mark.parametrize(
    ("amount", "unit"),
    [
        pytest.param(0, PeriodUnit.DAYS, id="zero"),
        pytest.param(-3, PeriodUnit.MONTHS, id="negative"),
        pytest.param(367, PeriodUnit.DAYS, id="too-big"),
        pytest.param("3", PeriodUnit.MONTHS, id="amount-is-text"),
        pytest.param(2.5, PeriodUnit.WEEKS, id="amount-is-float"),
        pytest.param(True, PeriodUnit.WEEKS, id="amount-is-bool"),
        pytest.param(3, "fortnights", id="unknown-unit"),
    ],
)
def test_period_rejects_bad_values(amount: object, unit: object) -> None:
    with pytest.raises(ValueError, match="period"):
        Period(amount, unit)


@pytest.mark.parametrize("amount", [1, 366], ids=["min-1", "max-366"])
def test_period_accepts_bounds(amount: int) -> None:
    assert Period(amount, PeriodUnit.DAYS).amount == amount


def test_period_dict_round_trip() -> None:
    period = Period(4, PeriodUnit.WEEKS)
    assert period.to_dict() == {"amount": 4, "unit": "weeks"}
    assert Period.from_dict(period.to_dict()) == period


# --- rule sets -----------------------------------------------------------------------------

WELSH_FOUR_WEEKS = RuleSet(
    "Cyngor Sir Enghraifft (4 weeks)",
    Period(4, PeriodUnit.WEEKS),
    Period(3, PeriodUnit.MONTHS),
    Period(6, PeriodUnit.MONTHS),
)


def test_built_in_rules() -> None:
    assert ENGLAND_RULES.name == "England (CPPCR 2010, reg 33)"
    assert (ENGLAND_RULES.first, ENGLAND_RULES.second, ENGLAND_RULES.later) == (
        Period(20, WD),
        Period(3, PeriodUnit.MONTHS),
        Period(6, PeriodUnit.MONTHS),
    )
    assert WALES_RULES.name == "Wales (CPPCR (Wales) 2015)"
    assert (WALES_RULES.first, WALES_RULES.second, WALES_RULES.later) == (
        Period(28, PeriodUnit.DAYS),
        Period(3, PeriodUnit.MONTHS),
        Period(6, PeriodUnit.MONTHS),
    )


@pytest.mark.parametrize(
    ("nation", "expected"),
    [
        pytest.param(Nation.ENGLAND, ENGLAND_RULES, id="england"),
        pytest.param(Nation.WALES, WALES_RULES, id="wales"),
    ],
)
def test_default_rules(nation: Nation, expected: RuleSet) -> None:
    assert default_rules(nation) == expected


@pytest.mark.parametrize(
    "rules",
    [
        pytest.param(ENGLAND_RULES, id="england"),
        pytest.param(WALES_RULES, id="wales"),
        pytest.param(WELSH_FOUR_WEEKS, id="welsh-4-weeks"),
    ],
)
def test_rule_set_json_round_trip(rules: RuleSet) -> None:
    stored = json.dumps(rules.to_dict())
    assert RuleSet.from_dict(json.loads(stored)) == rules


def test_rule_set_to_dict_shape() -> None:
    assert WALES_RULES.to_dict() == {
        "name": "Wales (CPPCR (Wales) 2015)",
        "first": {"amount": 28, "unit": "days"},
        "second": {"amount": 3, "unit": "months"},
        "later": {"amount": 6, "unit": "months"},
    }


def _good_dict() -> dict[str, Any]:
    return WELSH_FOUR_WEEKS.to_dict()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(["not", "a", "dict"], "mapping", id="not-a-dict"),
        pytest.param(None, "mapping", id="none"),
        pytest.param(
            {k: v for k, v in _good_dict().items() if k != "later"},
            "missing later",
            id="missing-later",
        ),
        pytest.param({**_good_dict(), "name": ""}, "name", id="empty-name"),
        pytest.param({**_good_dict(), "name": 7}, "name", id="name-not-text"),
        pytest.param({**_good_dict(), "first": "28 days"}, "'first'", id="period-is-text"),
        pytest.param(
            {**_good_dict(), "first": {"amount": 28}}, "missing unit", id="period-missing-unit"
        ),
        pytest.param(
            {**_good_dict(), "second": {"amount": 3, "unit": "moons"}}, "unit", id="unknown-unit"
        ),
        pytest.param(
            {**_good_dict(), "later": {"amount": 0, "unit": "months"}}, "between", id="zero-amount"
        ),
        pytest.param(
            {**_good_dict(), "later": {"amount": "6", "unit": "months"}},
            "whole number",
            id="amount-as-text",
        ),
    ],
)
def test_rule_set_from_dict_rejects_bad_input(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RuleSet.from_dict(data)


# --- next_review_due -----------------------------------------------------------------------

ENG = "England (CPPCR 2010, reg 33)"
WAL = "Wales (CPPCR (Wales) 2015)"


@pytest.mark.parametrize(
    ("rules", "became", "held", "last", "due", "number", "key", "rule"),
    [
        pytest.param(
            ENGLAND_RULES,
            D(2026, 11, 3),
            0,
            None,
            D(2026, 12, 1),
            1,
            "first",
            f"{ENG}: review 1 within 20 working days of becoming looked after on 03/11/2026",
            id="england-0-held",
        ),
        pytest.param(
            ENGLAND_RULES,
            D(2026, 10, 20),
            1,
            D(2026, 11, 14),
            D(2027, 2, 14),
            2,
            "second",
            f"{ENG}: review 2 within 3 months of review 1 on 14/11/2026",
            id="england-1-held",
        ),
        pytest.param(
            ENGLAND_RULES,
            D(2026, 10, 20),
            2,
            D(2027, 2, 14),
            D(2027, 8, 14),
            3,
            "later",
            f"{ENG}: review 3 within 6 months of the previous review on 14/02/2027",
            id="england-2-held",
        ),
        pytest.param(
            ENGLAND_RULES,
            D(2021, 1, 4),
            10,
            D(2027, 8, 31),
            D(2028, 2, 29),
            11,
            "later",
            f"{ENG}: review 11 within 6 months of the previous review on 31/08/2027",
            id="england-10-held-leap-clamp",
        ),
        pytest.param(
            ENGLAND_RULES,
            D(2026, 12, 23),
            0,
            None,
            D(2027, 1, 25),
            1,
            "first",
            f"{ENG}: review 1 within 20 working days of becoming looked after on 23/12/2026",
            id="england-0-held-over-xmas",
        ),
        pytest.param(
            WALES_RULES,
            D(2026, 12, 23),
            0,
            None,
            D(2027, 1, 20),
            1,
            "first",
            f"{WAL}: review 1 within 28 days of becoming looked after on 23/12/2026",
            id="wales-0-held-28-days-ignores-holidays",
        ),
        pytest.param(
            WALES_RULES,
            D(2026, 12, 23),
            1,
            D(2027, 1, 31),
            D(2027, 4, 30),
            2,
            "second",
            f"{WAL}: review 2 within 3 months of review 1 on 31/01/2027",
            id="wales-1-held-clamp",
        ),
        pytest.param(
            WALES_RULES,
            D(2026, 12, 23),
            2,
            D(2027, 8, 31),
            D(2028, 2, 29),
            3,
            "later",
            f"{WAL}: review 3 within 6 months of the previous review on 31/08/2027",
            id="wales-2-held",
        ),
        pytest.param(
            WALES_RULES,
            D(2022, 5, 9),
            10,
            D(2027, 3, 1),
            D(2027, 9, 1),
            11,
            "later",
            f"{WAL}: review 11 within 6 months of the previous review on 01/03/2027",
            id="wales-10-held",
        ),
        pytest.param(
            WELSH_FOUR_WEEKS,
            D(2026, 12, 23),
            0,
            None,
            D(2027, 1, 20),
            1,
            "first",
            "Cyngor Sir Enghraifft (4 weeks): review 1 within 4 weeks of becoming "
            "looked after on 23/12/2026",
            id="welsh-council-4-weeks",
        ),
        pytest.param(
            ENGLAND_RULES,
            D(2026, 11, 3),
            1,
            D(2026, 11, 3),
            D(2027, 2, 3),
            2,
            "second",
            f"{ENG}: review 2 within 3 months of review 1 on 03/11/2026",
            id="review-on-day-became-looked-after",
        ),
    ],
)
def test_next_review_due(
    rules: RuleSet,
    became: date,
    held: int,
    last: date | None,
    due: date,
    number: int,
    key: str,
    rule: str,
) -> None:
    result = next_review_due(became, held, last, rules)
    expected_basis = became if held == 0 else last
    assert result == DueDate(
        due=due, review_number=number, rule=rule, basis=expected_basis, rule_key=key
    )


@pytest.mark.parametrize(
    ("became", "held", "last", "message"),
    [
        pytest.param(D(2026, 1, 5), -1, None, "reviews held", id="negative-reviews-held"),
        pytest.param(D(2026, 1, 5), 1, None, "last review date", id="held-1-no-last-date"),
        pytest.param(D(2026, 1, 5), 4, None, "last review date", id="held-4-no-last-date"),
        pytest.param(
            D(2026, 1, 5),
            2,
            D(2026, 1, 4),
            "before the child became",
            id="last-review-before-looked-after",
        ),
        pytest.param(
            D(2026, 1, 5),
            0,
            D(2025, 12, 1),
            "before the child became",
            id="held-0-last-before-looked-after",
        ),
    ],
)
def test_next_review_due_rejects_bad_input(
    became: date, held: int, last: date | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        next_review_due(became, held, last, ENGLAND_RULES)


# --- overdue / due soon --------------------------------------------------------------------

DUE = DueDate(
    due=D(2027, 8, 14), review_number=3, rule="test", basis=D(2027, 2, 14), rule_key="later"
)


@pytest.mark.parametrize(
    ("today", "days_until", "overdue", "status"),
    [
        pytest.param(D(2027, 8, 16), -2, True, DueStatus.OVERDUE, id="two-days-late"),
        pytest.param(D(2027, 8, 15), -1, True, DueStatus.OVERDUE, id="day-after-due"),
        pytest.param(D(2027, 8, 14), 0, False, DueStatus.DUE_SOON, id="due-today"),
        pytest.param(D(2027, 8, 13), 1, False, DueStatus.DUE_SOON, id="due-tomorrow"),
        pytest.param(D(2027, 7, 17), 28, False, DueStatus.DUE_SOON, id="exactly-28-days"),
        pytest.param(D(2027, 7, 16), 29, False, DueStatus.ON_TRACK, id="29-days"),
        pytest.param(D(2027, 2, 14), 181, False, DueStatus.ON_TRACK, id="just-reviewed"),
    ],
)
def test_due_status_default_window(
    today: date, days_until: int, overdue: bool, status: DueStatus
) -> None:
    assert DUE.days_until(today) == days_until
    assert DUE.is_overdue(today) is overdue
    assert due_status(DUE, today) is status


@pytest.mark.parametrize(
    ("today", "days", "expected"),
    [
        pytest.param(D(2027, 8, 14), 0, True, id="due-today-window-0"),
        pytest.param(D(2027, 8, 13), 0, False, id="tomorrow-window-0"),
        pytest.param(D(2027, 8, 7), 7, True, id="exactly-7"),
        pytest.param(D(2027, 8, 6), 7, False, id="8-days-window-7"),
        pytest.param(D(2027, 8, 15), 30, False, id="overdue-is-not-due-within"),
    ],
)
def test_is_due_within(today: date, days: int, expected: bool) -> None:
    assert DUE.is_due_within(today, days) is expected


@pytest.mark.parametrize(
    ("today", "soon_days", "status"),
    [
        pytest.param(D(2027, 8, 7), 7, DueStatus.DUE_SOON, id="7-day-window-edge"),
        pytest.param(D(2027, 8, 6), 7, DueStatus.ON_TRACK, id="outside-7-day-window"),
        pytest.param(D(2027, 8, 14), 0, DueStatus.DUE_SOON, id="window-0-due-today"),
        pytest.param(D(2027, 8, 15), 0, DueStatus.OVERDUE, id="window-0-overdue"),
    ],
)
def test_due_status_custom_window(today: date, soon_days: int, status: DueStatus) -> None:
    assert due_status(DUE, today, soon_days) is status


def test_negative_window_rejected() -> None:
    with pytest.raises(ValueError, match="days"):
        DUE.is_due_within(D(2027, 8, 1), -1)


@pytest.mark.parametrize(
    ("status", "label"),
    [
        pytest.param(DueStatus.OVERDUE, "Overdue", id="overdue"),
        pytest.param(DueStatus.DUE_SOON, "Due soon", id="due-soon"),
        pytest.param(DueStatus.ON_TRACK, "On track", id="on-track"),
    ],
)
def test_due_status_labels(status: DueStatus, label: str) -> None:
    assert status.label == label
