"""Withholding from a recipient group: the tags and marks (core.redaction), and the
redacted copies built from them, checked in every XML part of each .docx."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import docx
import pytest

from iro_desktop.core.records import Attendance, Decision
from iro_desktop.core.redaction import (
    RedactionError,
    clean_line_marks,
    decode_line_marks,
    encode_line_marks,
    group_key,
    migrate_tags,
    recipient_for,
    recipient_key,
    tag_like,
    tag_like_lines,
    withhold_mark,
)
from iro_desktop.core.reviews import AttendanceStatus, ReviewStatus
from iro_desktop.export.check import check_copy
from iro_desktop.export.minutes import build_record
from iro_desktop.export.variants import View, copies_for, withheld_note
from iro_desktop.services.export import ExportService
from iro_desktop.services.reviews import ReviewService

# ---- recipients, line marks, tag-like text ------------------------------------------


def test_group_key_reads_groups_as_typed() -> None:
    assert group_key("Parents") == "parents" and group_key("parent") == "parents"
    assert group_key("the child") == "child" and group_key(" CARERS ") == "carers"
    assert withhold_mark("Professionals") == "withhold:professionals"
    assert withhold_mark("person:12") == "withhold:person:12"
    with pytest.raises(RedactionError, match="parnets"):
        group_key("parnets")
    with pytest.raises(RedactionError):
        recipient_key("person:twelve")


def test_a_person_copy_leaves_out_their_own_and_their_groups_marks() -> None:
    mum = recipient_for("person:1", {1: "Parent", 2: "Grandmother"})
    assert mum.excluded_by({"parents"}) and mum.excluded_by({"person:1"})
    assert not mum.excluded_by({"person:2"}) and not mum.excluded_by({"carers"})
    # a role in no group: whatever is withheld from any group is withheld from them too
    gran = recipient_for("person:2", {1: "Parent", 2: "Grandmother"})
    assert gran.excluded_by({"carers"}) and gran.excluded_by({"person:2"})
    assert not gran.excluded_by({"person:1"})
    assert not recipient_for(None).excluded_by({"parents", "person:1"})
    with pytest.raises(RedactionError, match="not in this child's network"):
        recipient_for("person:3", {1: "Parent"})


def test_line_marks_round_trip_and_refuse_what_does_not_fit() -> None:
    text = "one\ntwo\nthree"
    marks = clean_line_marks({1: ["Parents", "person:4"]}, text)
    assert marks == {1: frozenset({"parents", "person:4"})}
    assert decode_line_marks(encode_line_marks(marks), text) == marks
    assert encode_line_marks({}) == "" and decode_line_marks("", text) == {}
    with pytest.raises(RedactionError, match="line 4"):
        clean_line_marks({3: ["parents"]}, text)
    for damaged in ("{", "[1]", '{"x": ["parents"]}', '{"0": "parents"}', '{"0": ["nobody"]}'):
        with pytest.raises(RedactionError):
            decode_line_marks(damaged, text)


@pytest.mark.parametrize("line", [
    "[withhold from parents] Police disclosure",
    "Police disclosure [withhold from parents]",  # not at the start
    "\u200b[withhold from parents] after a zero-width space",
    "\uff3bwithhold from parents\uff3d full-width brackets",
    "[withhold from: parents] with a colon",
    "[withold from parents] misspelt",
    "[witheld from parents] misspelt",
    "[withhold from parnets] misspelt group",
    "(Withheld from mum)",
    "[ with hold from the parents ]",
    "\u3010withhold from parents\u3011",
    "- [redact] a bullet",
    "Withhold from parents: typed without brackets",
])
def test_near_miss_tags_are_tag_like(line: str) -> None:
    assert tag_like(line)
    assert tag_like_lines("ordinary line\n" + line) == [1]


@pytest.mark.parametrize("line", [
    "Contact with mum was withheld by the court in May.",
    "(with Mum and Dad) at the contact centre",
    "[see the health plan]",
    "Sam (carer) will book the dentist",
])
def test_ordinary_text_is_not_tag_like(line: str) -> None:
    assert not tag_like(line)


def test_old_tags_migrate_to_marks_on_every_line_of_their_paragraph() -> None:
    text = ("Open.\n[withhold from parents] secret one\nsecret two\n\n"
            "- [withhold from parents, carers] bullet\n[withhold from parnets] typo\n"
            "mid [withhold from parents] stays")
    new, marks = migrate_tags(text)
    lines = new.split("\n")
    assert lines[0] == "Open." and lines[1] == "secret one" and lines[2] == "secret two"
    assert lines[4] == "- bullet"
    # a tag on a paragraph's second line (printed by the first release) now withholds
    # that line and the rest of its paragraph
    assert marks == {1: {"parents"}, 2: {"parents"}, 4: {"parents", "carers"}}
    # what the first release did not read stays as typed, so the export stops at it
    assert "[withhold from parnets] typo" in new and "mid [withhold from parents]" in new


# ---- a record with something withheld from each group ------------------------------

SECRET_TEXT = {
    "field": "WANTS-FIELD-SECRET to live with mum",  # voice.wants, withheld from parents
    "line": "LINE-SECRET about mum's partner",  # a health line, from parents
    "bullet": "BULLET-SECRET for parents and carers",  # health bullet, parents + carers
    "safety": "SAFETY-ITEM-SECRET missing episode",  # agenda:safety, from parents
    "venue": "VENUE-SECRET Hillside Family Centre",  # next.venue, from parents
    "decision": "DECISION-SECRET move school",  # a decision, from parents
    "person_name": "Ms Okafor",  # a person, from parents (all her fields)
    "person_org": "Brook Primary School",
    "person_reason": "PERSON-REASON-SECRET",
}
ADDRESSES = {
    "person_address": "PERSON-ADDRESS-SECRET 4 School Lane",  # Ms Okafor's (not shared)
    "placement": "PLACEMENT-SECRET 12 Hill Road",  # confidential placement address
    "carer_address": "CARER-ADDRESS-SECRET 12 Hill Road",  # the carer's address
}
PARENTS_ONLY = ("field", "line", "safety", "venue", "decision", "person_name", "person_org",
                "person_reason")
HEALTH = ("Visible health paragraph.\n\n" + SECRET_TEXT["line"] + "\n\n"
          "- bullet everyone sees\n- " + SECRET_TEXT["bullet"])


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
    okafor = replace(okafor, address=ADDRESSES["person_address"])
    carer = replace(carer, address=ADDRESSES["carer_address"])
    network = [okafor if p.id == okafor.id else carer if p.id == carer.id else p for p in network]
    attendance = [Attendance(okafor, AttendanceStatus.WRITTEN, SECRET_TEXT["person_reason"])
                  if a.person.id == okafor.id else
                  Attendance(carer, a.status, a.reason) if a.person.id == carer.id else a
                  for a in record.attendance]
    texts = dict(record.texts)
    texts["voice.wants"] = SECRET_TEXT["field"]
    texts["agenda:health"] = HEALTH
    texts["agenda:safety"] = SECRET_TEXT["safety"]
    texts["next.venue"] = SECRET_TEXT["venue"]
    line_marks = {"agenda:health": {2: frozenset({"parents"}),
                                    5: frozenset({"parents", "carers"})}}
    base = record.decisions[0]
    extra = [replace(base, id=9001, text=SECRET_TEXT["decision"], person_id=None,
                     responsible="Virtual school"),
             replace(base, id=9002, text="Send the PEP to the IRO", person_id=okafor.id,
                     responsible="Ms Okafor (Teacher)")]
    marks = {"voice.wants": {"withhold:parents"}, "agenda:safety": {"withhold:parents"},
             "next.venue": {"withhold:parents"}, "decision:9001": {"withhold:parents"},
             f"person:{okafor.id}": {"withhold:parents"}, "agenda:education": {"letter"}}
    record = replace(record, texts=texts, attendance=attendance, line_marks=line_marks,
                     decisions=record.decisions + extra, marks=marks,
                     placement_confidential=True, placement_address=ADDRESSES["placement"])
    return council, record, network


def _build(council, record, network, variant: str) -> bytes:  # type: ignore[no-untyped-def]
    return build_record(record, council, variant=variant, chair="Alex Chair", network=network)


def test_parents_copy_has_none_of_the_withheld_text_anywhere(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    data = _build(council, record, network, "redacted:parents")
    xml = _all_xml(data)  # document, headers, footers, properties, relationships...
    for key in PARENTS_ONLY + ("bullet",):
        assert SECRET_TEXT[key] not in xml, key
    for key in ADDRESSES:
        assert ADDRESSES[key] not in xml, key
    assert "Safety: missing episodes" not in xml  # a withheld item's heading goes too
    assert "What they want to happen" not in xml
    for word in ("withheld", "withhold", "Withheld"):  # nothing says something is missing
        assert word not in xml
    document = docx.Document(io.BytesIO(data))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Visible health paragraph." in body and "bullet everyone sees" in body
    assert "Book a dental check-up" in cells  # other decisions stay
    assert "Send the PEP to the IRO" in cells and "Teacher" in cells  # role, not her name
    assert "Dana Price" in cells and "Sam Whitfield" in cells
    assert "Next review:" in body
    assert check_copy(data, View(record, "parents", network).forbidden(network)).found == []


def test_each_copy_leaves_out_exactly_its_own(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    carers = _all_xml(_build(council, record, network, "redacted:carers"))
    assert SECRET_TEXT["bullet"] not in carers
    for key in PARENTS_ONLY:
        assert SECRET_TEXT[key] in carers, key
    professionals = _all_xml(_build(council, record, network, "redacted:professionals"))
    for key in PARENTS_ONLY + ("bullet",):
        assert SECRET_TEXT[key] in professionals, key
    # addresses of people in the network: only in the council's full record
    for copy in (carers, professionals):
        assert not any(address in copy for address in ADDRESSES.values())
    assert "withheld" not in carers.lower() and "withheld" not in professionals.lower()


def test_full_record_prints_everything_and_says_from_whom(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    data = _build(council, record, network, "full")
    xml = _all_xml(data)
    for key in PARENTS_ONLY + ("bullet",):
        assert SECRET_TEXT[key] in xml, key
    for key in ADDRESSES:
        assert ADDRESSES[key] in xml, key
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    line = next(t for t in paragraphs if SECRET_TEXT["line"] in t)
    assert line.endswith("(Withheld from the parents' copy)")
    bullet = next(t for t in paragraphs if SECRET_TEXT["bullet"] in t)
    assert bullet.endswith("(Withheld from the parents' and the carers' copies)")
    assert "Visible health paragraph." in paragraphs  # no note on what everyone gets
    wants = paragraphs.index("What they want to happen")
    assert paragraphs[wants + 1] == "Withheld from the parents' copy."
    assert paragraphs[wants + 2] == SECRET_TEXT["field"]
    decision_cell = next(c for t in document.tables for r in t.rows for c in r.cells
                         if SECRET_TEXT["decision"] in c.text)
    assert decision_cell.text.endswith("Withheld from the parents' copy")
    placement = next(r for t in document.tables for r in t.rows
                     if r.cells[0].text == "Placement address")
    assert placement.cells[1].text == (ADDRESSES["placement"] + "\nConfidential placement: "
                                       "printed only in the council's record")
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    carer_line = next(t for t in cells if ADDRESSES["carer_address"] in t)
    assert "withheld from the parents' copy: confidential placement" in carer_line
    assert "not shared beyond this record" in carer_line
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
    dropped = {"What they want to happen", "Safety: missing episodes and exploitation",
               "Team manager's comments and sign-off"}  # the manager's block: council only
    assert parents == [h for h in full if h not in dropped]


def test_addresses_only_in_the_full_record_unless_shared(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    record = replace(record, marks={}, placement_confidential=False)
    parents = _all_xml(_build(council, record, network, "redacted:parents"))
    assert ADDRESSES["person_address"] not in parents and ADDRESSES["carer_address"] not in parents
    assert ADDRESSES["placement"] in parents  # not confidential: the placement is printed
    shared = [replace(p, share_address=True) for p in network]
    record = replace(record, attendance=[replace(a, person=replace(a.person, share_address=True))
                                         for a in record.attendance])
    parents = _all_xml(_build(council, record, shared, "redacted:parents"))
    assert ADDRESSES["person_address"] in parents and ADDRESSES["carer_address"] in parents
    # a confidential placement keeps a carer's shared address out of parents' copies
    secret = replace(record, placement_confidential=True)
    parents = _all_xml(_build(council, secret, shared, "redacted:parents"))
    assert ADDRESSES["carer_address"] not in parents and ADDRESSES["placement"] not in parents
    assert ADDRESSES["person_address"] in parents
    carers = _all_xml(_build(council, secret, shared, "redacted:carers"))
    assert ADDRESSES["carer_address"] in carers and ADDRESSES["placement"] not in carers


def test_decisions_only_copy_prints_no_address(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    xml = _all_xml(_build(council, record, network, "decisions"))
    assert not any(address in xml for address in ADDRESSES.values())
    assert SECRET_TEXT["decision"] in xml  # the council's own copy: decisions all there


def test_withheld_note_wording() -> None:
    assert withheld_note([]) == ""
    assert withheld_note(["parents"]) == "Withheld from the parents' copy"
    assert withheld_note(["carers", "parents", "child"]) == (
        "Withheld from the parents', the child's and the carers' copies")
    assert withheld_note(["parents"], "confidential placement") == (
        "Withheld from the parents' copy: confidential placement")
    assert withheld_note(["parents", "person:7"], names={"person:7": "Dana Price"}) == (
        "Withheld from the parents' and Dana Price\u2019s copies")


def test_view_names_a_withheld_person_by_role(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    _council, record, network = _marked_record(demo_vault_with_reviews)
    decision: Decision = record.decisions[-1]
    assert View(record, "parents", network).responsible(decision) == "Teacher"
    assert View(record, "carers", network).responsible(decision) == "Ms Okafor (Teacher)"
    assert View(record, None, network).responsible(decision) == "Ms Okafor (Teacher)"
    assert ReviewStatus.FINALISED is record.status


def test_copies_for_each_group_and_singled_out_people(demo_vault_with_reviews) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _marked_record(demo_vault_with_reviews)
    copies = {c.group: c for c in copies_for(record, network)}
    assert list(copies)[:5] == ["council", "parents", "child", "carers", "professionals"]
    assert copies["council"].variant == "full" and not copies["council"].withheld
    assert copies["parents"].variant == "redacted:parents" and copies["parents"].withheld
    assert copies["parents"].people == ("Dana Price",)
    assert copies["child"].variant == "letter"
    assert copies["carers"].people == ("Sam Whitfield",) and copies["carers"].withheld
    # the carer's and teacher's addresses are left out of the professionals' copy
    assert copies["professionals"].withheld
    dana = next(p for p in network if p.name == "Dana Price")
    lines = dict(record.line_marks)
    lines["agenda:health"] = {**lines["agenda:health"], 0: frozenset({f"person:{dana.id}"})}
    singled = {c.group: c for c in copies_for(replace(record, line_marks=lines), network)}
    own = singled[f"person:{dana.id}"]
    assert own.variant == f"redacted:person:{dana.id}" and own.people == ("Dana Price",)
    assert own.label == "Dana Price (Parent)" and own.withheld
    assert singled["parents"].people == ()  # Dana gets her own copy instead
