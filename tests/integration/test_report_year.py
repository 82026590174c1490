"""A synthetic year of reviews for three councils: the annual report figures match a count
made independently, here, from what the generator did.

The generator drives the real services (caseload import, reviews, decisions and their
updates, monitoring, escalations) with a seeded random choice of dates and answers. It
decides itself whether each review is held on time or late, keeping well clear of the
boundary (at least 3 days, and for a first review 14 days early or 45 days late), so
the expected counts need no review clock: only calendar months, done below by hand.
"""

from __future__ import annotations

import calendar
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from iro_desktop.core.escalation import Outcome, Stage
from iro_desktop.core.models import Nation
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.core.reviews import DecisionStatus, ReviewStatus
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.escalation import EscalationService
from iro_desktop.services.monitoring import MonitoringService
from iro_desktop.services.report import ReportService
from iro_desktop.services.reviews import ReviewService

TODAY = date(2026, 7, 31)
FROM, TO = date(2025, 4, 1), date(2026, 3, 31)
COUNCILS = (("NBK", "Northbrook City Council", Nation.ENGLAND),
            ("EMB", "Eastmere Borough Council", Nation.ENGLAND),
            ("VOH", "Vale of Hafren Council", Nation.WALES))
CHILDREN_PER_COUNCIL = 12
HEADER = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
          "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
          "last_review_date,reviews_held,social_worker,notes\n")
CODES = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7")
UPDATES = (DecisionStatus.DONE, DecisionStatus.IN_PROGRESS, DecisionStatus.NOT_DONE,
           DecisionStatus.NOT_DONE, DecisionStatus.NOT_DONE, DecisionStatus.NO_LONGER_NEEDED)


def plus_months(d: date, months: int) -> date:
    total = d.month - 1 + months
    year, month = d.year + total // 12, total % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def in_period(day: date | None) -> bool:
    return day is not None and FROM <= day <= TO


def rand_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


@dataclass
class Planned:
    """What the generator did for one review."""

    held: date | None  # None: planned only
    timing: str = ""  # "on" | "late" | "unknown"
    code: str | None = None
    seen: bool = False


@dataclass
class Expected:
    reviews: list[Planned] = field(default_factory=list)
    decisions: list[tuple[date, list[tuple[date, int, DecisionStatus]]]] = field(
        default_factory=list)  # (made at, [(update held, review number, status)])
    stages: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    raised: int = 0
    open_at_end: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    looked_after: list[date] = field(default_factory=list)


Facts = tuple[str, int, "date | None", date, date]  # council, reviews held, last, in care, born


def _children_csv(rng: random.Random) -> tuple[str, dict[str, Facts]]:
    rows: list[str] = []
    facts: dict[str, Facts] = {}
    for code, name, _nation in COUNCILS:
        for i in range(CHILDREN_PER_COUNCIL):
            ref = f"{code}{i:03d}"
            new = i % 2 == 0
            if i % 5 == 0:
                born = rand_day(rng, date(2023, 1, 1), date(2024, 1, 1))  # under 4
            else:
                born = rand_day(rng, date(2009, 9, 1), date(2020, 1, 1))
            if new:
                lac = rand_day(rng, max(born, date(2025, 1, 1)), date(2025, 12, 31))
                held, last = 0, None
            else:
                lac = rand_day(rng, max(born, date(2023, 1, 1)), date(2024, 6, 30))
                held, last = rng.randint(1, 5), rand_day(rng, date(2024, 10, 1),
                                                        date(2025, 3, 20))
            rows.append(f"{code},{name},{ref},Child{i},{code.title()}son,,{born:%d/%m/%Y},"
                        f"{'FM'[i % 2]},C2,U4,{lac:%d/%m/%Y},"
                        f"{last.strftime('%d/%m/%Y') if last else ''},{held},,\n")
            facts[ref] = (code, held, last, lac, born)
    return HEADER + "".join(rows), facts


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _build_reviews(rng: random.Random, reviews: ReviewService, cid: str, child_id: int,
                   held_before: int, last: date | None, lac: date, born: date,
                   exp: Expected) -> None:
    number, previous = held_before, last
    open_decisions: dict[int, tuple[date, list[tuple[date, int, DecisionStatus]]]] = {}
    while True:
        number += 1
        late = rng.random() < 0.35
        if number == 1:
            day, timing = lac + timedelta(days=45 if late else 14), ("late" if late else "on")
        elif number == held_before + 1:
            # The review before is known from the caseload CSV only: its date, copied when
            # this review is planned, still gives the latest lawful date.
            day = previous + timedelta(days=rng.randint(40, 200))
            due = plus_months(previous, 3 if number == 2 else 6)
            timing = "late" if day > due else "on"
        else:
            due = plus_months(previous, 3 if number == 2 else 6)
            day = due + timedelta(days=rng.randint(3, 30) if late else -rng.randint(3, 25))
            timing = "late" if late else "on"
        if day > TODAY - timedelta(days=2):
            if rng.random() < 0.5:  # a planned review, not held: never counted
                reviews.plan_review(cid, child_id, day)
                exp.reviews.append(Planned(None))
            return
        # left unfinished: the last review before today, or a record still being written
        last_one = ((plus_months(day, 3) > TODAY and rng.random() < 0.4)
                    or (day >= date(2025, 10, 1) and rng.random() < 0.15))
        rid = reviews.plan_review(cid, child_id, day)
        seen = rng.choice(("Saw them at school the week before", "   ", None))
        if seen is not None:
            reviews.save_texts(cid, {(rid, "prep.spoke_alone"): seen})
        reviews.set_status(cid, rid, ReviewStatus.HELD)
        code = "PN0" if _age(born, day) < 4 else rng.choice(CODES)
        if last_one and rng.random() < 0.5:
            code = None
        if code:
            reviews.update_review(cid, rid, participation_code=code)
        exp.reviews.append(Planned(day, timing, code, bool(seen and seen.strip())))
        for decision_id, (_made, history) in list(open_decisions.items()):
            status = rng.choice(UPDATES)
            reviews.update_decision(cid, rid, decision_id, status)
            history.append((day, number, status))
            if status.closed:
                del open_decisions[decision_id]
        for k in range(rng.randint(0, 3)):
            dec = reviews.add_decision(cid, rid, f"Action {k}", responsible="Social worker")
            entry: tuple[date, list[tuple[date, int, DecisionStatus]]] = (day, [])
            open_decisions[dec.id] = entry
            exp.decisions.append(entry)
        if last_one:
            reviews.set_status(cid, rid, rng.choice((ReviewStatus.HELD,
                                                     ReviewStatus.RECORDING)))
            return
        reviews.finalise(cid, rid)
        previous = day


