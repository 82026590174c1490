"""Copies that never leak, end to end through the command line and the outbox.

A review is built with ``review import`` (two parents at different addresses, a police
disclosure on the second of three lines withheld from parents, a line withheld from one
parent by name, a decision withheld from parents, a confidential placement), then every
copy is made by ``export`` and ``outbox add`` and read back, every XML part of it.
Also: every near-miss typed tag stops the export and the outbox naming the field and
line; marks carry forward to the next review; amendments keep and change marks; the
last check catches an exporter that forgets to withhold; ``review show``/``import``
round-trip a review.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.helpers import PASSPHRASE, cli
from iro_desktop.core.redaction import MarkedText
from iro_desktop.core.reviews import DecisionStatus, ReviewStatus
from iro_desktop.services.export import ExportService, WithholdingError
from iro_desktop.services.outbox import OutboxService
from iro_desktop.services.reviews import ReviewError, ReviewService

DANA_ADDRESS = "11 Mill Lane, Northbrook NB1 2AA"
LEE_ADDRESS = "27 Quarry Road, Eastmere EM4 9ZZ"
PLACEMENT = "4 Elm Row, Northbrook NB3 1XY"
POLICE = "POLICE-DISCLOSURE Jordan Blake has a conviction for assault"
DAD_ONLY = "DAD-ONLY I do not want mum to know about my new school"
RISK = "DECISION-RISK assessment of mum's partner by the social worker"
PARTNER = "Jordan Blake"


def _xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


def _document(council: str, child_ref: str, **changes: object) -> dict:
    held = date.today() - timedelta(days=2)
    doc = {
        "schema": "iro-desktop.review", "version": 1,
        "council": council, "child_ref": child_ref,
        "review": {"status": "finalised", "planned_date": held.isoformat(),
                   "held_date": held.isoformat(), "venue": "Foster home",
                   "participation_code": "PN1", "advocate_offered": True,
                   "advocate_used": False, "child_chaired": "no",
                   "next_review_date": (held + timedelta(days=180)).isoformat()},
        "placement": {"confidential": True, "address": PLACEMENT},
        "people": [
            {"id": 1, "name": "Dana Price", "role": "Parent", "address": DANA_ADDRESS,
             "attendance": {"status": "attended", "reason": ""}},
            {"id": 2, "name": "Lee Carter", "role": "Parent", "address": LEE_ADDRESS,
             "attendance": {"status": "apologies", "reason": "work"}},
            {"id": 3, "name": "Sam Whitfield", "role": "Carer", "address": PLACEMENT,
             "attendance": {"status": "attended", "reason": ""}},
            {"id": 4, "name": "Priya Shah", "role": "Social worker",
             "attendance": {"status": "attended", "reason": ""}},
            {"id": 5, "name": PARTNER, "role": "Other", "withheld_from": ["parents"]},
        ],
        "texts": {
            "agenda:health": {"text": "FIRST-LINE seen by all.\n" + POLICE
                              + "\nTHIRD-LINE seen by all.",
                              "withheld_lines": {"1": ["parents", "child"]}},
            "voice.views": {"text": "I like my school.\n" + DAD_ONLY,
                            "withheld_lines": {"1": ["person:1"]}, "letter": True},
        },
        "decisions": [
            {"text": RISK, "person": 4, "due_date": (held + timedelta(days=28)).isoformat(),
             "withheld_from": ["parents", "child"]},
            {"text": "Book a dental check-up", "person": 3,
             "due_date": (held + timedelta(days=14)).isoformat()},
        ],
    }
    doc.update(changes)
    return doc


@pytest.fixture
def scenario(demo_vault_with_reviews, vault_dir: Path, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> dict:
    """The vault closed, with the scenario review imported for a child without reviews."""
    vault = demo_vault_with_reviews
    reviews = ReviewService(vault)
    council = next(c for c in vault.councils())
    exports = ExportService(vault)
    with_reviews = {r["child_ref"] for r in exports.reviews_overview()}
    from iro_desktop.services.caseload import CaseloadService

    entry = next(e for e in CaseloadService(vault).entries()
                 if e.council.id == council.id and e.child.record.child_ref not in with_reviews)
    vault.close()
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "review.json"
    path.write_text(json.dumps(_document(council.code, entry.child.record.child_ref)), "utf-8")
    code, out, err = cli(vault_dir, "review", "import", str(path))
    assert code == 0, err
    assert "Imported as review" in out
    _ = reviews
    return {"dir": vault_dir, "council": council.code, "child": entry.child.record.child_ref,
            "out": tmp_path}


def _export(s: dict, variant: str) -> tuple[int, str, str]:
    target = s["out"] / (variant.replace(":", "-") + ".docx")
    code, out, err = cli(s["dir"], "export", "--council", s["council"], "--child", s["child"],
                         "--variant", variant, "--out", str(target), "--force")
    return code, (_xml(target.read_bytes()) if code == 0 else ""), err


def _person_ids(s: dict) -> dict[str, int]:
    code, out, err = cli(s["dir"], "review", "show", "--council", s["council"], "--child",
                         s["child"], "--json")
    assert code == 0, err
    return {p["name"]: p["id"] for p in json.loads(out)["people"]}


def _sample(vault, status: str):  # type: ignore[no-untyped-def]
    """(reviews, exports, council, child id, review id, child ref) of the demo's sample
    review in ``status`` ("finalised" or "recording")."""
    reviews, exports = ReviewService(vault), ExportService(vault)
    row = next(r for r in exports.reviews_overview() if r["status"] == status)
    council, child_ref = vault.council_by_code(row["council_code"]), row["child_ref"]
    child_id = exports.child_id(council, child_ref)
    review_id = exports.review_id(council, child_id, child_ref)
    return reviews, exports, council, child_id, review_id, child_ref


def test_each_copy_through_the_cli_leaves_out_what_its_recipient_may_not_read(
        scenario: dict) -> None:
    ids = _person_ids(scenario)
    code, full, err = _export(scenario, "full")
    assert code == 0, err
    for text in (POLICE, DAD_ONLY, RISK, PARTNER, DANA_ADDRESS, LEE_ADDRESS, PLACEMENT):
        assert text in full, text

    code, parents, err = _export(scenario, "redacted:parents")  # Lee Carter's copy
    assert code == 0, err
    for text in (POLICE, RISK, PARTNER, DANA_ADDRESS, LEE_ADDRESS, PLACEMENT):
        assert text not in parents, text
    assert "FIRST-LINE seen by all." in parents and "THIRD-LINE seen by all." in parents
    assert DAD_ONLY in parents  # withheld from Dana only, not from Lee

    code, dana, err = _export(scenario, f"redacted:person:{ids['Dana Price']}")
    assert code == 0, err
    for text in (POLICE, RISK, PARTNER, DAD_ONLY, LEE_ADDRESS, DANA_ADDRESS, PLACEMENT):
        assert text not in dana, text
    assert "I like my school." in dana

    code, carers, err = _export(scenario, "redacted:carers")
    assert code == 0, err
    assert DANA_ADDRESS not in carers and LEE_ADDRESS not in carers  # parents' homes
    assert POLICE in carers and RISK in carers

    code, decisions, err = _export(scenario, "decisions")
    assert code == 0, err
    assert PLACEMENT not in decisions and DANA_ADDRESS not in decisions
    assert RISK in decisions  # the council's own short copy
    code, decisions, err = _export(scenario, "decisions:parents")
    assert code == 0, err
    assert RISK not in decisions and "Book a dental check-up" in decisions
    assert PLACEMENT not in decisions and PARTNER not in decisions

    code, letter, err = _export(scenario, "letter")
    assert code == 0, err
    assert POLICE not in letter and RISK.split(" ", 1)[1] not in letter
    assert "I like my school." in letter


def test_the_outbox_keeps_only_checked_copies(scenario: dict) -> None:
    ids = _person_ids(scenario)
    dana = f"redacted:person:{ids['Dana Price']}"
    code, out, err = cli(scenario["dir"], "outbox", "add", "--council", scenario["council"],
                         "--child", scenario["child"], "--variant", "redacted:parents",
                         "--variant", dana, "--variant", "letter", "--variant", "decisions")
    assert code == 0, err
    assert "Dana Price (Parent)" in out
    from iro_desktop.storage.vault import Vault

    vault = Vault(scenario["dir"]).open()
    vault.unlock(PASSPHRASE)
    try:
        box = OutboxService(vault)
        council = vault.council_by_code(scenario["council"])
        items = {i.variant: i for i in box.items(council.id)}
        parents = _xml(box.content(council.id, items["redacted:parents"].id))
        own = _xml(box.content(council.id, items[dana].id))
    finally:
        vault.close()
    assert items["redacted:parents"].recipients == "Lee Carter (Parent)"  # Dana has her own
    assert POLICE not in parents and DANA_ADDRESS not in parents
    assert DAD_ONLY not in own and POLICE not in own and LEE_ADDRESS not in own


NEAR_MISSES = [
    "Mid-paragraph [withhold from parents] tag",
    "\u200b[withhold from parents] after a zero-width space",
    "\uff3bwithhold from parents\uff3d full-width brackets",
    "[withhold from: parents] with a colon",
    "[withold from parents] misspelt",
    "[withhold from parnets] misspelt group",
]


@pytest.mark.parametrize("line", NEAR_MISSES)
def test_a_near_miss_tag_stops_the_export_and_the_outbox_naming_field_and_line(
        demo_vault_with_reviews, vault_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    vault = demo_vault_with_reviews
    reviews, _exports, council, _child, review_id, child_ref = _sample(vault, "recording")
    reviews.save_texts(council.id, {
        (review_id, "agenda:health"): "Seen by the nurse.\n" + line + " SECRET-TAGGED"})
    vault.close()
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    for variant in ("redacted:parents", "full", "letter"):
        target = tmp_path / "copy.docx"
        code, _out, err = cli(vault_dir, "export", "--council", council.code, "--child",
                              child_ref, "--variant", variant, "--out", str(target))
        assert code != 0 and not target.exists()
        assert "'Health', line 2" in err and "withholding tag" in err
        assert "SECRET-TAGGED" not in err  # the message names the place, not the words
    code, _out, err = cli(vault_dir, "outbox", "add", "--council", council.code, "--child",
                          child_ref, "--variant", "redacted:parents")
    assert code != 0 and "'Health', line 2" in err
    code, out, _ = cli(vault_dir, "outbox", "list", "--json")
    assert json.loads(out) == []


def _copies_via_cli(vault, vault_dir: Path, out: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                    council: str, child_ref: str, number: int, variants: list[str]
                    ) -> dict[str, tuple[str, str]]:
    """Close the vault, then make each copy with ``export`` and with ``outbox add`` and
    ``outbox send``: variant -> (the exported file's XML, the delivered file's XML)."""
    vault.close()
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    folder = out / "delivered"
    folder.mkdir()
    code, _o, err = cli(vault_dir, "outbox", "folder", "--council", council, str(folder))
    assert code == 0, err
    queued = [a for v in variants for a in ("--variant", v)]
    code, _o, err = cli(vault_dir, "outbox", "add", "--council", council, "--child", child_ref,
                        "--review", str(number), *queued)
    assert code == 0, err
    code, _o, err = cli(vault_dir, "outbox", "send", "--council", council)
    assert code == 0, err
    copies = {}
    for variant in variants:
        target = out / (variant.replace(":", "-") + ".docx")
        code, _o, err = cli(vault_dir, "export", "--council", council, "--child", child_ref,
                            "--review", str(number), "--variant", variant, "--out", str(target))
        assert code == 0, err
        tag = variant.replace(":", "-")
        sent = [p for p in folder.iterdir() if f"_{tag}_" in p.name and p.suffix == ".docx"]
        assert len(sent) == 1, (variant, [p.name for p in folder.iterdir()])
        copies[variant] = (_xml(target.read_bytes()), _xml(sent[0].read_bytes()))
    return copies


def test_marks_carry_forward_to_the_next_review(demo_vault_with_reviews, vault_dir: Path,  # type: ignore[no-untyped-def]
                                               tmp_path: Path, monkeypatch) -> None:
    vault = demo_vault_with_reviews
    reviews, exports, council, child_id, first, child_ref = _sample(vault, "finalised")
    if any(s.status is not ReviewStatus.FINALISED for s in reviews.reviews(council.id, child_id)):
        pytest.skip("the demo child has an open review")
    record = reviews.record(council.id, first)
    decision = next(d for d in record.decisions if not d.status.closed)
    reviews.set_mark(council.id, first, f"decision:{decision.id}", "withhold:parents", True)
    reviews.set_mark(council.id, first, f"decision:{decision.id}", "withhold:child", True)
    second = reviews.plan_review(council.id, child_id, date.today())
    reviews.update_decision(council.id, second, decision.id,
                            DecisionStatus.IN_PROGRESS, "UPDATE-SECRET comment")
    later = reviews.record(council.id, second)
    assert decision.id in {d.id for d in later.earlier_decisions}
    parents = _xml(exports.export_review(council.id, second, "redacted:parents"))
    assert decision.text not in parents and "UPDATE-SECRET" not in parents
    full = _xml(exports.export_review(council.id, second, "full"))
    assert decision.text in full and "UPDATE-SECRET" in full
    carers = _xml(exports.export_review(council.id, second, "redacted:carers"))
    assert decision.text in carers
    # the same through the command line and the outbox, the letter and decisions too
    number = later.number
    copies = _copies_via_cli(vault, vault_dir, tmp_path, monkeypatch, council.code, child_ref,
                             number, ["redacted:parents", "decisions:parents", "full"])
    for variant in ("redacted:parents", "decisions:parents"):
        for xml in copies[variant]:
            assert decision.text not in xml and "UPDATE-SECRET" not in xml, variant
    assert all(decision.text in xml for xml in copies["full"])


def test_amendments_keep_and_change_marks(demo_vault_with_reviews, vault_dir: Path,  # type: ignore[no-untyped-def]
                                         tmp_path: Path, monkeypatch) -> None:
    vault = demo_vault_with_reviews
    reviews, exports, council, child_id, review_id, child_ref = _sample(vault, "recording")
    text = "Open line.\nAMEND-SECRET line.\nLast line."
    reviews.save_texts(council.id, {(review_id, "agenda:health"): MarkedText(
        text, {1: frozenset({"parents"})})})
    reviews.update_review(council.id, review_id, participation_code="PN1",
                          held_date=date.today() - timedelta(days=1))
    reviews.set_status(council.id, review_id, ReviewStatus.RECORDING)
    reviews.finalise(council.id, review_id)
    # a plain-text amendment that keeps the withheld line word for word keeps its mark
    reviews.amend(council.id, review_id, "agenda:health", "New first line.\n" + text, "typo")
    record = reviews.record(council.id, review_id)
    assert record.line_marks["agenda:health"] == {2: frozenset({"parents"})}
    assert record.amendments[-1].reason == "typo"
    # changing the withheld line without saying whether it is still withheld is refused
    with pytest.raises(ReviewError, match="withheld from someone was changed"):
        reviews.amend(council.id, review_id, "agenda:health", "All new text.", "rewrite")
    # an amendment with its marks withholds a line of the finalised record
    reviews.amend(council.id, review_id, "agenda:health", MarkedText(
        "Open line.\nAMEND-SECRET changed.\nLATE-SECRET disclosure.",
        {1: frozenset({"parents"}), 2: frozenset({"parents"})}), "police disclosure")
    parents = _xml(exports.export_review(council.id, review_id, "redacted:parents"))
    assert "AMEND-SECRET" not in parents and "LATE-SECRET" not in parents
    assert "Open line." in parents
    number = reviews.record(council.id, review_id).number
    copies = _copies_via_cli(vault, vault_dir, tmp_path, monkeypatch, council.code, child_ref,
                             number, ["redacted:parents", "full"])
    for xml in copies["redacted:parents"]:
        assert "AMEND-SECRET" not in xml and "LATE-SECRET" not in xml and "Open line." in xml
    assert all("LATE-SECRET" in xml for xml in copies["full"])


def test_the_last_check_catches_an_exporter_that_forgets_to_withhold(
        demo_vault_with_reviews, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = demo_vault_with_reviews
    reviews, exports, council, child_id, review_id, _ref = _sample(vault, "recording")
    reviews.save_texts(council.id, {(review_id, "agenda:health"): MarkedText(
        "Open line.\nBROKEN-EXPORTER-SECRET line.", {1: frozenset({"parents"})})})
    assert "BROKEN-EXPORTER-SECRET" not in _xml(
        exports.export_review(council.id, review_id, "redacted:parents"))

    # Break the builder: its views forget every line mark (the check keeps its own view).
    from iro_desktop.export import minutes
    from iro_desktop.export.variants import View

    class Forgetful(View):
        def lines(self, key: str) -> list[tuple[str, frozenset[str]]]:
            return [(line, frozenset()) for line, _ in super().lines(key)]

    monkeypatch.setattr(minutes, "View", Forgetful)
    with pytest.raises(WithholdingError, match="line 2 of 'Health'"):
        exports.export_review(council.id, review_id, "redacted:parents")
    box = OutboxService(vault, exports)
    with pytest.raises(WithholdingError):
        box.queue(council.id, review_id, ["full", "redacted:parents"])
    assert box.items(council.id) == []  # nothing at all was queued
    # and a builder that puts the text in a header or the document properties
    monkeypatch.setattr(minutes, "View", View)
    real = minutes.build_record

    def leaky(*args: object, **kwargs: object) -> bytes:
        import docx

        document = docx.Document(io.BytesIO(real(*args, **kwargs)))
        document.core_properties.subject = "BROKEN-EXPORTER-SECRET line."
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    from iro_desktop.services import export as export_service

    monkeypatch.setattr(export_service, "build_record", leaky)
    with pytest.raises(WithholdingError):
        exports.export_review(council.id, review_id, "redacted:parents")


def test_review_show_and_import_round_trip(scenario: dict, tmp_path: Path) -> None:
    code, out, err = cli(scenario["dir"], "review", "show", "--council", scenario["council"],
                         "--child", scenario["child"], "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["texts"]["agenda:health"]["withheld_lines"] == {"1": ["child", "parents"]}
    # into a second vault holding the same caseload
    from tests.helpers import build_demo_vault

    other = build_demo_vault(tmp_path / "other")
    path = tmp_path / "again.json"
    path.write_text(out, "utf-8")
    code, _out, err = cli(other.root, "review", "import", str(path))
    assert code == 0, err
    code, again, err = cli(other.root, "review", "show", "--council", scenario["council"],
                           "--child", scenario["child"], "--json")
    assert code == 0, err
    second = json.loads(again)

    def portable(doc: dict) -> dict:
        """Ids differ between vaults: name people by name everywhere."""
        names = {f"person:{p['id']}": p["name"] for p in doc["people"]}
        by_id = {p["id"]: p["name"] for p in doc["people"]}
        text = json.dumps(doc, sort_keys=True)
        for key, name in names.items():
            text = text.replace(f'"{key}"', json.dumps("person=" + name))
        out = json.loads(text)
        for person in out["people"]:
            person.pop("id")
        for decision in out["decisions"]:
            decision["person"] = by_id.get(decision["person"])
        out["people"].sort(key=lambda p: p["name"])
        return out

    assert portable(second) == portable(first)


def test_review_import_refuses_bad_files_and_writes_nothing(scenario: dict) -> None:
    path = scenario["out"] / "bad.json"
    bad = _document(scenario["council"], scenario["child"])
    bad["texts"]["agenda:health"]["withheld_lines"] = {"7": ["parents"]}
    bad["decisions"][0]["withheld_from"] = ["person:99"]
    path.write_text(json.dumps(bad), "utf-8")
    before = cli(scenario["dir"], "reviews", "--json")[1]
    code, _out, err = cli(scenario["dir"], "review", "import", str(path))
    assert code == 1
    assert "texts['agenda:health'].withheld_lines" in err and "person 99" in err
    assert "Nothing was written" in err
    assert cli(scenario["dir"], "reviews", "--json")[1] == before
    path.write_text("[" * 100_000, "utf-8")
    code, _out, err = cli(scenario["dir"], "review", "import", str(path))
    assert code == 1 and ("nested too deeply" in err or "not valid JSON" in err)
