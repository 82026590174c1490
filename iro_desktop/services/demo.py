"""The demo caseload: 72 fictional children in three councils, for training and support.

The sample was written on ``ANCHOR``; its dates are moved forward by the days
since then so the demo always shows a realistic mix of overdue and due reviews.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta  # noqa: F401

from iro_desktop import paths
from iro_desktop.core.models import Nation
from iro_desktop.services.caseload import CaseloadService, ImportReport
from iro_desktop.storage.vault import Vault

ANCHOR = date(2026, 11, 24)
DEMO_NATIONS = {"NBK": Nation.ENGLAND, "EMB": Nation.ENGLAND, "VOH": Nation.WALES}
_DATE_COLUMNS = ("date_of_birth", "date_became_looked_after", "last_review_date")


def demo_csv(today: date) -> bytes:
    """The demo caseload with its dates moved to be current on ``today``."""
    raw = paths.resource_path("demo", "caseload.csv").read_text("utf-8-sig")
    shift = timedelta(days=max(0, (today - ANCHOR).days))
    if not shift:
        return raw.encode("utf-8")
    reader = csv.DictReader(io.StringIO(raw))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
    writer.writeheader()
    for row in reader:
        for column in _DATE_COLUMNS:
            if row.get(column):
                moved = datetime.strptime(row[column], "%d/%m/%Y").date() + shift
                row[column] = moved.strftime("%d/%m/%Y")
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def seed_demo(vault: Vault, *, with_reviews: bool = True) -> ImportReport:
    """The demo caseload and (unless asked not to) three sample reviews."""
    service = CaseloadService(vault)
    report = service.import_caseload(demo_csv(service.today()), nations=DEMO_NATIONS)
    if with_reviews:
        seed_demo_reviews(vault)
    return report


# ---- sample reviews (training and support) ---------------------------------------------

_NETWORK = (("Sam Whitfield", "Carer", "Hillside Fostering", "foster carer"),
            ("Dana Price", "Parent", "", "mother"),
            ("Ms Okafor", "Teacher", "Brook Primary School", ""),
            ("Priya Shah", "Health", "Looked After Children Nurse", ""))


def seed_demo_reviews(vault: Vault) -> int:
    """Three sample reviews: one finalised with decisions, one whose record is being
    written, one planned. Returns how many were added (0 if the demo already has them)."""
    from iro_desktop.core.reviews import AttendanceStatus, ReviewStatus
    from iro_desktop.services.reviews import ReviewService

    caseload = CaseloadService(vault)
    reviews = ReviewService(vault, today=caseload.today)
    today = caseload.today()
    picked = {}
    for entry in caseload.entries():
        code = entry.council.code
        if code not in picked and entry.child.record.reviews_held >= 2 and 5 <= entry.age <= 15:
            picked[code] = entry
    added = 0
    for index, code in enumerate(sorted(picked)):
        entry = picked[code]
        cid, child_id = entry.council.id, entry.child.id
        if reviews.reviews(cid, child_id):
            continue
        people = [reviews.add_person(cid, child_id, *p) for p in _NETWORK]
        people.append(reviews.add_person(cid, child_id, entry.child.record.social_worker
                                         or "Allocated social worker", "Social worker",
                                         entry.council.name))
        held = today - timedelta(days=(20, 1, -5)[index])
        rid = reviews.plan_review(cid, child_id, held, "Carer's home")
        added += 1
        if index == 2:  # planned: preparation under way
            reviews.save_texts(cid, {(rid, "prep.spoke_alone"): "Visited at school; spoke alone "
                                     "for 30 minutes about contact and football.",
                                     (rid, "invitees"): "Carer, mother, teacher, LAC nurse, "
                                     "social worker."})
            continue
        reviews.set_status(cid, rid, ReviewStatus.HELD)
        for person, status in zip(people, (AttendanceStatus.ATTENDED, AttendanceStatus.APOLOGIES,
                                           AttendanceStatus.WRITTEN, AttendanceStatus.ATTENDED,
                                           AttendanceStatus.ATTENDED)):
            reviews.set_attendance(cid, rid, person.id, status)
        reviews.save_texts(cid, {
            (rid, "voice.views"): "I like living with Sam. I want to see my brother more.\n"
                                  "- football on Saturdays\n- maths is hard",
            (rid, "voice.wants"): "To stay here and have more time with my brother.",
            (rid, "voice.how_gathered"): "Met the IRO alone the week before; Mind of My Own "
                                         "Express statement.",
            (rid, "agenda:health"): "Health assessment completed in October. Dental check "
                                    "overdue; carer to book.",
            (rid, "agenda:education"): "PEP reviewed. Attendance 96%. Extra maths support agreed.",
            (rid, "agenda:summary"): "A settled placement. The plan is long-term fostering; "
                                     "family time with the brother needs to increase.",
        })
        reviews.update_review(cid, rid, participation_code="PN1", advocate_offered=True)
        reviews.add_decision(cid, rid, "Book a dental check-up", person_id=people[0].id,
                             due_date=held + timedelta(weeks=2), agenda_key="health")
        reviews.add_decision(cid, rid, "Arrange fortnightly family time with brother",
                             person_id=people[4].id, due_date=held + timedelta(weeks=6),
                             agenda_key="family_time")
        reviews.add_decision(cid, rid, "Refer for one-to-one maths tutoring",
                             responsible="Virtual school", due_date=held + timedelta(weeks=8),
                             agenda_key="education")
        if index == 0:
            reviews.set_next_review(cid, rid, held + timedelta(days=180), "Carer's home")
            reviews.finalise(cid, rid)
        else:
            reviews.set_status(cid, rid, ReviewStatus.RECORDING)
    return added