def _build_escalations(rng: random.Random, service: EscalationService, cid: str,
                       children: list[int], exp: Expected) -> None:
    for _ in range(5):
        opened = rand_day(rng, date(2025, 1, 1), date(2026, 6, 1))
        child = rng.choice(children)
        first = rng.choice((Stage.INFORMAL, Stage.INFORMAL, Stage.FORMAL_1))
        esc = service.raise_concern(cid, child, "Drift in the plan", "A plan by a date", None,
                                    opened_on=opened, stage=first, who="Team manager")
        exp.raised += in_period(opened)
        raised = [(first, opened)]
        day = opened
        for stage in (Stage.FORMAL_1, Stage.FORMAL_2, Stage.FORMAL_3, Stage.CAFCASS):
            if stage.level <= max(s.level for s, _d in raised) and stage is not Stage.CAFCASS:
                continue
            if rng.random() < 0.45:
                continue
            day = day + timedelta(days=rng.randint(5, 25))
            if day > TODAY:
                break
            service.escalate(cid, esc.id, stage, "Manager", raised_on=day)
            raised.append((stage, day))
        for stage, when in raised:
            exp.stages[stage.value] += in_period(when)
        closed = day + timedelta(days=rng.randint(1, 60))
        if rng.random() < 0.75 and closed <= TODAY:
            outcome = rng.choice((Outcome.RESOLVED, Outcome.WITHDRAWN,
                                  Outcome.REFERRED_TO_CAFCASS))
            service.close(cid, esc.id, outcome, closed_on=closed)
            if outcome is Outcome.REFERRED_TO_CAFCASS and not any(
                    s is Stage.CAFCASS for s, _d in raised):
                exp.stages[Stage.CAFCASS.value] += in_period(closed)  # recorded on closing
            exp.outcomes[outcome.value] += in_period(closed)
            exp.open_at_end += opened <= TO < closed
        else:
            exp.open_at_end += opened <= TO


