"""The Word copies of one fixed record, part by part, against the XML stored in
``tests/data/export-expected/``: the body (every paragraph, run, table, row and cell with
its style, keep-with-next, spacing, shading, widths and header rows), headers and
footers. What the writer makes and how fast it makes it may change; what the reader
sees may not, without the stored XML being remade and the difference read.

To remake the stored XML after a deliberate change to the document:
``IRO_UPDATE_EXPECTED=1 pytest tests/unit/test_export_expected_xml.py`` (then read the
diff before committing it)."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from lxml import etree

from iro_desktop.core.chair import Chair
from iro_desktop.core.models import Child, ChildRecord, Council, Nation
from iro_desktop.core.records import (
    AgendaItem,
    Amendment,
    Attendance,
    Decision,
    Person,
    ReviewRecord,
)
from iro_desktop.core.reviews import AttendanceStatus, DecisionStatus, ItemState, ReviewStatus
from iro_desktop.export.minutes import build_record

EXPECTED = Path(__file__).resolve().parents[1] / "data" / "export-expected"
TODAY = date(2026, 3, 9)
VARIANTS = ("full", "decisions", "redacted:parents", "redacted:carers", "letter")

COUNCIL = Council(id="c0ffee", code="NBK", name="Northbrook City Council", nation=Nation.ENGLAND)
CHAIR = Chair("Alex Morgan", "Independent Reviewing Officer", "01632 960 123")
CARER = Person(1, "Sam Whitfield", "Carer", "Hillside Fostering", "12 Hill Road, Eastmere",
               relationship="foster carer")
MOTHER = Person(2, "Dana Price", "Parent", "", "4 Mill Lane, Westby", relationship="mother")
WORKER = Person(3, "Jo Brennan", "Social worker", "Northbrook Children's Services")
TEACHER = Person(4, "Pat Okafor", "Teacher", "Eastmere Primary")
NURSE = Person(5, "Lee Shah", "Health professional", "LAC nursing team")


def _decision(n: int, text: str, who: Person, agenda: str, *, review: int = 7,
              status: DecisionStatus = DecisionStatus.OPEN,
              update: DecisionStatus | None = None, comment: str = "") -> Decision:
    return Decision(id=n, review_id=70 if review == 7 else 60, review_number=review, text=text,
                    responsible=who.name, person_id=who.id, due_date=date(2026, 4, n % 28 + 1),
                    agenda_key=agenda, status=status, update_status=update,
                    update_comment=comment)


def _record() -> ReviewRecord:
    child = Child(11, COUNCIL.id, ChildRecord(
        child_ref="NB927036", first_name="Grace", last_name="Smith", preferred_name="Gracie",
        date_of_birth=date(2016, 5, 14), gender="F", legal_status="C2", placement_type="U1",
        date_became_looked_after=date(2022, 1, 10), reviews_held=6,
        last_review_date=date(2025, 9, 2), social_worker="Jo Brennan"))
    keys = ("welcome", "wishes", "previous_decisions", "placement", "health", "education",
            "contact", "care_plan", "summary", "next_review", "leisure")
    titles = {"welcome": "Welcome and introductions", "wishes": "The child's wishes",
              "previous_decisions": "Previous decisions", "placement": "Placement",
              "health": "Health", "education": "Education", "contact": "Family time",
              "care_plan": "Care plan", "summary": "IRO summary and decisions",
              "next_review": "Next review", "leisure": "Leisure"}
    agenda = [AgendaItem(n, key, titles[key], "", ItemState.NOT_APPLICABLE if key == "leisure"
                         else ItemState.DONE, False) for n, key in enumerate(keys, start=1)]
    texts = {
        "voice.views": "I like living with Sam.\nI want to see my brother more.\n\n"
                       "- football on Saturdays\n* more time with Mum\n\u2022 a bike",
        "voice.wants": "To stay where she is.",
        "voice.how_gathered": "Met Grace at school\tbefore the review.",
        "prep.spoke_alone": "Grace was seen alone on 2 March.",
        "agenda:welcome": "Everyone introduced themselves.",
        "agenda:wishes": "Grace spoke for herself.",
        "agenda:placement": "Settled placement.\r\nCarer reports good progress.\r\rA bell "
                            "\x07 was typed here.",
        "agenda:health": "Dental check due.\nMother's health is poor.\nSDQ 17.",
        "agenda:education": "Year 5. Reading age above her age.",
        "agenda:contact": "Fortnightly with Mum at the family centre.",
        "agenda:care_plan": "The plan is long-term fostering.",
        "care_plan.endorsement": "Endorsed except the contact plan, to be looked at again.",
        "agenda:summary": "A good review.",
        "agenda:next_review": "Copies by post.",
        "next.venue": "Eastmere Primary",
    }
    decisions = [_decision(n, f"Decision {n}: arrange the {word}", who, agenda)
                 for n, (word, who, agenda) in enumerate([
                     ("dental check", CARER, "health"), ("PEP meeting", TEACHER, "education"),
                     ("family time review", WORKER, "contact"), ("bike", CARER, ""),
                     ("life story work", WORKER, "placement"), ("SDQ", NURSE, "health"),
                     ("school trip consent", WORKER, "education"),
                     ("passport", WORKER, "")], start=1)]
    earlier = [_decision(20, "Register with a dentist", CARER, "health", review=6,
                         status=DecisionStatus.DONE, update=DecisionStatus.DONE,
                         comment="Registered in January."),
               _decision(21, "Contact plan with the mother", MOTHER, "contact", review=6,
                         update=DecisionStatus.IN_PROGRESS)]
    return ReviewRecord(
        council_id=COUNCIL.id, id=70, child=child, number=7, status=ReviewStatus.FINALISED,
        planned_date=date(2026, 3, 3), held_date=date(2026, 3, 3), venue="Carer's home",
        participation_code="PN1", advocate_offered=True, advocate_used=False,
        child_chaired="no", next_review_date=date(2026, 9, 1),
        finalised_at=datetime(2026, 3, 6, 14, 30), texts=texts, agenda=agenda,
        attendance=[Attendance(CARER, AttendanceStatus.ATTENDED, ""),
                    Attendance(MOTHER, AttendanceStatus.APOLOGIES, "Unwell"),
                    Attendance(WORKER, AttendanceStatus.ATTENDED, ""),
                    Attendance(TEACHER, AttendanceStatus.WRITTEN, "Report sent")],
        decisions=decisions, earlier_decisions=earlier,
        amendments=[Amendment("agenda:health", "Dental check overdue.", texts["agenda:health"],
                              "Wrong date", datetime(2026, 3, 7, 9, 5))],
        marks={"agenda:contact": {"withhold:carers"}},
        line_marks={"agenda:health": {1: frozenset({"parents"})}},
        placement_address="12 Hill Road, Eastmere", brought_forward=False,
        care_plan_endorsed="in_part", child_seen_on=date(2026, 2, 20),
        child_seen_alone_on=date(2026, 3, 2), midway_on=date(2025, 12, 1),
        placement_start=date(2023, 6, 1), team_manager="Chris Adeyemi",
        manager_name="Chris Adeyemi", manager_comments="Agreed.",
        manager_signed_on=date(2026, 3, 8), last_review_date=date(2025, 9, 2))


def _parts(data: bytes) -> dict[str, str]:
    """The document's body, headers and footers as indented canonical XML."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(archive.namelist()):
            if name == "word/document.xml" or name.startswith(("word/header", "word/footer")):
                root = etree.fromstring(archive.read(name))
                if name == "word/document.xml":
                    root = root[0]  # w:body
                tree = etree.fromstring(etree.tostring(root, method="c14n"))
                etree.indent(tree, space=" ")
                out[name] = etree.tostring(tree, encoding="unicode")
    return out


