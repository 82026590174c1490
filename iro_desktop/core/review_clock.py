"""When a looked-after child's next statutory review is due.

England: reg 33 of the Care Planning, Placement and Case Review (England) Regulations 2010
(SI 2010/959) sets the first review within 20 working days of the child becoming looked
after, the second at most 3 months after the first and each later one at most 6 months after
the previous one. Wales: the CPPCR (Wales) Regulations 2015 (SI 2015/1818) are usually read
as 28 days, 3 months and 6 months, but local texts say "28 days" or "4 weeks", so every
figure lives in a :class:`RuleSet` a council can store and change.

A working day is a day that is not a Saturday, a Sunday or an England-and-Wales bank holiday
(including substitute days and one-off holidays), as listed by the ``holidays`` package.

Pure functions and frozen dataclasses only: no Qt, no storage.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from iro_desktop.core.models import Nation

MIN_AMOUNT = 1
MAX_AMOUNT = 366
_RULE_KEYS = ("first", "second", "later")


class PeriodUnit(enum.StrEnum):
    """The unit a statutory period is counted in."""

    WORKING_DAYS = "working_days"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"

    @property
    def singular(self) -> str:
        return self.plural.removesuffix("s")

    @property
    def plural(self) -> str:
        return self.value.replace("_", " ")


# --- calendar arithmetic -------------------------------------------------------------------


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England-and-Wales bank holidays in ``year`` (one shared list for both nations)."""
    import holidays  # lazy: importing the package is slow and start-up time matters

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


@lru_cache(maxsize=64)
def _working_ordinals(year: int) -> tuple[int, ...]:
    """Ordinals of every working day in ``year``, ascending."""
    closed = bank_holidays(year)
    day = date(year, 1, 1)
    out: list[int] = []
    while day.year == year:
        if day.weekday() < 5 and day not in closed:
            out.append(day.toordinal())
        day += timedelta(days=1)
    return tuple(out)


def is_working_day(d: date) -> bool:
    """True unless ``d`` is a Saturday, Sunday or England-and-Wales bank holiday."""
    return d.weekday() < 5 and d not in bank_holidays(d.year)


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is never counted).

    A Friday plus 1 is the following Monday (if that is not a bank holiday); a start on a
    weekend or bank holiday counts from the next working day. ``n == 0`` returns ``start``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"number of working days must be a whole number >= 0, got {n!r}")
    if n == 0:
        return start
    year = start.year
    ordinals = _working_ordinals(year)
    index = bisect_right(ordinals, start.toordinal())  # first working day after start
    remaining = n
    while index + remaining > len(ordinals):
        remaining -= len(ordinals) - index
        year += 1
        ordinals = _working_ordinals(year)
        index = 0
    return date.fromordinal(ordinals[index + remaining - 1])


def add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, clamped to the month's last day (31 Aug + 6 = 28 Feb)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"number of months must be a whole number, got {n!r}")
    total = d.year * 12 + (d.month - 1) + n
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(d.day, monthrange(year, month)[1]))


# --- periods and rule sets -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """A statutory period such as "20 working days", "28 days", "4 weeks" or "3 months"."""

    amount: int
    unit: PeriodUnit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise ValueError(f"period amount must be a whole number, got {self.amount!r}")
        if not MIN_AMOUNT <= self.amount <= MAX_AMOUNT:
            raise ValueError(
                f"period amount must be between {MIN_AMOUNT} and {MAX_AMOUNT}, got {self.amount}"
            )
        if not isinstance(self.unit, PeriodUnit):
            object.__setattr__(self, "unit", _parse_unit(self.unit))

    def describe(self) -> str:
        word = self.unit.singular if self.amount == 1 else self.unit.plural
        return f"{self.amount} {word}"

    def add_to(self, d: date) -> date:
        """The last day of the period that starts on ``d``."""
        match self.unit:
            case PeriodUnit.WORKING_DAYS:
                return add_working_days(d, self.amount)
            case PeriodUnit.DAYS:
                return d + timedelta(days=self.amount)
            case PeriodUnit.WEEKS:
                return d + timedelta(weeks=self.amount)
            case PeriodUnit.MONTHS:
                return add_months(d, self.amount)
        raise AssertionError(self.unit)  # pragma: no cover

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit.value}

    @classmethod
    def from_dict(cls, data: object) -> Period:
        if not isinstance(data, dict):
            raise ValueError(f"period must be a mapping with 'amount' and 'unit', got {data!r}")
        missing = [key for key in ("amount", "unit") if key not in data]
        if missing:
            raise ValueError(f"period is missing {', '.join(missing)}: {data!r}")
        return cls(data["amount"], _parse_unit(data["unit"]))


