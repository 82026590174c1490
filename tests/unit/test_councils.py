"""Council profiles through CouncilService: add, edit, review-clock rules, agendas, Word
templates, logos, reference patterns, and three councils that each follow their own rules
(due dates, agenda, Word template and marking of the exported minutes).

How a template shapes every part of a record is tested with export/template.py; here a
council's template only has to reach that council's minutes and no other's.
"""

from __future__ import annotations

import time

from datetime import date, timedelta

import pytest

from iro_desktop.core.models import Nation
from iro_desktop.core.review_clock import (
    ENGLAND_RULES,
    WALES_RULES,
    Period,
    PeriodUnit,
    RuleSet,
    add_months,
    add_working_days,
)
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadImportError, CaseloadService
from iro_desktop.services.councils import CouncilError, CouncilService, default_agenda
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.vault import Vault
from tests.conftest import PASSPHRASE

TODAY = date.today()
HEADER = ("council_code,council_name,child_ref,first_name,last_name,date_of_birth,gender,"
          "legal_status,placement_type,date_became_looked_after,last_review_date,reviews_held\n")

BROOK_AGENDA = b"""
name = "Brookside local agenda"
nation = "england"
version = 2

[[item]]
key = "welcome"
title = "Croeso and introductions"

[[item]]
key = "wishes"
title = "What the child told us"

[[item]]
key = "brookside_money"
title = "Pocket money and savings"
min_age = 5
"""

HAFREN_AGENDA = b"""
name = "Hafren agenda"
nation = "wales"

[[item]]
key = "welcome"
title = "Welcome"

[[item]]
key = "wellbeing"
title = "Well-being outcomes"
guidance = ["What matters to the child?"]
"""


def row(code: str, name: str, ref: str, *, started: date, last: date | None = None,
        held: int = 0, born: date = date(2015, 3, 1)) -> str:
    last_text = f"{last:%d/%m/%Y}" if last else ""
    return (f"{code},{name},{ref},Test,Child{ref},{born:%d/%m/%Y},F,C2,U1,{started:%d/%m/%Y},"
            f"{last_text},{held}\n")


def reopen(vault: Vault) -> Vault:
    root = vault.root
    vault.close()
    again = Vault(root, secret_store=MemorySecretStore()).open()
    again.unlock(PASSPHRASE)
    return again


# ---- adding and editing ---------------------------------------------------------------------


