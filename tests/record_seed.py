"""Reviews for the record and letter tests (and the page images in docs/word-export.md):
a rich review of a school-age child, a review of a 2-year-old, a review that is only
planned, and a finalised record amended afterwards. Built on the demo caseload with the
services, as the window would, so the tests read what a user would export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import update

from iro_desktop.core.reviews import AttendanceStatus, ReviewStatus, for_child_key
from iro_desktop.core.chair import Chair
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.core.redaction import MarkedText
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import ChildRow

CHAIR = Chair("Alex Morgan", "Independent Reviewing Officer", "01632 960 123",
              "alex.morgan@example.gov.uk")
ADVOCACY = "Coram Voice helps children in care: call 0808 800 5792 (free)"
COMPLAINTS = "Call the children's complaints team on 01632 960 500"
PROFESSIONAL_HEALTH = ("Initial health assessment completed. SDQ score 17 (borderline). "
                       "CAMHS referral outstanding; LAC nurse chasing.")
RISK_DECISION = "Complete a risk assessment of the mother's partner"


@dataclass(frozen=True)
class Seeded:
    council_id: str
    review_id: int
    child_id: int
    people: dict[str, int]  # role word -> person id


def _pick(vault, low: int, high: int, taken: set[int]):  # type: ignore[no-untyped-def]
    caseload = CaseloadService(vault)
    reviews = ReviewService(vault)
    for entry in caseload.entries():
        if (low <= entry.age <= high and entry.child.id not in taken
                and not reviews.reviews(entry.council.id, entry.child.id)):
            return entry
    raise AssertionError("no demo child fits")


def _network(reviews: ReviewService, cid: str, child_id: int) -> dict[str, int]:
    people = {
        "carer": reviews.add_person(cid, child_id, "Sam Whitfield", "Carer",
                                    "Hillside Fostering"),
        "parent": reviews.add_person(cid, child_id, "Dana Price", "Parent"),
        "social_worker": reviews.add_person(cid, child_id, "Jo Brennan", "Social worker",
                                            "Children in Care Team 2"),
        "teacher": reviews.add_person(cid, child_id, "Ms Okafor", "Teacher",
                                      "Brook Primary School"),
        "health": reviews.add_person(cid, child_id, "Priya Shah", "Health",
                                     "Looked After Children Nurse"),
    }
    reviews.update_person(cid, people["carer"].id, address="12 Hill Road\nEastmere EM1 2AB")
    reviews.update_person(cid, people["parent"].id, address="4 Mill Lane, Eastmere EM3 9ZZ")
    return {k: p.id for k, p in people.items()}


def rich_review(vault, *, finalise: bool = True) -> Seeded:  # type: ignore[no-untyped-def]
    """A school-age child's second-or-later review with everything a council asks for."""
    entry = _pick(vault, 9, 13, set())
    cid, child_id = entry.council.id, entry.child.id
    reviews = ReviewService(vault)
    today = CaseloadService(vault).today()
    held = today - timedelta(days=3)
    profiles = CouncilProfileService(vault)
    profiles.set(cid, "advocacy", ADVOCACY)
    profiles.set(cid, "complaints", COMPLAINTS)
    people = _network(reviews, cid, child_id)
    reviews.set_placement(cid, child_id, confidential=True, address="12 Hill Road, Eastmere")
    rid = reviews.plan_review(cid, child_id, held, "Brook Primary School")
    reviews.set_status(cid, rid, ReviewStatus.HELD)
    for role, status, reason in (("carer", AttendanceStatus.ATTENDED, ""),
                                 ("parent", AttendanceStatus.CONSULTED, "Spoke by phone"),
                                 ("social_worker", AttendanceStatus.ATTENDED, ""),
                                 ("teacher", AttendanceStatus.WRITTEN, "Report sent"),
                                 ("health", AttendanceStatus.APOLOGIES, "Clinic")):
        reviews.set_attendance(cid, rid, people[role], status, reason)
    reviews.update_review(cid, rid, participation_code="PN1", advocate_offered=True,
                          brought_forward=True, care_plan_endorsed="in_part",
                          child_seen_on=held - timedelta(days=12),
                          child_seen_alone_on=held - timedelta(days=12),
                          midway_on=held - timedelta(days=90),
                          placement_start=held - timedelta(days=400),
                          team_manager="Chris Adeyemi")
    reviews.save_texts(cid, {
        (rid, "letter.note"): "Dear Grace,\n\nThank you for showing me your drawings.",
        (rid, "voice.views"): "I like living with Sam. I want to see my brother more.\n"
                              "- football on Saturdays\n- maths is hard",
        (rid, "voice.wants"): "To stay here and have more time with my brother.",
        (rid, "voice.how_gathered"): "Met the IRO alone at school; Mind of My Own Express.",
        (rid, "prep.spoke_alone"): "Seen alone at school for 30 minutes.",
        (rid, "prep.reports"): "Social worker's report, care plan and PEP received 5 days "
                               "before.",
        (rid, "prep.consultation"): "Carer's and mother's consultation forms returned.",
        (rid, "prep.midway"): "Midway discussion with the social worker about family time.",
        (rid, "agenda:welcome"): "Introductions; the child chose the venue.",
        (rid, "agenda:care_plan"): "Long-term fostering with Sam Whitfield.",
        (rid, "care_plan.endorsement"): "Endorsed except the family time plan, which must "
                                        "increase.",
        (rid, "agenda:health"): PROFESSIONAL_HEALTH,
        (rid, for_child_key("health")): "You had your health check. Sam will take you to "
                                        "the dentist soon.",
        # the last line is withheld from the parents (a mark beside the text)
        (rid, "agenda:education"): MarkedText(
            "PEP reviewed. Attendance 96%. Extra maths support.\n\n"
            "School transport via the carer's street.", {2: frozenset({"parents"})}),
        (rid, for_child_key("education")): "Your teacher says you work hard. You will get "
                                           "extra help with maths.",
        (rid, "agenda:family_time"): "Contact with mother supervised monthly.",
        (rid, "agenda:summary"): "A settled placement. Family time with the brother needs "
                                 "to increase.",
        (rid, "agenda:next_review"): "Copies by secure email.",
    })
    decisions = {
        "dental": reviews.add_decision(cid, rid, "Book a dental check-up",
                                       person_id=people["carer"], due_date=held
                                       + timedelta(weeks=2), agenda_key="health"),
        "family": reviews.add_decision(cid, rid, "Arrange fortnightly family time with "
                                       "brother", person_id=people["social_worker"],
                                       due_date=held + timedelta(weeks=6),
                                       agenda_key="family_time"),
        "risk": reviews.add_decision(cid, rid, RISK_DECISION,
                                     person_id=people["social_worker"],
                                     due_date=held + timedelta(weeks=4), agenda_key="safety"),
    }
    reviews.set_mark(cid, rid, "voice.views", "letter", True)
    reviews.set_mark(cid, rid, f"decision:{decisions['dental'].id}", "letter", True)
    reviews.set_mark(cid, rid, f"decision:{decisions['family'].id}", "letter", True)
    reviews.set_next_review(cid, rid, held + timedelta(days=150), "Sam's home")
    if finalise:
        reviews.finalise(cid, rid)
    return Seeded(cid, rid, child_id, people)


