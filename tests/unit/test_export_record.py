"""The council's full record, read from the produced .docx: front sheet, social work
activity, attendance, numbered decisions, care-plan endorsement, who gets which copy,
sign-off, the manager's block, the amendment log, DRAFT, and no clutter."""

from __future__ import annotations

import io
from datetime import date, timedelta

import docx
import pytest
from docx.oxml.ns import qn

from iro_desktop.core.reviews import ItemState
from iro_desktop.export.minutes import DRAFT_NOTE
from iro_desktop.services.export import ExportService
from iro_desktop.services.reviews import ReviewError, ReviewService
from tests import record_seed as rs


def _doc(vault, seeded, variant: str = "full"):  # type: ignore[no-untyped-def]
    data = ExportService(vault, chair=rs.CHAIR).export_review(seeded.council_id,
                                                              seeded.review_id, variant)
    return docx.Document(io.BytesIO(data))


def _texts(document) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.text for p in document.paragraphs if p.text.strip()]


def _tables(document) -> list[list[list[str]]]:  # type: ignore[no-untyped-def]
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def _facts(document) -> dict[str, str]:  # type: ignore[no-untyped-def]
    out: dict[str, str] = {}
    for table in _tables(document):
        for row in table:
            if len(row) == 2:
                out.setdefault(row[0], row[1])
    return out


def _table(document, first: list[str]) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return next(t for t in _tables(document) if t[0][:len(first)] == first)


def _headers(document) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for section in document.sections:
        for header in (section.header, section.first_page_header):
            out.append("\n".join(p.text for p in header.paragraphs))
    return out


@pytest.fixture
def rich(demo_vault):  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    return vault, rs.rich_review(vault)


