"""Escalation (dispute resolution): a concern moves through informal resolution and the formal
stages to an outcome; a late response shows on the dashboard until it is answered."""

from __future__ import annotations

from datetime import date

import pytest

from iro_desktop.core.escalation import Outcome, Stage
from iro_desktop.core.models import Nation
from iro_desktop.core.review_clock import add_working_days
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.dashboard import DashboardService
from iro_desktop.services.escalation import EscalationError, EscalationService

HEADER = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
          "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
          "last_review_date,reviews_held,social_worker,notes\n")


class Clock:
    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


@pytest.fixture
def setup(vault):  # type: ignore[no-untyped-def]
    clock = Clock(date(2026, 3, 2))
    CaseloadService(vault, today=clock).import_caseload(
        (HEADER + "NBK,Northbrook City Council,NB1,Ava,Brook,,01/02/2014,F,C2,U4,01/03/2022,"
                  "02/02/2026,4,Jo Fielding,\n"
                  "VOH,Vale of Hafren Council,VH-1,Rhys,Pugh,,01/02/2013,M,C2,U4,01/03/2021,"
                  "02/02/2026,6,Nia Rowlands,\n").encode(),
        nations={"NBK": Nation.ENGLAND, "VOH": Nation.WALES})
    children = {e.council.code: (e.council.id, e.child.id)
                for e in CaseloadService(vault, today=clock).entries()}
    return vault, clock, children


def _overdue(vault, clock):  # type: ignore[no-untyped-def]
    return [(o.council.code, o.child_ref, o.stage.stage)
            for o in DashboardService(vault, today=clock).dashboard().escalations_overdue]


def test_an_escalation_moves_through_every_stage_and_shows_overdue_on_the_dashboard(setup) -> None:  # type: ignore[no-untyped-def]
    vault, clock, children = setup
    cid, child = children["NBK"]
    service = EscalationService(vault, today=clock)

    esc = service.raise_concern(cid, child, "No allocated social worker for six weeks",
                                "A named social worker within 10 days", date(2026, 3, 16),
                                who="Team manager, Children in Care 2")
    (informal,) = esc.stages
    assert informal.stage is Stage.INFORMAL and esc.current_stage is Stage.INFORMAL
    assert informal.raised_on == date(2026, 3, 2)
    assert informal.response_due == date(2026, 3, 16)  # 10 working days
    assert esc.is_open and esc.formal_deadline is None

    clock.day = date(2026, 3, 16)  # due today: not yet overdue
    assert _overdue(vault, clock) == []
    clock.day = date(2026, 3, 17)
    assert _overdue(vault, clock) == [("NBK", "NB1", Stage.INFORMAL)]
    overdue = DashboardService(vault, today=clock).dashboard().escalations_overdue[0]
    assert overdue.days_overdue(clock.day) == 1 and overdue.child_name == "Ava Brook"

    # no answer: up to formal stage 1; the informal stage stays overdue until answered
    esc = service.escalate(cid, esc.id, Stage.FORMAL_1, "Service manager")
    formal1 = esc.stage(Stage.FORMAL_1)
    assert formal1 is not None and formal1.response_due == add_working_days(clock.day, 10)
    assert esc.formal_deadline == add_working_days(date(2026, 3, 17), 20)
    assert _overdue(vault, clock) == [("NBK", "NB1", Stage.INFORMAL)]
    esc = service.record_response(cid, informal.id, "Passed to the service manager",
                                  date(2026, 3, 17))
    assert _overdue(vault, clock) == []

    clock.day = date(2026, 4, 6)
    esc = service.record_response(cid, formal1.id, "A social worker will be allocated by "
                                  "the end of April.")
    # the IRO skips a level, with their own deadline for the reply
    esc = service.escalate(cid, esc.id, Stage.FORMAL_3, "Director of Children's Services",
                           response_due=date(2026, 4, 13))
    assert esc.current_stage is Stage.FORMAL_3 and esc.stage(Stage.FORMAL_2) is None
    clock.day = date(2026, 4, 14)
    assert _overdue(vault, clock) == [("NBK", "NB1", Stage.FORMAL_3)]

    # Cafcass alongside the formal stage, then the outcome
    esc = service.escalate(cid, esc.id, Stage.CAFCASS, "Cafcass duty team")
    cafcass = esc.stage(Stage.CAFCASS)
    assert cafcass is not None and cafcass.response_due is None  # no deadline of ours
    assert esc.referred_to_cafcass and esc.current_stage is Stage.FORMAL_3
    esc = service.close(cid, esc.id, Outcome.REFERRED_TO_CAFCASS, "Cafcass officer allocated")
    assert not esc.is_open and esc.outcome is Outcome.REFERRED_TO_CAFCASS
    assert esc.closed_on == date(2026, 4, 14)
    assert [s.stage for s in esc.stages] == [Stage.INFORMAL, Stage.FORMAL_1, Stage.FORMAL_3,
                                             Stage.CAFCASS]
    assert _overdue(vault, clock) == []  # a closed escalation chases nobody
    with pytest.raises(EscalationError, match="closed on 14/04/2026"):
        service.escalate(cid, esc.id, Stage.FORMAL_2, "Anyone")
    assert service.escalations(cid, child)[0] == esc
    assert service.escalations(cid, child, open_only=True) == []