def _expected_text(parts: dict[str, str]) -> str:
    return "".join(f"<!-- {name} -->\n{xml}\n" for name, xml in parts.items())


@pytest.mark.parametrize("variant", VARIANTS)
def test_copy_is_the_stored_xml(variant: str) -> None:
    network = [CARER, MOTHER, WORKER, TEACHER, NURSE]
    data = build_record(_record(), COUNCIL, variant=variant, chair=CHAIR, network=network,
                        today=TODAY, advocacy="Coram Voice: 0808 800 5792",
                        complaints="Call 01632 960 500")
    got = _expected_text(_parts(data))
    path = EXPECTED / f"{variant.replace(':', '-')}.xml"
    if os.environ.get("IRO_UPDATE_EXPECTED") == "1":
        path.write_text(got, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert got == expected, f"{variant}: the document differs from {path.name}"


def _blank_by_itertext(p) -> bool:  # type: ignore[no-untyped-def]
    """How a header paragraph was judged blank before: ``itertext()``, which reads
    python-docx's ``text`` of the paragraph and of each run."""
    from docx.oxml.ns import qn

    if "".join(p.itertext()).strip():
        return False
    return not any(True for tag in ("w:drawing", "w:pict", "w:fldChar", "w:fldSimple",
                                    "w:object") for _ in p.iter(qn(tag)))


def test_a_blank_header_paragraph_is_judged_as_before() -> None:
    import itertools

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    from iro_desktop.export.layout import _is_blank

    pieces = ['<w:r><w:t> </w:t></w:r>', '<w:r><w:t>x</w:t></w:r>', '<w:r><w:tab/></w:r>',
              '<w:r><w:br/></w:r>', '<w:r><w:noBreakHyphen/></w:r>', '<w:noBreakHyphen/>',
              '<w:hyperlink><w:r><w:noBreakHyphen/></w:r></w:hyperlink>', '<!-- note -->',
              '<?pi x?>', '<w:pPr><w:pStyle w:val="Header"/></w:pPr>',
              '<w:r><w:fldChar w:fldCharType="begin"/></w:r>', '<w:r><w:drawing/></w:r>',
              ' stray ', '<w:r>inside<w:t/>after</w:r>', '<w:hyperlink>h<w:r/>t</w:hyperlink>',
              '<w:sdt><w:sdtContent><w:r><w:t>q</w:t></w:r></w:sdtContent></w:sdt>',
              '<w:r><w:t>\u00a0</w:t></w:r>', '<w:r><w:br w:type="page"/></w:r>']
    for count in range(3):
        for combo in itertools.product(pieces, repeat=count):
            p = parse_xml(f'<w:p {nsdecls("w")}>' + "".join(combo) + "</w:p>")
            assert _is_blank(p) == _blank_by_itertext(p), "".join(combo)