def _parse_unit(value: object) -> PeriodUnit:
    if isinstance(value, str):
        try:
            return PeriodUnit(value.strip().lower().replace(" ", "_"))
        except ValueError:
            pass
    allowed = ", ".join(unit.value for unit in PeriodUnit)
    raise ValueError(f"unknown period unit {value!r}: use one of {allowed}")


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The three review periods a council follows: first, second and every later review."""

    name: str
    first: Period
    second: Period
    later: Period

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("rule set name must be a non-empty string")
        for key in _RULE_KEYS:
            if not isinstance(getattr(self, key), Period):
                raise ValueError(f"rule set {key!r} period must be a Period")

    def period(self, key: str) -> Period:
        if key not in _RULE_KEYS:
            raise ValueError(f"unknown rule key {key!r}: use first, second or later")
        return {"first": self.first, "second": self.second, "later": self.later}[key]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **{key: self.period(key).to_dict() for key in _RULE_KEYS}}

    @classmethod
    def from_dict(cls, data: object) -> RuleSet:
        if not isinstance(data, dict):
            raise ValueError(f"rule set must be a mapping, got {type(data).__name__}")
        missing = [key for key in ("name", *_RULE_KEYS) if key not in data]
        if missing:
            raise ValueError(f"rule set is missing {', '.join(missing)}")
        periods: dict[str, Period] = {}
        for key in _RULE_KEYS:
            try:
                periods[key] = Period.from_dict(data[key])
            except ValueError as exc:
                raise ValueError(f"rule set {key!r} review period is invalid: {exc}") from None
        return cls(data["name"], **periods)


ENGLAND_RULES = RuleSet(
    "England (CPPCR 2010, reg 33)",
    Period(20, PeriodUnit.WORKING_DAYS),
    Period(3, PeriodUnit.MONTHS),
    Period(6, PeriodUnit.MONTHS),
)
WALES_RULES = RuleSet(
    "Wales (CPPCR (Wales) 2015)",
    Period(28, PeriodUnit.DAYS),
    Period(3, PeriodUnit.MONTHS),
    Period(6, PeriodUnit.MONTHS),
)


def default_rules(nation: Nation) -> RuleSet:
    """The built-in rule set for ``nation`` (a council may store its own instead)."""
    return WALES_RULES if Nation(nation) is Nation.WALES else ENGLAND_RULES


# --- due dates -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueDate:
    """The latest lawful date of a review, with the rule and start date that produced it."""

    due: date
    review_number: int  # the review that is due: 1 = first
    rule: str
    basis: date
    rule_key: str  # "first" | "second" | "later"

    def days_until(self, today: date) -> int:
        """Days from ``today`` to the due date; negative when overdue."""
        return (self.due - today).days

    def is_overdue(self, today: date) -> bool:
        """True once the due date has passed; a review due today is not overdue."""
        return today > self.due

    def is_due_within(self, today: date, days: int) -> bool:
        """True when not overdue and due on or before ``today + days``."""
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        return not self.is_overdue(today) and self.due <= today + timedelta(days=days)


def next_review_due(
    date_became_looked_after: date,
    reviews_held: int,
    last_review_date: date | None,
    rules: RuleSet,
) -> DueDate:
    """The latest lawful date of the child's next review under ``rules``.

    No reviews held: the first period runs from the date the child became looked after.
    One held: the second period runs from that review. Two or more: the later period runs
    from the last review.
    """
    if isinstance(reviews_held, bool) or not isinstance(reviews_held, int) or reviews_held < 0:
        raise ValueError(f"reviews held must be a whole number >= 0, got {reviews_held!r}")
    if reviews_held >= 1 and last_review_date is None:
        raise ValueError(
            f"{reviews_held} review(s) held but no last review date: enter the last review date"
        )
    if last_review_date is not None and last_review_date < date_became_looked_after:
        raise ValueError(
            f"last review date {last_review_date:%d/%m/%Y} is before the child became looked "
            f"after on {date_became_looked_after:%d/%m/%Y}"
        )
    number = reviews_held + 1
    key, basis, since = "first", date_became_looked_after, "becoming looked after"
    if reviews_held >= 1 and last_review_date is not None:  # None already rejected above
        basis = last_review_date
        key, since = (
            ("second", "review 1") if reviews_held == 1 else ("later", "the previous review")
        )
    period = rules.period(key)
    text = f"{rules.name}: review {number} within {period.describe()} of {since}"
    return DueDate(period.add_to(basis), number, f"{text} on {basis:%d/%m/%Y}", basis, key)


# A review within this many days counts as due soon (the settings' due_soon_days default).
DUE_SOON_DAYS = 28


class DueStatus(enum.StrEnum):
    """How close a review is to its latest lawful date."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"

    @property
    def label(self) -> str:
        return {"overdue": "Overdue", "due_soon": "Due soon", "on_track": "On track"}[self.value]


def due_status(due: DueDate, today: date, soon_days: int = DUE_SOON_DAYS) -> DueStatus:
    """OVERDUE after the due date, DUE_SOON within ``soon_days`` of it, else ON_TRACK."""
    if due.is_overdue(today):
        return DueStatus.OVERDUE
    if due.is_due_within(today, soon_days):
        return DueStatus.DUE_SOON
    return DueStatus.ON_TRACK