def _build_monitoring(rng: random.Random, service: MonitoringService, cid: str,
                      children: list[int], exp: Expected) -> None:
    for _ in range(12):
        day = rand_day(rng, date(2025, 1, 1), TODAY)
        kind = rng.choice(list(EntryKind))
        change = rng.choice(list(ChangeType)) if kind is EntryKind.SIGNIFICANT_CHANGE else None
        service.add_entry(cid, rng.choice(children), kind, day, checked="Checked the plan",
                          change_type=change)
        if in_period(day):
            exp.kinds[kind.value] += 1
            if change is not None:
                exp.changes[change.value] += 1


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.storage.vault import Vault
    from tests.conftest import PASSPHRASE

    rng = random.Random(2025)
    vault, _key = Vault.create(tmp_path_factory.mktemp("year") / "vault", PASSPHRASE,
                               kdf=fast_test_params(), secret_store=MemorySecretStore())
    caseload = CaseloadService(vault, today=lambda: TODAY)
    text, facts = _children_csv(rng)
    caseload.import_caseload(text.encode(), nations={c: n for c, _name, n in COUNCILS})
    reviews = ReviewService(vault, today=lambda: TODAY)
    expected = {code: Expected() for code, _n, _nation in COUNCILS}
    by_council: dict[str, list[int]] = {code: [] for code in expected}
    for entry in caseload.entries():
        code, held, last, lac, born = facts[entry.child.record.child_ref]
        exp = expected[code]
        exp.looked_after.append(lac)
        by_council[code].append(entry.child.id)
        _build_reviews(rng, reviews, entry.council.id, entry.child.id, held, last, lac, born,
                       exp)
    for code in expected:
        cid = vault.council_by_code(code).id
        _build_escalations(rng, EscalationService(vault, today=lambda: TODAY), cid,
                           by_council[code], expected[code])
        _build_monitoring(rng, MonitoringService(vault, today=lambda: TODAY), cid,
                          by_council[code], expected[code])
    yield vault, expected
    vault.close()


def _independent(exp: Expected) -> dict[str, object]:
    held = [r for r in exp.reviews if in_period(r.held)]
    timing = Counter(r.timing for r in held)
    codes = Counter(r.code for r in held if r.code)
    drifting = 0
    for made, history in exp.decisions:
        if made > TO:
            continue
        statuses = [s for day, _n, s in sorted(history, key=lambda h: h[1]) if day <= TO]
        pairs = any(a is b is DecisionStatus.NOT_DONE for a, b in zip(statuses, statuses[1:]))
        if pairs and statuses[-1] not in (DecisionStatus.DONE, DecisionStatus.NO_LONGER_NEEDED):
            drifting += 1
    ends = [date(y, m, calendar.monthrange(y, m)[1])
            for y, m in [(2025, m) for m in range(4, 13)] + [(2026, m) for m in range(1, 4)]]
    return {
        "reviews_held": len(held),
        "reviews_on_time": timing["on"],
        "reviews_late": timing["late"],
        "reviews_timeliness_unknown": timing["unknown"],
        "participation": {f"PN{i}": codes[f"PN{i}"] for i in range(8)},
        "participation_not_recorded": sum(1 for r in held if not r.code),
        "children_seen_before_review": sum(1 for r in held if r.seen),
        "decisions_made": sum(1 for made, _h in exp.decisions if in_period(made)),
        "decisions_completed": sum(1 for _m, h in exp.decisions
                                   if any(in_period(d) and s is DecisionStatus.DONE
                                          for d, _n, s in h)),
        "decisions_drifting": drifting,
        "escalations_raised": exp.raised,
        "escalations_by_stage": {s.value: exp.stages[s.value] for s in Stage},
        "escalations_by_outcome": {o.value: exp.outcomes[o.value] for o in Outcome},
        "escalations_open_at_end": exp.open_at_end,
        "monitoring_by_kind": {k.value: exp.kinds[k.value] for k in EntryKind},
        "significant_changes_by_type": {c.value: exp.changes[c.value] for c in ChangeType},
        "caseload_size": [{"date": d.isoformat(),
                           "children": sum(1 for lac in exp.looked_after if lac <= d)}
                          for d in ends],
    }


@pytest.mark.parametrize("code", [c for c, _n, _nation in COUNCILS])
def test_report_figures_match_an_independent_count(year, code: str) -> None:  # type: ignore[no-untyped-def]
    vault, expected = year
    figures = ReportService(vault, today=lambda: TODAY).report(code, FROM, TO).to_json()
    independent = _independent(expected[code])
    assert {k: figures[k] for k in independent} == independent
    # the year is not trivial: every kind of figure is exercised somewhere
    assert independent["reviews_on_time"] and independent["reviews_late"]
    assert independent["decisions_made"]


def test_the_year_exercises_every_figure_across_the_councils(year) -> None:  # type: ignore[no-untyped-def]
    vault, expected = year
    total: Counter[str] = Counter()
    for code in expected:
        data = _independent(expected[code])
        for key in ("participation_not_recorded", "children_seen_before_review",
                    "decisions_completed", "decisions_drifting", "escalations_raised",
                    "escalations_open_at_end"):
            total[key] += data[key]  # type: ignore[operator]
        for key in ("escalations_by_stage", "escalations_by_outcome", "monitoring_by_kind"):
            for item, n in data[key].items():  # type: ignore[attr-defined]
                total[f"{key}.{item}"] += n
    assert all(total.values()), total
