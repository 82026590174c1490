"""Withholding from a recipient group: the tags and marks (core.redaction), and the
redacted copies built from them, checked in every XML part of each .docx."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import docx
import pytest

from iro_desktop.core.redaction import (
    RedactionError,
    for_group,
    group_key,
    paragraph_groups,
    tag,
    toggle_paragraph_tag,
    withheld_from,
    withhold_mark,
)
from iro_desktop.core.reviews import AttendanceStatus, ReviewStatus
from iro_desktop.export.minutes import build_record
from iro_desktop.export.variants import View, copies_for, withheld_note
from iro_desktop.services.export import ExportService
from iro_desktop.services.reviews import Attendance, Decision, ReviewService

# ---- the tags and marks --------------------------------------------------------------


def test_group_key_reads_groups_as_typed() -> None:
    assert group_key("Parents") == "parents" and group_key("parent") == "parents"
    assert group_key("the child") == "child" and group_key(" CARERS ") == "carers"
    assert withhold_mark("Professionals") == "withhold:professionals"
    with pytest.raises(RedactionError, match="parnets"):
        group_key("parnets")


def test_for_group_drops_tagged_paragraphs_and_strips_tags_elsewhere() -> None:
    text = ("Open paragraph.\n\n[withhold from parents] Secret line one\nsecond line\n\n"
            "- bullet kept\n- [withhold from parents, carers] bullet secret\n"
            "[Withhold from the child] child secret")
    assert for_group(text, "parents") == ("Open paragraph.\n\n\n- bullet kept\n"
                                          "[Withhold from the child] child secret"
                                          .replace("[Withhold from the child] ", ""))
    carers = for_group(text, "carers")
    assert "Secret line one\nsecond line" in carers and "bullet secret" not in carers
    assert "[withhold" not in carers.lower()
    full = for_group(text, None)
    assert "[withhold" not in full.lower() and "bullet secret" in full and "child secret" in full
    assert withheld_from(text) == {"parents", "carers", "child"}
    assert [g for _t, g in paragraph_groups(text)] == [{"parents"}, {"parents", "carers"},
                                                      {"child"}]


def test_toggle_paragraph_tag_adds_and_removes_a_group() -> None:
    text = "First.\n\nSecond paragraph\nstill second."
    position = text.index("still")
    tagged, cursor = toggle_paragraph_tag(text, position, "parents")
    assert tagged == "First.\n\n" + tag(["parents"]) + "Second paragraph\nstill second."
    assert tagged[cursor:].startswith("still")
    both, _ = toggle_paragraph_tag(tagged, tagged.index("still"), "carers")
    assert both.split("\n\n")[1].startswith("[withhold from parents, carers] ")
    back, _ = toggle_paragraph_tag(*toggle_paragraph_tag(both, 20, "parents")[:1], 20, "carers")
    assert back == text


# ---- a record with something withheld from each group ------------------------------

SECRET_TEXT = {
    "field": "WANTS-FIELD-SECRET to live with mum",  # voice.wants, withheld from parents
    "tagged": "TAGGED-PARA-SECRET about mum's partner",  # health paragraph, from parents
    "bullet": "BULLET-SECRET for parents and carers",  # health bullet, parents + carers
    "safety": "SAFETY-ITEM-SECRET missing episode",  # agenda:safety, from parents
    "venue": "VENUE-SECRET Hillside Family Centre",  # next.venue, from parents
    "decision": "DECISION-SECRET move school",  # a decision, from parents
    "person_name": "Ms Okafor",  # a person, from parents (all her fields)
    "person_org": "Brook Primary School",
    "person_reason": "PERSON-REASON-SECRET",
    "person_address": "PERSON-ADDRESS-SECRET 4 School Lane",
    "placement": "PLACEMENT-SECRET 12 Hill Road",  # confidential placement address
    "carer_address": "CARER-ADDRESS-SECRET 12 Hill Road",  # the carer's address
}
PARENTS_ONLY = ("field", "tagged", "safety", "venue", "decision", "person_name", "person_org",
                "person_reason", "person_address", "placement", "carer_address")


def _all_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


def _marked_record(vault):  # type: ignore[no-untyped-def]
    """(council, record, network) of the finalised sample with something withheld from
    each group, the placement address confidential, and a decision for Ms Okafor."""
    service = ExportService(vault)
    row = next(r for r in service.reviews_overview() if r["status"] == "finalised")
    council = vault.council_by_code(row["council_code"])
    child_id = service.child_id(council, row["child_ref"])
    reviews = ReviewService(vault)
    record = reviews.record(council.id, service.review_id(council, child_id, row["child_ref"]))
    network = reviews.network(council.id, child_id)
    okafor = next(p for p in network if p.name == "Ms Okafor")
    carer = next(p for p in network if p.role == "Carer")
    okafor = replace(okafor, address=SECRET_TEXT["person_address"])
    carer = replace(carer, address=SECRET_TEXT["carer_address"])
    network = [okafor if p.id == okafor.id else carer if p.id == carer.id else p for p in network]
    attendance = [Attendance(okafor, AttendanceStatus.WRITTEN, SECRET_TEXT["person_reason"])
                  if a.person.id == okafor.id else
                  Attendance(carer, a.status, a.reason) if a.person.id == carer.id else a
                  for a in record.attendance]
    texts = dict(record.texts)
    texts["voice.wants"] = SECRET_TEXT["field"]
    texts["agenda:health"] = ("Visible health paragraph.\n\n[withhold from parents] "
                              + SECRET_TEXT["tagged"] + "\n\n- bullet everyone sees\n"
                              "- [withhold from parents, carers] " + SECRET_TEXT["bullet"]
                              + "\n\n[withhold from parnets] TYPO-PARA stays everywhere")
    texts["agenda:safety"] = SECRET_TEXT["safety"]
    texts["next.venue"] = SECRET_TEXT["venue"]
    base = record.decisions[0]
    extra = [replace(base, id=9001, text=SECRET_TEXT["decision"], person_id=None,
                     responsible="Virtual school"),
             replace(base, id=9002, text="Send the PEP to the IRO", person_id=okafor.id,
                     responsible="Ms Okafor (Teacher)")]
    marks = {"voice.wants": {"withhold:parents"}, "agenda:safety": {"withhold:parents"},
             "next.venue": {"withhold:parents"}, "decision:9001": {"withhold:parents"},
             f"person:{okafor.id}": {"withhold:parents"}, "agenda:education": {"letter"}}
    record = replace(record, texts=texts, attendance=attendance,
                     decisions=record.decisions + extra, marks=marks,
                     placement_confidential=True, placement_address=SECRET_TEXT["placement"])
    return council, record, network


def _build(council, record, network, variant: str) -> bytes:  # type: ignore[no-untyped-def]
    return build_record(record, council, variant=variant, chair="Alex Chair", network=network)


def test_parents_copy_has_none_of_the_withheld_text_anywhere(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    data = _build(council, record, network, "redacted:parents")
    xml = _all_xml(data)  # document, headers, footers, properties, relationships...
    for key in PARENTS_ONLY + ("bullet",):
        assert SECRET_TEXT[key] not in xml, key
    assert "Safety: missing episodes" not in xml  # a withheld item's heading goes too
    assert "What they want to happen" not in xml
    # nothing says something was withheld, and no tag is left
    for word in ("withheld", "withhold", "Withheld"):
        assert word not in xml
    document = docx.Document(io.BytesIO(data))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Visible health paragraph." in body and "bullet everyone sees" in body
    assert "TYPO-PARA stays everywhere" in body  # an unknown group withholds from nobody
    assert "Book a dental check-up" in cells  # other decisions stay
    assert "Send the PEP to the IRO" in cells and "Teacher" in cells  # role, not her name
    assert "Dana Price" in cells and "Sam Whitfield" in cells
    assert "Next review:" in body


def test_each_copy_leaves_out_exactly_its_own(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    carers = _all_xml(_build(council, record, network, "redacted:carers"))
    assert SECRET_TEXT["bullet"] not in carers
    for key in PARENTS_ONLY:
        assert SECRET_TEXT[key] in carers, key
    professionals = _all_xml(_build(council, record, network, "redacted:professionals"))
    for key in PARENTS_ONLY + ("bullet",):
        assert SECRET_TEXT[key] in professionals, key
    assert "withheld" not in carers.lower() and "withheld" not in professionals.lower()


def test_full_record_prints_everything_and_says_from_whom(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    data = _build(council, record, network, "full")
    xml = _all_xml(data)
    for key in PARENTS_ONLY + ("bullet",):
        assert SECRET_TEXT[key] in xml, key
    assert "[withhold" not in xml.lower()
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    tagged = next(t for t in paragraphs if SECRET_TEXT["tagged"] in t)
    assert tagged.endswith("(Withheld from the parents' copy)")
    bullet = next(t for t in paragraphs if SECRET_TEXT["bullet"] in t)
    assert bullet.endswith("(Withheld from the parents' and the carers' copies)")
    typo = next(t for t in paragraphs if "TYPO-PARA" in t)
    assert "\u201cparnets\u201d, which is not a recipient group" in typo
    wants = paragraphs.index("What they want to happen")
    assert paragraphs[wants + 1] == "Withheld from the parents' copy."
    assert paragraphs[wants + 2] == SECRET_TEXT["field"]
    decision_cell = next(c for t in document.tables for r in t.rows for c in r.cells
                         if SECRET_TEXT["decision"] in c.text)
    assert decision_cell.text.endswith("Withheld from the parents' copy")
    placement = next(r for t in document.tables for r in t.rows
                     if r.cells[0].text == "Placement address")
    assert placement.cells[1].text == (SECRET_TEXT["placement"] + "\nWithheld from the "
                                       "parents' copy: confidential placement")
    carer_line = next(t for t in paragraphs if SECRET_TEXT["carer_address"] in t)
    assert "(address withheld from the parents' copy: confidential placement)" in carer_line
    okafor_cell = next(c for t in document.tables for r in t.rows for c in r.cells
                       if c.text.startswith("Ms Okafor"))
    assert "Withheld from the parents' copy" in okafor_cell.text


def test_redacted_copy_keeps_the_full_records_order(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)

    def headings(data: bytes) -> list[str]:
        document = docx.Document(io.BytesIO(data))
        return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]

    full = headings(_build(council, record, network, "full"))
    parents = headings(_build(council, record, network, "redacted:parents"))
    dropped = {"What they want to happen", "Safety: missing episodes and exploitation"}
    assert parents == [h for h in full if h not in dropped]


def test_a_confidential_placement_is_withheld_from_parents_without_any_mark(
        demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    record = replace(record, marks={})
    parents = _all_xml(_build(council, record, network, "redacted:parents"))
    assert SECRET_TEXT["placement"] not in parents and SECRET_TEXT["carer_address"] not in parents
    assert SECRET_TEXT["person_address"] in parents  # a teacher's address is not the placement
    open_placement = replace(record, placement_confidential=False)
    parents = _all_xml(_build(council, open_placement, network, "redacted:parents"))
    assert SECRET_TEXT["placement"] in parents and SECRET_TEXT["carer_address"] in parents


def test_marks_saved_in_the_vault_reach_the_export(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault_with_reviews
    service = ExportService(vault)
    row = next(r for r in service.reviews_overview() if r["status"] == "recording")
    council = vault.council_by_code(row["council_code"])
    child_id = service.child_id(council, row["child_ref"])
    review_id = service.review_id(council, child_id, row["child_ref"])
    reviews = ReviewService(vault)
    reviews.save_texts(council.id, {(review_id, "agenda:changes"): "Seen by the nurse.\n\n"
                                    "[withhold from parents] INLINE-VAULT-SECRET"})
    reviews.set_mark(council.id, review_id, "agenda:education", "withhold:Parents", True)
    carer = next(p for p in reviews.network(council.id, child_id) if p.role == "Carer")
    reviews.update_person(council.id, carer.id, address="VAULT-CARER-ADDRESS 1 Oak Row")
    reviews.set_placement(council.id, child_id, confidential=True, address="VAULT-PLACEMENT 1")
    parents = _all_xml(service.export(council.code, row["child_ref"], variant="redacted:Parents"))
    for secret in ("INLINE-VAULT-SECRET", "PEP reviewed", "VAULT-CARER-ADDRESS",
                   "VAULT-PLACEMENT"):
        assert secret not in parents, secret
    assert "Seen by the nurse." in parents
    full = _all_xml(service.export(council.code, row["child_ref"], variant="full"))
    for secret in ("INLINE-VAULT-SECRET", "PEP reviewed", "VAULT-CARER-ADDRESS",
                   "VAULT-PLACEMENT"):
        assert secret in full, secret


def test_copies_for_each_group(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    copies = {c.group: c for c in copies_for(record, network)}
    assert list(copies) == ["council", "parents", "child", "carers", "professionals"]
    assert copies["council"].variant == "full" and not copies["council"].withheld
    assert copies["parents"].variant == "redacted:parents" and copies["parents"].withheld
    assert copies["parents"].people == ("Dana Price",)
    assert copies["child"].variant == "letter"
    rec = record.child.record
    assert copies["child"].people == (f"{rec.first_name} {rec.last_name}",)
    assert copies["carers"].people == ("Sam Whitfield",) and copies["carers"].withheld
    assert copies["professionals"].variant == "redacted:professionals"
    assert set(copies["professionals"].people) == {"Ms Okafor", "Priya Shah",
                                                   next(p.name for p in network
                                                        if p.role == "Social worker")}
    assert not copies["professionals"].withheld  # the same content as the full record
    plain = replace(record, marks={}, texts={}, placement_confidential=False)
    assert not any(c.withheld for c in copies_for(plain, network))


def test_withheld_note_wording() -> None:
    assert withheld_note([]) == ""
    assert withheld_note(["parents"]) == "Withheld from the parents' copy"
    assert withheld_note(["carers", "parents", "child"]) == (
        "Withheld from the parents', the child's and the carers' copies")
    assert withheld_note(["parents"], "confidential placement") == (
        "Withheld from the parents' copy: confidential placement")
    assert withheld_note(["parnets"]) == (
        "Marked to withhold from \u201cparnets\u201d, which is not a recipient group "
        "(parents, child, carers, professionals): it is in every copy")
    assert withheld_note(["parents", "grandma"]) == (
        "Withheld from the parents' copy; \u201cgrandma\u201d is not a recipient group "
        "(parents, child, carers, professionals)")


def test_view_names_a_withheld_person_by_role(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    _council, record, network = _marked_record(demo_vault_with_reviews)
    decision: Decision = record.decisions[-1]
    assert View(record, "parents", network).responsible(decision) == "Teacher"
    assert View(record, "carers", network).responsible(decision) == "Ms Okafor (Teacher)"
    assert View(record, None, network).responsible(decision) == "Ms Okafor (Teacher)"
    assert ReviewStatus.FINALISED is record.status