def test_front_sheet_has_what_a_council_form_asks(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    record = ReviewService(vault).record(seeded.council_id, seeded.review_id)
    facts = _facts(_doc(vault, seeded))
    rec = record.child.record
    assert facts["Gender"].startswith(rec.gender + " - ")
    assert facts["Placement start date"] == f"{record.placement_start:%d/%m/%Y}"
    assert facts["Placement address"].startswith("12 Hill Road, Eastmere")
    assert facts["Carers and relationship to the child"] == \
        "Sam Whitfield (foster carer, Hillside Fostering)"
    assert facts["Social worker"] == "Jo Brennan"
    assert facts["Team manager"] == "Chris Adeyemi"
    assert facts["Review type"] == "Subsequent (brought forward)"
    assert record.last_review_date is not None
    assert facts["Date of the last review"] == f"{record.last_review_date:%d/%m/%Y}"
    assert facts["Chair"] == "Alex Morgan, Independent Reviewing Officer"
    assert facts["Care plan endorsed"] == "In part"
    # the parents' copy says the address is confidential, and prints no address at all
    parents = _doc(vault, seeded, "redacted:parents")
    assert _facts(parents)["Placement address"] == "Confidential"
    everything = "\n".join(_texts(parents)) + str(_tables(parents))
    assert "Hill Road" not in everything and "Mill Lane" not in everything


def test_every_page_header_names_the_child(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    record = ReviewService(vault).record(seeded.council_id, seeded.review_id)
    rec = record.child.record
    line = f"{rec.first_name} {rec.last_name} ({rec.child_ref}), review {record.number}"
    for variant in ("full", "decisions", "redacted:carers"):
        headers = _headers(_doc(vault, seeded, variant))
        assert headers and all(line in h for h in headers), variant
        assert not any("DRAFT" in h for h in headers)


def test_social_work_activity_is_printed(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    record = ReviewService(vault).record(seeded.council_id, seeded.review_id)
    document = _doc(vault, seeded)
    facts = _facts(document)
    assert facts["Child last seen by the social worker"] == f"{record.child_seen_on:%d/%m/%Y}"
    assert facts["Child last seen alone"] == f"{record.child_seen_alone_on:%d/%m/%Y}"
    assert facts["Midway (monitoring) contact"] == f"{record.midway_on:%d/%m/%Y}"
    texts = _texts(document)
    for heading, text in (("Seen alone before the review", "Seen alone at school"),
                          ("Reports received", "Social worker's report"),
                          ("Consultation returns", "Carer's and mother's"),
                          ("Midway (monitoring) contact", "Midway discussion")):
        assert texts[texts.index(heading) + 1].startswith(text)


def test_attendance_has_the_child_and_consulted(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    rows = _table(_doc(vault, seeded), ["Name", "Role", "Attendance"])
    assert rows[1][1:3] == ["The child", "Attended (PN1)"]
    assert ["Dana Price", "Parent", "Consulted, did not attend", "Spoke by phone"] in rows


def test_decisions_are_numbered_with_their_agenda_area(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    rows = _table(_doc(vault, seeded), ["No.", "Decision", "Agenda area"])
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert rows[3][1:3] == [rs.RISK_DECISION, "Safety: missing episodes and exploitation"]
    # withheld from the parents: their copy numbers what it shows, with no gap
    reviews = ReviewService(vault)
    record = reviews.record(seeded.council_id, seeded.review_id)
    reviews.set_mark(seeded.council_id, seeded.review_id, f"decision:{record.decisions[1].id}",
                     "withhold:parents", True)
    parents = _table(_doc(vault, seeded, "redacted:parents"), ["No.", "Decision"])
    assert [(r[0], r[1]) for r in parents[1:]] == [("1", record.decisions[0].text),
                                                   ("2", rs.RISK_DECISION)]


def test_care_plan_endorsement_and_reason(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    texts = _texts(_doc(vault, seeded))
    at = texts.index("Care plan endorsed: In part")
    assert texts[at + 1].startswith("Endorsed except the family time plan")


def test_distribution_says_which_copy_each_recipient_gets(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    rows = _table(_doc(vault, seeded), ["Recipient", "Role", "Copy"])
    copies = {r[0].split(" \u2013 ")[0].split("\n")[0]: r[2] for r in rows[1:]}
    assert copies["The council"] == "Full record"
    assert copies["Chris Adeyemi"] == "Full record"
    assert "Letter to the child" in copies.values()
    assert copies["Sam Whitfield"] == "Carers' copy"
    assert copies["Dana Price"] == "Parents' copy"
    assert copies["Jo Brennan"] == "Professionals' copy"
    # addresses only in the council's record
    assert any("4 Mill Lane" in r[0] for r in rows)
    carers = _table(_doc(vault, seeded, "redacted:carers"), ["Recipient", "Role", "Copy"])
    assert not any("Lane" in r[0] or "Road" in r[0] for r in carers)


def test_sign_off_and_manager_block(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    record = ReviewService(vault).record(seeded.council_id, seeded.review_id)
    document = _doc(vault, seeded)
    sign = _table(document, ["Chair", "Alex Morgan"])
    facts = dict((r[0], r[1]) for r in sign)
    assert facts["Role"] == "Independent Reviewing Officer"
    assert facts["Contact"] == "phone 01632 960 123, email alex.morgan@example.gov.uk"
    assert facts["Date finalised"] == f"{record.finalised_at:%d/%m/%Y}"
    manager = _table(document, ["Comments"])
    assert [r[0] for r in manager] == ["Comments", "Team manager", "Signature",
                                       "Date signed off"]
    assert all(not r[1].strip() for r in manager)  # left to complete by hand
    ReviewService(vault).sign_off(seeded.council_id, seeded.review_id, manager="Chris Adeyemi",
                                  comments="Agreed.")
    manager = dict((r[0], r[1]) for r in _table(_doc(vault, seeded), ["Comments"]))
    assert manager == {"Comments": "Agreed.", "Team manager": "Chris Adeyemi",
                       "Date signed off": f"{date.today():%d/%m/%Y}"}
    # a recipient's copy has the chair's sign-off, not the manager's block
    parents = _doc(vault, seeded, "redacted:parents")
    assert "Team manager's comments and sign-off" not in _texts(parents)
    assert "Sign-off" in _texts(parents)


def test_sign_off_rules(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.rich_review(vault, finalise=False)
    reviews = ReviewService(vault)
    with pytest.raises(ReviewError, match="finalise it first"):
        reviews.sign_off(seeded.council_id, seeded.review_id, manager="Chris Adeyemi")
    reviews.finalise(seeded.council_id, seeded.review_id)
    with pytest.raises(ReviewError, match="which manager"):
        reviews.sign_off(seeded.council_id, seeded.review_id, manager="  ")
    with pytest.raises(ReviewError, match="in the future"):
        reviews.sign_off(seeded.council_id, seeded.review_id, manager="C A",
                         signed_on=date.today() + timedelta(days=1))
    with pytest.raises(ReviewError, match="in the future"):
        reviews.update_review(seeded.council_id, rs.planned_review(vault).review_id,
                              child_seen_on=date.today() + timedelta(days=2))
    with pytest.raises(ReviewError, match="yes, no or in part"):
        reviews.update_review(seeded.council_id, rs.planned_review(vault).review_id,
                              care_plan_endorsed="maybe")


def test_an_amended_record_prints_its_amendments(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.amended_review(vault)
    document = _doc(vault, seeded)
    texts = _texts(document)
    assert any(t.startswith("Amended after finalising") for t in texts[:4])
    log = _table(document, ["When", "What changed", "Reason", "Earlier text"])
    assert log[1][1] == "Health" and log[1][2].startswith("The dental check was booked")
    assert log[1][3] == rs.PROFESSIONAL_HEALTH
    assert "Initial health assessment completed; dental check booked." in texts
    # a recipient's copy says it was amended, without the earlier text
    parents = _doc(vault, seeded, "redacted:parents")
    assert any(t.startswith("This record was amended once after it was finalised")
               for t in _texts(parents))
    assert "SDQ" not in str(_tables(parents)) + "\n".join(_texts(parents))


def test_a_draft_says_so_in_every_header_and_its_file_name(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.rich_review(vault, finalise=False)
    for variant in ("full", "decisions", "redacted:parents"):
        document = _doc(vault, seeded, variant)
        assert all(h.split("\n")[1].startswith("DRAFT \u2013 ") for h in _headers(document))
        assert DRAFT_NOTE in _texts(document)
        name = ExportService(vault).filename(seeded.council_id, seeded.review_id, variant)
        assert name.endswith("_DRAFT.docx")
    facts = _facts(_doc(vault, seeded))
    assert facts["Date finalised"] == "not finalised (DRAFT)"
    planned = rs.planned_review(vault)
    assert "DRAFT" in _headers(_doc(vault, planned))[0]


def test_no_empty_headings_and_headings_keep_with_their_text(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    reviews = ReviewService(vault)
    reviews_record = reviews.record(seeded.council_id, seeded.review_id)
    assert reviews_record.finalised
    document = _doc(vault, seeded)
    body = list(document.element.body.iterchildren())
    for index, element in enumerate(body):
        style = element.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") if element.tag == qn("w:p") \
            else None
        if style is None or not style.get(qn("w:val")).startswith("Heading"):
            continue
        level = int(style.get(qn("w:val"))[-1])
        assert element.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None
        after = body[index + 1]
        after_style = after.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") \
            if after.tag == qn("w:p") else None
        if after_style is not None and after_style.get(qn("w:val")).startswith("Heading"):
            assert int(after_style.get(qn("w:val"))[-1]) > level, "".join(element.itertext())
    # a table's heading row stays with the row after it
    for table in document.tables:
        first = table.rows[0]._tr
        assert first.find(f".//{qn('w:keepNext')}") is not None


def test_an_item_not_applicable_is_left_out(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.rich_review(vault, finalise=False)
    ReviewService(vault).set_item_state(seeded.council_id, seeded.review_id, "leisure",
                                        ItemState.NOT_APPLICABLE)
    texts = _texts(_doc(vault, seeded))
    assert "Leisure, interests and friendships" not in texts
    assert "Identity, culture, faith, language and life story" in texts or any(
        t.startswith("Identity") for t in texts)


def test_under_four_record_leaves_out_what_does_not_apply(demo_vault) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    seeded = rs.under_four_review(vault)
    document = _doc(vault, seeded)
    texts = _texts(document)
    for empty in ("Safety: missing episodes and exploitation", "Leisure, interests and "
                  "friendships", "Rights: advocacy, complaints and contact with the IRO",
                  "Advocate offered", "In their own words"):
        assert empty not in texts and empty not in _facts(document), empty
    assert texts.count("Nothing recorded.") <= 1  # at most the care plan, which applies
    assert "Early years development" in texts and "Health" in texts
    rows = _table(document, ["Name", "Role", "Attendance"])
    assert rows[1][2] == "Under 4: did not take part (PN0)"
    copies = _table(document, ["Recipient", "Role", "Copy"])
    assert ["The child", "Record for later life (kept for the child)"] in [r[1:] for r in copies]


def test_previous_decisions_show_the_review_they_were_made_at(rich) -> None:  # type: ignore[no-untyped-def]
    vault, seeded = rich
    from iro_desktop.core.reviews import DecisionStatus

    reviews = ReviewService(vault)
    record = reviews.record(seeded.council_id, seeded.review_id)
    next_id = reviews.plan_review(seeded.council_id, seeded.child_id,
                                  record.held_date + timedelta(days=1), "School")
    reviews.update_decision(seeded.council_id, next_id, record.decisions[0].id,
                            DecisionStatus.DONE, "Seen 2 Dec")
    later = rs.Seeded(seeded.council_id, next_id, seeded.child_id, seeded.people)
    rows = _table(_doc(vault, later), ["Decision", "Review", "Who", "By when"])
    assert rows[1] == [record.decisions[0].text, str(record.number), "Sam Whitfield (Carer)",
                       f"{record.decisions[0].due_date:%d/%m/%Y}", "Done", "Seen 2 Dec"]
    # the review before is this one, even though finalising moved the child's date on
    assert _facts(_doc(vault, later))["Date of the last review"] == \
        f"{record.held_date:%d/%m/%Y}"