def under_four_review(vault) -> Seeded:  # type: ignore[no-untyped-def]
    """A 2-year-old's review, held and finalised, with for-the-child texts."""
    entry = _pick(vault, 5, 16, set())
    cid, child_id = entry.council.id, entry.child.id
    today = CaseloadService(vault).today()
    held = today - timedelta(days=2)
    born = date(held.year - 2, held.month, 1)
    with vault.session(cid) as s:
        s.execute(update(ChildRow).where(ChildRow.id == child_id).values(
            date_of_birth=born, date_became_looked_after=born + timedelta(days=200),
            preferred_name="Alfie"))
    reviews = ReviewService(vault)
    people = _network(reviews, cid, child_id)
    rid = reviews.plan_review(cid, child_id, held, "Carer's home")
    reviews.set_status(cid, rid, ReviewStatus.HELD)
    reviews.set_attendance(cid, rid, people["carer"], AttendanceStatus.ATTENDED)
    reviews.set_attendance(cid, rid, people["health"], AttendanceStatus.ATTENDED)
    reviews.set_attendance(cid, rid, people["parent"], AttendanceStatus.APOLOGIES, "Unwell")
    reviews.update_review(cid, rid, participation_code="PN0", care_plan_endorsed="yes",
                          child_seen_on=held - timedelta(days=5), team_manager="Chris Adeyemi")
    reviews.save_texts(cid, {
        (rid, "agenda:health"): "Immunisations up to date. Speech referral made.",
        (rid, for_child_key("health")): "You were growing well and had all your "
                                        "injections.",
        (rid, "agenda:early_years"): "Walking and saying about 20 words; nursery 2 days.",
        (rid, for_child_key("early_years")): "You loved the sandpit at nursery and were "
                                             "starting to say lots of words.",
        (rid, "agenda:summary"): "Settled with Sam; plan for permanence progressing.",
    })
    dec = reviews.add_decision(cid, rid, "Start life-story work", person_id=people[
        "social_worker"], due_date=held + timedelta(weeks=8), agenda_key="identity")
    reviews.set_mark(cid, rid, f"decision:{dec.id}", "letter", True)
    reviews.set_next_review(cid, rid, held + timedelta(days=150), "Carer's home")
    reviews.finalise(cid, rid)
    return Seeded(cid, rid, child_id, people)


def amended_review(vault) -> Seeded:  # type: ignore[no-untyped-def]
    """The rich review, finalised, signed off by the manager, then amended."""
    seeded = rich_review(vault)
    reviews = ReviewService(vault)
    reviews.amend(seeded.council_id, seeded.review_id, "agenda:health",
                  "Initial health assessment completed; dental check booked.",
                  "The dental check was booked on the day; the first text said it was not.")
    reviews.sign_off(seeded.council_id, seeded.review_id, manager="Chris Adeyemi",
                     comments="Agree with the IRO: family time to increase.")
    return seeded


def planned_review(vault) -> Seeded:  # type: ignore[no-untyped-def]
    """A review that is planned but not held."""
    entry = _pick(vault, 6, 14, set())
    cid, child_id = entry.council.id, entry.child.id
    reviews = ReviewService(vault)
    today = CaseloadService(vault).today()
    rid = reviews.plan_review(cid, child_id, today + timedelta(days=10), "School")
    return Seeded(cid, rid, child_id, {})