def test_add_makes_an_own_database_and_key_and_is_listed(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add(" nbk ", "Northbrook City Council", Nation.ENGLAND)
    assert council.code == "NBK"
    assert vault.database_path(council.id).is_file()
    assert council.id in vault._require_keystore().councils
    (summary,) = service.list()
    assert (summary.council.code, summary.active_children, summary.reviews) == ("NBK", 0, 0)
    assert summary.rules == ENGLAND_RULES
    assert summary.agenda_name == default_agenda(Nation.ENGLAND).name


@pytest.mark.parametrize("code, name, problem", [
    ("N", "Northbrook", "2 to 10 letters or digits"),
    ("NB-K", "Northbrook", "2 to 10 letters or digits"),
    ("NBK", "   ", "needs a name"),
    ("NBK", "North\u202ebrook", "invisible control character"),
])
def test_add_refuses_a_bad_code_or_name(vault, code: str, name: str,  # type: ignore[no-untyped-def]
                                        problem: str) -> None:
    with pytest.raises(CouncilError, match=problem):
        CouncilService(vault).add(code, name, Nation.ENGLAND)
    assert vault.councils() == []
    assert list((vault.root / "councils").glob("*.db")) == []


def test_add_refuses_a_code_already_in_the_vault(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    service.add("NBK", "Northbrook", Nation.ENGLAND)
    with pytest.raises(CouncilError, match="NBK is already in this vault"):
        service.add("nbk", "Another Northbrook", Nation.WALES)
    assert len(vault.councils()) == 1


def test_edit_renames_and_survives_a_lock(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    service.add("EMB", "Eastmere", Nation.ENGLAND)
    with pytest.raises(Exception, match="EMB is already in this vault"):
        service.edit(council.id, code="emb")
    service.edit(council.id, code="nbc", name="Northbrook City Council")
    vault = reopen(vault)
    try:
        renamed = vault.council(council.id)
        assert (renamed.code, renamed.name) == ("NBC", "Northbrook City Council")
        assert vault.council_by_code("NBK") is None
    finally:
        vault.close()


def test_changing_nation_brings_that_nations_rules(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("VOH", "Vale of Hafren", Nation.ENGLAND)
    assert service.rules(council.id) == ENGLAND_RULES
    service.edit(council.id, nation=Nation.WALES)
    assert vault.council(council.id).nation is Nation.WALES
    assert service.rules(council.id) == WALES_RULES
    assert service.agenda(council.id).nation is Nation.WALES


# ---- review-clock rules ---------------------------------------------------------------------


def test_local_rule_variant_changes_the_due_date_and_bad_rules_keep_the_old(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    started = TODAY - timedelta(days=3)
    CaseloadService(vault).import_caseload(
        (HEADER + row("NBK", "Northbrook", "N1", started=started)).encode())
    (entry,) = CaseloadService(vault).entries()
    assert entry.due.due == add_working_days(started, 20)

    local = {"name": "Northbrook: first review in 15 working days",
             "first": {"amount": 15, "unit": "working days"},
             "second": {"amount": 3, "unit": "months"}, "later": {"amount": 6, "unit": "months"}}
    service.set_rules(council.id, local)
    (entry,) = CaseloadService(vault).entries()
    assert entry.due.due == add_working_days(started, 15)
    assert "15 working days" in entry.due.rule

    broken = dict(local, first={"amount": 0, "unit": "days"})
    with pytest.raises(CouncilError, match="first.*between 1 and 366"):
        service.set_rules(council.id, broken)
    with pytest.raises(CouncilError, match="unknown period unit 'fortnights'"):
        service.set_rules(council.id, dict(local, later={"amount": 2, "unit": "fortnights"}))
    assert service.rules(council.id).first == Period(15, PeriodUnit.WORKING_DAYS)
    assert service.reset_rules(council.id) == ENGLAND_RULES


# ---- three councils, three sets of rules and agendas ---------------------------------------


def test_three_councils_follow_their_own_rules_and_agendas(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    service.add("NBK", "Northbrook", Nation.ENGLAND)
    brook = service.add("BRK", "Brookside", Nation.ENGLAND, RuleSet(
        "Brookside local", Period(15, PeriodUnit.WORKING_DAYS), Period(2, PeriodUnit.MONTHS),
        Period(5, PeriodUnit.MONTHS)))
    hafren = service.add("VOH", "Vale of Hafren", Nation.WALES, RuleSet(
        "Hafren (4 weeks)", Period(4, PeriodUnit.WEEKS), Period(3, PeriodUnit.MONTHS),
        Period(6, PeriodUnit.MONTHS)))
    service.set_agenda(brook.id, "brookside.toml", BROOK_AGENDA)
    service.set_agenda(hafren.id, "hafren.toml", HAFREN_AGENDA)

    # a Monday with the May bank holidays inside 20 working days: 20 working days, 15
    # working days and 4 weeks give three different dates (without a holiday, 20 working
    # days and 4 weeks coincide)
    started = date(2026, 4, 27)
    looked_after, last = date(2024, 1, 8), TODAY - timedelta(days=30)
    csv = HEADER
    for code, name in (("NBK", "Northbrook"), ("BRK", "Brookside"), ("VOH", "Vale of Hafren")):
        csv += row(code, name, f"{code}-NEW", started=started)
        csv += row(code, name, f"{code}-OLD", started=looked_after, last=last, held=3)
    CaseloadService(vault).import_caseload(csv.encode())

    due = {e.child.record.child_ref: e.due.due for e in CaseloadService(vault).entries()}
    assert due["NBK-NEW"] == add_working_days(started, 20)
    assert due["BRK-NEW"] == add_working_days(started, 15)
    assert due["VOH-NEW"] == started + timedelta(weeks=4)
    assert due["NBK-OLD"] == add_months(last, 6)
    assert due["BRK-OLD"] == add_months(last, 5)
    assert due["VOH-OLD"] == add_months(last, 6)
    assert len(set(due[f"{c}-NEW"] for c in ("NBK", "BRK", "VOH"))) == 3

    reviews = ReviewService(vault, agenda_for=service.agenda)
    keys = {}
    for entry in CaseloadService(vault).entries():
        if entry.child.record.child_ref.endswith("-OLD"):
            review_id = reviews.plan_review(entry.council.id, entry.child.id, TODAY)
            record = reviews.record(entry.council.id, review_id)
            keys[entry.council.code] = [item.key for item in record.agenda]
    england = default_agenda(Nation.ENGLAND).items_for_age(
        TODAY.year - 2015 - ((TODAY.month, TODAY.day) < (3, 1)))
    assert keys["NBK"] == [item.key for item in england]
    assert keys["BRK"] == ["welcome", "wishes", "brookside_money"]
    assert keys["VOH"] == ["welcome", "wellbeing"]
    assert {s.council.code: s.agenda_name for s in service.list()} == {
        "NBK": "England default agenda", "BRK": "Brookside local agenda",
        "VOH": "Hafren agenda"}

    # each council's minutes come out in its own Word template and marking
    from iro_desktop.services.export import ExportService

    fonts = {"BRK": "Verdana", "VOH": "Georgia"}
    for council in (brook, hafren):
        service.set_template(council.id, f"{council.code}.docx", _template(fonts[council.code]))
    for council in vault.councils():
        service.profiles.set(council.id, "marking", f"OFFICIAL-SENSITIVE {council.code}")
    exporter = ExportService(vault, reviews)
    for entry in CaseloadService(vault).entries():
        if not entry.child.record.child_ref.endswith("-OLD"):
            continue
        code = entry.council.code
        (summary,) = reviews.reviews(entry.council.id, entry.child.id)
        styles, body = _docx_parts(exporter.export_review(entry.council.id, summary.id))
        assert f"OFFICIAL-SENSITIVE {code}" in body
        for other, font in fonts.items():
            assert (f'w:ascii="{font}"' in styles) is (other == code), (code, font)


def _template(font: str) -> bytes:
    """The built-in Word template with its Normal style in ``font``."""
    import io

    from docx import Document

    from iro_desktop.export.template import default_template_bytes

    doc = Document(io.BytesIO(default_template_bytes()))
    doc.styles["Normal"].font.name = font
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_parts(data: bytes) -> tuple[str, str]:
    """(styles.xml, every other part's text) of a .docx."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = zf.read("word/styles.xml").decode("utf-8")
        body = " ".join(zf.read(n).decode("utf-8") for n in zf.namelist()
                        if n.startswith("word/") and n.endswith(".xml"))
    return styles, body


# ---- agenda files ---------------------------------------------------------------------------


@pytest.mark.parametrize("data, problem", [
    (b"name = 'x'\nnation = 'england'\n[[item]]\nkey = 'a'\ntitle = 'A'\n[[item]]\nkey = 'a'\n"
     b"title = 'B'\n", "item 2: key 'a' is used twice"),
    (b"name = 'x'\nnation = 'england'\n[[item]\nkey = 'a'\n", "not valid TOML"),
    (b"name = 'x'\nnation = 'scotland'\n[[item]]\nkey = 'a'\ntitle = 'A'\n",
     "nation: unknown nation 'scotland'"),
    (b"name = 'x'\nnation = 'england'\n", "has no \\[\\[item\\]\\] entries"),
    (b"\xff\xfe n", "not UTF-8"),
    (b"name = 'x'\nnation = 'wales'\n[[item]]\nkey = 'a'\ntitle = 'A'\n",
     "is for Wales but NBK follows England's rules"),
])
def test_a_bad_agenda_file_is_refused_by_name_and_the_previous_stays(
        vault, data: bytes, problem: str) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    service.set_agenda(council.id, "brookside.toml", BROOK_AGENDA.replace(b"Brookside", b"Ours"))
    with pytest.raises(CouncilError, match=problem) as caught:
        service.set_agenda(council.id, "broken.toml", data)
    assert "'broken.toml' was not used" in str(caught.value)
    assert 'keeps its agenda "Ours local agenda"' in str(caught.value)
    assert service.agenda(council.id).name == "Ours local agenda"


def test_back_to_the_default_agenda(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    service.set_agenda(council.id, "b.toml", BROOK_AGENDA)
    assert service.use_default_agenda(council.id) == default_agenda(Nation.ENGLAND)


# ---- Word template --------------------------------------------------------------------------


def test_a_malformed_word_template_is_refused_and_the_previous_stays(vault) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.export.template import default_template_bytes

    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    good = default_template_bytes()
    service.set_template(council.id, "northbrook.docx", good)
    for name, data, problem in (
            ("minutes.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old Word .doc"),
            ("cut.docx", good[: len(good) // 2], "damaged"),
            ("notes.txt", b"just some text", "not a Word .docx")):
        with pytest.raises(CouncilError, match=problem) as caught:
            service.set_template(council.id, name, data)
        assert f"{name!r} was not used" in str(caught.value)
        assert "NBK keeps its previous Word template" in str(caught.value)
        kept = service.profiles.asset(council.id, "template")
        assert kept is not None and (kept.filename, kept.content) == ("northbrook.docx", good)


# ---- child references -----------------------------------------------------------------------


def test_reference_pattern_is_checked_at_import_and_entry(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    started = TODAY - timedelta(days=10)
    CaseloadService(vault).import_caseload(
        (HEADER + row("NBK", "Northbrook", "NB100001", started=started)
         + row("NBK", "Northbrook", "old-7", started=started)).encode())
    assert service.set_reference_pattern(council.id, r"NB\d{6}") == 1  # "old-7" is held

    bad = (HEADER + row("NBK", "Northbrook", "NB100002", started=started)
           + row("NBK", "Northbrook", "NB12", started=started))
    with pytest.raises(CaseloadImportError) as caught:
        CaseloadService(vault).import_caseload(bad.encode())
    (issue,) = caught.value.issues
    assert (issue.line, issue.column) == (3, "child_ref")
    assert "'NB12' does not match this council's reference pattern" in str(issue)
    refs = {e.child.record.child_ref for e in CaseloadService(vault).entries()}
    assert refs == {"NB100001", "old-7"}  # all or nothing: NB100002 was not added

    service.check_reference(council.id, "NB123456")
    with pytest.raises(CouncilError, match="does not match"):
        service.check_reference(council.id, "123456")
    with pytest.raises(Exception, match="not valid"):
        service.set_reference_pattern(council.id, "NB(")


@pytest.mark.parametrize("pattern", [r"(a|aa)+$", r"(\d|\d\d)+$", r"([A-Z]|[A-Z][A-Z])+$"])
def test_a_catastrophic_reference_pattern_is_refused_when_set(vault, pattern: str) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    started = time.monotonic()
    with pytest.raises(Exception, match="takes too long to check"):
        service.set_reference_pattern(council.id, pattern)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("pattern", [r"([A-Z0-9]+)*[0-9]{6}", r"(a+)+", r"(a|aa)+$"])
def test_an_import_against_a_stored_catastrophic_pattern_ends_in_seconds(vault, pattern: str  # type: ignore[no-untyped-def]
                                                                        ) -> None:
    """The two patterns from the field run in the time-limited engine; one that is slow
    even there stops at its first time-out, said once."""
    from iro_desktop.storage.models import CouncilSettingRow

    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    with vault.session(council.id) as session:  # stored before patterns were checked
        session.add(CouncilSettingRow(key="reference_pattern", value=pattern))
    started = TODAY - timedelta(days=10)
    refs = ([f"{'A' * 30}{n:05d}" for n in range(50)] + [f"{'a' * 34}x{n:03d}" for n in range(50)]
            + [f"NB{n:06d}" for n in range(200)])
    data = HEADER + "".join(row("NBK", "Northbrook", ref, started=started) for ref in refs)
    begun = time.monotonic()
    with pytest.raises(CaseloadImportError) as caught:
        CaseloadService(vault).import_caseload(data.encode())
    assert time.monotonic() - begun < 5  # was minutes, holding the vault
    slow = [i for i in caught.value.issues if "takes too long to check" in str(i)]
    assert len(slow) == (1 if "|" in pattern else 0)
    assert CaseloadService(vault).entries() == []  # nothing imported


def test_contract_dates_must_be_in_order(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    assert service.set_contract(council.id, "2026-04-01", "2027-03-31") == ("2026-04-01",
                                                                          "2027-03-31")
    with pytest.raises(CouncilError, match="cannot end"):
        service.set_contract(council.id, "2027-04-01", "2027-03-31")
    with pytest.raises(CouncilError, match="YYYY-MM-DD"):
        service.set_contract(council.id, "1/4/2026", "")
    (summary,) = service.list()
    assert (summary.contract_start, summary.contract_end) == ("2026-04-01", "2027-03-31")


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_bad_logo_is_refused_and_the_previous_stays(vault) -> None:  # type: ignore[no-untyped-def]
    service = CouncilService(vault)
    council = service.add("NBK", "Northbrook", Nation.ENGLAND)
    logo = _png(40, 20)
    service.set_logo(council.id, "crest.png", logo)
    for name, data, problem in (("crest.svg", b"<svg xmlns='x'/>", "an SVG drawing"),
                                ("cut.png", logo[:-20], "damaged or cut short")):
        with pytest.raises(CouncilError, match=problem) as caught:
            service.set_logo(council.id, name, data)
        assert "NBK keeps its previous logo" in str(caught.value)
    kept = service.profiles.asset(council.id, "logo")
    assert kept is not None and (kept.filename, kept.content) == ("crest.png", logo)