def test_overdue_responses_come_from_every_council_longest_overdue_first(setup) -> None:  # type: ignore[no-untyped-def]
    vault, clock, children = setup
    service = EscalationService(vault, today=clock)
    for code, raised in (("VOH", date(2026, 2, 2)), ("NBK", date(2026, 2, 10))):
        cid, child = children[code]
        service.raise_concern(cid, child, "Drift in the plan", "A permanence plan",
                              None, opened_on=raised, who="Team manager")
    assert [(o.council.code, o.stage.stage) for o in service.overdue()] == [
        ("VOH", Stage.INFORMAL), ("NBK", Stage.INFORMAL)]


@pytest.mark.parametrize("first, steps, message", [
    (Stage.INFORMAL, [(Stage.FORMAL_2, "a")], None),
    (Stage.INFORMAL, [(Stage.FORMAL_2, "a"), (Stage.FORMAL_1, "b")], "must be a higher one"),
    (Stage.FORMAL_1, [(Stage.INFORMAL, "b")], "comes before the formal stages"),
    (Stage.INFORMAL, [(Stage.CAFCASS, "a"), (Stage.CAFCASS, "b")], "already been raised"),
    (Stage.FORMAL_1, [(Stage.FORMAL_1, "b")], "already been raised"),
    (Stage.INFORMAL, [(Stage.FORMAL_1, "  ")], "Say who"),
])
def test_stage_rules(setup, first, steps, message) -> None:  # type: ignore[no-untyped-def]
    vault, clock, children = setup
    cid, child = children["NBK"]
    service = EscalationService(vault, today=clock)
    esc = service.raise_concern(cid, child, "Concern", "Resolution", None, who="Team manager",
                                opened_on=date(2026, 2, 2), stage=first)
    *ok, last = steps
    for stage, who in ok:
        esc = service.escalate(cid, esc.id, stage, who)
    if message is None:
        esc = service.escalate(cid, esc.id, last[0], last[1])
        assert esc.current_stage is last[0]
        return
    with pytest.raises(EscalationError, match=message):
        service.escalate(cid, esc.id, last[0], last[1])
    assert len(service.escalation(cid, esc.id).stages) == 1 + len(ok)


def test_the_first_stage_may_be_formal_and_dates_are_checked(setup) -> None:  # type: ignore[no-untyped-def]
    vault, clock, children = setup
    cid, child = children["NBK"]
    service = EscalationService(vault, today=clock)
    with pytest.raises(EscalationError, match="future"):
        service.raise_concern(cid, child, "c", "r", None, opened_on=date(2026, 3, 3), who="x")
    with pytest.raises(EscalationError, match="Describe the concern"):
        service.raise_concern(cid, child, "  ", "r", None, who="x")
    with pytest.raises(EscalationError, match="timescale"):
        service.raise_concern(cid, child, "c", "r", date(2026, 1, 1), who="x")
    esc = service.raise_concern(cid, child, "Unsafe placement", "Move within a week",
                                date(2026, 3, 9), stage=Stage.FORMAL_1, who="Head of service",
                                opened_on=date(2026, 2, 23))
    assert esc.current_stage is Stage.FORMAL_1
    assert esc.formal_deadline == add_working_days(date(2026, 2, 23), 20)
    stage = esc.stages[0]
    with pytest.raises(EscalationError, match="before the stage was raised"):
        service.record_response(cid, stage.id, "Too early", date(2026, 2, 20))
    with pytest.raises(EscalationError, match="before the concern was raised"):
        service.escalate(cid, esc.id, Stage.FORMAL_2, "Director", raised_on=date(2026, 2, 20))
    esc = service.escalate(cid, esc.id, Stage.FORMAL_2, "Assistant director",
                           raised_on=date(2026, 2, 26))
    with pytest.raises(EscalationError, match="before the last one"):
        service.escalate(cid, esc.id, Stage.FORMAL_3, "Director", raised_on=date(2026, 2, 25))
    with pytest.raises(EscalationError, match="before the stage is raised"):
        service.escalate(cid, esc.id, Stage.FORMAL_3, "Director", raised_on=date(2026, 2, 27),
                         response_due=date(2026, 2, 26))
    with pytest.raises(EscalationError, match="Write what the response was"):
        service.record_response(cid, stage.id, " ")
    esc = service.close(cid, esc.id, Outcome.WITHDRAWN, "Child moved on 01/03")
    assert esc.outcome is Outcome.WITHDRAWN and not esc.referred_to_cafcass


def test_closing_as_a_cafcass_referral_records_the_referral(setup) -> None:  # type: ignore[no-untyped-def]
    vault, clock, children = setup
    cid, child = children["VOH"]
    service = EscalationService(vault, today=clock)
    esc = service.raise_concern(cid, child, "Care plan not followed", "Follow the plan", None,
                                who="Team manager", opened_on=date(2026, 2, 2))
    esc = service.close(cid, esc.id, Outcome.REFERRED_TO_CAFCASS)
    assert esc.referred_to_cafcass and esc.stage(Stage.CAFCASS).raised_on == clock.day
    assert esc.overdue_stages(date(2027, 1, 1)) == []
