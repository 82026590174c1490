"""Annual report figures for a council and period, counted by hand on a small caseload, and
their JSON, CSV, Word and command-line forms.

The caseload (Northbrook, 01/04/2025 to 31/03/2026; today 30/06/2026):

* NB1 came into care on 01/04/2025. Review 1 held 25/04/2025 (first review due 01/05/2025:
  20 working days with Easter in them): on time. Review 2 held 15/08/2025 (due 25/07/2025):
  late. Review 3 held 20/01/2026 (due 15/02/2026): on time. Review 4 held 10/04/2026: after
  the period.
* NB2 (under 4) had 2 reviews before the app, the last on 10/03/2025 (from the caseload
  CSV). Review 3 held 01/08/2025 (due 10/09/2025): on time.
  Review 4 held 31/03/2026 (due 01/02/2026): late, and not finalised, with no code yet.
* NB3 came into care on 01/06/2025; review 1 only planned.
* NB4 left the caseload on 15/09/2025 (recorded); NB5 left with no date recorded, last
  reviewed 10/10/2025.
* Eastmere has a review in the period too, which must not count for Northbrook.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from iro_desktop import cli, cli_between, cli_common
from iro_desktop.core.annual_report import DEFINITIONS, AnnualReport
from iro_desktop.core.escalation import Outcome, Stage
from iro_desktop.core.models import Nation
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.core.reviews import DecisionStatus, ReviewStatus
from iro_desktop.security.errors import VaultError
from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services import returns
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.escalation import EscalationService
from iro_desktop.services.monitoring import MonitoringService
from iro_desktop.services.report import ReportError, ReportService, month_ends
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import AuditEvent, ChildRow
from iro_desktop.storage.vault import Vault
from tests.conftest import PASSPHRASE

TODAY = date(2026, 6, 30)
FROM, TO = date(2025, 4, 1), date(2026, 3, 31)
HEADER = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
          "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
          "last_review_date,reviews_held,social_worker,notes\n")
NBK = "NBK,Northbrook City Council,"
ROWS = (
    f"{NBK}NB1,Ava,Quillfeather,,01/02/2015,F,C2,U4,01/04/2025,,0,Jo Fielding,\n"
    f"{NBK}NB2,Ben,Harrowgate,,01/01/2023,M,C2,U4,01/06/2023,10/03/2025,2,,\n"
    f"{NBK}NB3,Cara,Dunstable,,01/02/2012,F,C2,U4,01/06/2025,,0,,\n"
    f"{NBK}NB4,Dev,Ellingham,,01/02/2011,M,C2,U4,01/03/2019,01/08/2025,8,,\n"
    f"{NBK}NB5,Eve,Fairweather,,01/02/2010,F,C2,U4,01/03/2019,10/10/2025,3,,\n"
    "EMB,Eastmere Borough Council,E1,Finn,Gatley,,01/02/2012,M,C2,U4,01/01/2025,,0,,\n"
)
NAMES = ("Ava", "Quillfeather", "Harrowgate", "Dunstable", "Ellingham", "Fairweather",
         "Jo Fielding", "NB1", "NB2", "Sam Whitfield", "Pumpernickel")


def _held(reviews: ReviewService, cid: str, child: int, day: date, code: str | None,
          seen: str | None = None) -> int:
    rid = reviews.plan_review(cid, child, day)
    if seen is not None:
        reviews.save_texts(cid, {(rid, "prep.spoke_alone"): seen,
                                 (rid, "voice.views"): "I want a kitten called Pumpernickel"})
    reviews.set_status(cid, rid, ReviewStatus.HELD)
    if code:
        reviews.update_review(cid, rid, participation_code=code)
    return rid


def _build(root: Path) -> None:
    vault, _key = Vault.create(root, PASSPHRASE, kdf=fast_test_params(),
                               secret_store=MemorySecretStore())
    with vault:
        caseload = CaseloadService(vault, today=lambda: TODAY)
        caseload.import_caseload((HEADER + ROWS).encode(),
                                 nations={"NBK": Nation.ENGLAND, "EMB": Nation.ENGLAND})
        ids = {e.child.record.child_ref: (e.council.id, e.child.id) for e in caseload.entries()}
        reviews = ReviewService(vault, today=lambda: TODAY)
        cid, a = ids["NB1"]
        carer = reviews.add_person(cid, a, "Sam Whitfield", "Carer")
        r1 = _held(reviews, cid, a, date(2025, 4, 25), "PN1", "Saw her at school")
        d1 = reviews.add_decision(cid, r1, "Dental check", person_id=carer.id)
        d2 = reviews.add_decision(cid, r1, "Passport", responsible="Social worker")
        reviews.finalise(cid, r1)
        r2 = _held(reviews, cid, a, date(2025, 8, 15), "PN5", "   ")
        reviews.update_decision(cid, r2, d1.id, DecisionStatus.NOT_DONE)
        reviews.update_decision(cid, r2, d2.id, DecisionStatus.DONE)
        reviews.finalise(cid, r2)
        r3 = _held(reviews, cid, a, date(2026, 1, 20), "PN1", "Visited at home")
        reviews.update_decision(cid, r3, d1.id, DecisionStatus.NOT_DONE)
        reviews.add_decision(cid, r3, "Swimming lessons", responsible="Carer")
        reviews.finalise(cid, r3)
        r4 = _held(reviews, cid, a, date(2026, 4, 10), "PN1")
        reviews.update_decision(cid, r4, d1.id, DecisionStatus.DONE)
        reviews.add_decision(cid, r4, "After the period", responsible="Carer")
        reviews.finalise(cid, r4)

        cid, b = ids["NB2"]
        reviews.finalise(cid, _held(reviews, cid, b, date(2025, 8, 1), "PN0"))
        _held(reviews, cid, b, date(2026, 3, 31), None)  # held, no code, not finalised
        cid, c = ids["NB3"]
        reviews.plan_review(cid, c, date(2025, 6, 20))
        cid_e, e1 = ids["E1"]
        reviews.finalise(cid_e, _held(reviews, cid_e, e1, date(2025, 6, 1), "PN1"))

        with vault.session(cid) as s:
            s.get(ChildRow, ids["NB4"][1]).status = "ended"
            s.add(AuditEvent(at=TODAY, code="child.ended", detail=json.dumps(
                {"child": ids["NB4"][1], "on": "2025-09-15", "how": "file"})))
            s.get(ChildRow, ids["NB5"][1]).status = "ended"

        esc = EscalationService(vault, today=lambda: TODAY)
        e = esc.raise_concern(cid, a, "Drift", "Plan", None, opened_on=date(2025, 5, 1),
                              who="Team manager")
        esc.escalate(cid, e.id, Stage.FORMAL_1, "Service manager", raised_on=date(2025, 5, 20))
        esc.close(cid, e.id, Outcome.RESOLVED, closed_on=date(2025, 6, 10))
        e = esc.raise_concern(cid, b, "No contact", "Contact", None, opened_on=date(2026, 3, 1),
                              who="Team manager")
        esc.escalate(cid, e.id, Stage.FORMAL_2, "Head of service", raised_on=date(2026, 3, 20))
        esc.escalate(cid, e.id, Stage.CAFCASS, "Cafcass", raised_on=date(2026, 4, 2))
        esc.close(cid, e.id, Outcome.REFERRED_TO_CAFCASS, closed_on=date(2026, 4, 15))
        e = esc.raise_concern(cid, a, "Old", "Old", None, opened_on=date(2025, 2, 1),
                              who="Team manager")
        esc.close(cid, e.id, Outcome.WITHDRAWN, closed_on=date(2025, 4, 10))

        log = MonitoringService(vault, today=lambda: TODAY)
        log.add_entry(cid, a, EntryKind.MIDWAY_REVIEW, date(2025, 7, 1), checked="Plan")
        log.add_entry(cid, a, EntryKind.CONTACT, date(2025, 3, 15), checked="Before")
        log.add_entry(cid, a, EntryKind.SIGNIFICANT_CHANGE, date(2025, 9, 1), checked="Move",
                      change_type=ChangeType.PLACEMENT_MOVE)
        log.add_entry(cid, b, EntryKind.VISIT, date(2026, 3, 31), checked="Home")
        log.add_entry(cid, b, EntryKind.SIGNIFICANT_CHANGE, date(2026, 4, 5), checked="Missing",
                      change_type=ChangeType.MISSING_EPISODE)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report") / "vault"
    _build(root)
    return root


@pytest.fixture
def vault_copy(template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "vault"
    shutil.copytree(template, dest)
    (dest / "vault.lock").unlink(missing_ok=True)
    return dest


@pytest.fixture
def opened(vault_copy: Path):  # type: ignore[no-untyped-def]
    vault = Vault(vault_copy, secret_store=MemorySecretStore()).open()
    vault.unlock(PASSPHRASE)
    yield vault
    vault.close()


def _report(vault) -> AnnualReport:  # type: ignore[no-untyped-def]
    return ReportService(vault, today=lambda: TODAY).report("nbk", FROM, TO)


# ---- the figures -----------------------------------------------------------------------


def test_figures_match_the_hand_count(opened) -> None:  # type: ignore[no-untyped-def]
    r = _report(opened)
    assert (r.council_code, r.council_name) == ("NBK", "Northbrook City Council")
    assert (r.reviews_held, r.reviews_on_time, r.reviews_late,
            r.reviews_timeliness_unknown) == (5, 3, 2, 0)
    assert r.children_reviewed == 2
    assert r.participation == {"PN0": 1, "PN1": 2, "PN2": 0, "PN3": 0, "PN4": 0, "PN5": 1,
                               "PN6": 0, "PN7": 0}
    assert r.participation_not_recorded == 1
    assert r.children_seen_before_review == 2  # whitespace is not a record of a visit
    assert (r.decisions_made, r.decisions_completed, r.decisions_drifting) == (3, 1, 1)
    assert r.escalations_raised == 2
    assert r.escalations_by_stage == {"informal": 2, "formal_1": 1, "formal_2": 1,
                                      "formal_3": 0, "cafcass": 0}
    assert r.escalations_by_outcome == {"resolved": 1, "referred_to_cafcass": 0,
                                        "withdrawn": 1}
    assert r.escalations_open_at_end == 1
    assert r.monitoring_by_kind == {"midway_review": 1, "contact": 0, "visit": 1,
                                    "significant_change": 1}
    assert r.significant_changes_by_type == {"placement_move": 1, "social_worker_change": 0,
                                             "missing_episode": 0, "other": 0}
    assert [d for d, _n in r.caseload_size] == month_ends(FROM, TO)
    assert [n for _d, n in r.caseload_size] == [4, 4, 5, 5, 5, 4, 3, 3, 3, 3, 3, 3]


def test_a_later_period_sees_the_drift_resolved_and_the_cafcass_referral(opened) -> None:  # type: ignore[no-untyped-def]
    r = ReportService(opened, today=lambda: TODAY).report("NBK", date(2026, 4, 1), TODAY)
    assert (r.reviews_held, r.reviews_on_time, r.decisions_made) == (1, 1, 1)
    assert (r.decisions_completed, r.decisions_drifting) == (1, 0)
    assert r.escalations_by_stage["cafcass"] == 1
    assert r.escalations_by_outcome["referred_to_cafcass"] == 1
    assert r.escalations_open_at_end == 0
    assert r.significant_changes_by_type["missing_episode"] == 1


def test_timeliness_agrees_with_the_council_return_csv(opened) -> None:  # type: ignore[no-untyped-def]
    r = _report(opened)
    rows = [row for row in csv.DictReader(io.StringIO(
        returns.reviews_csv(opened, FROM, TO, "NBK"))) if row["status"] != "planned"]
    assert len(rows) == r.reviews_held
    marks = [row["held_on_time"] for row in rows]
    assert (marks.count("yes"), marks.count("no"), marks.count("")) == (
        r.reviews_on_time, r.reviews_late, r.reviews_timeliness_unknown)


def test_bad_period_or_council_is_refused(opened) -> None:  # type: ignore[no-untyped-def]
    service = ReportService(opened)
    with pytest.raises(ReportError, match="after the end date"):
        service.report("NBK", TO, FROM)
    with pytest.raises(ReportError, match=r"no council 'XYZ'.*EMB, NBK"):
        service.report("xyz", FROM, TO)


def test_month_ends() -> None:
    assert month_ends(date(2025, 4, 15), date(2025, 6, 10)) == [
        date(2025, 4, 30), date(2025, 5, 31), date(2025, 6, 10)]
    assert month_ends(date(2024, 2, 1), date(2024, 2, 29)) == [date(2024, 2, 29)]
    assert month_ends(date(2025, 1, 31), date(2025, 1, 31)) == [date(2025, 1, 31)]


# ---- JSON, CSV and Word --------------------------------------------------------------------


def test_json_names_every_figure(opened) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(_report(opened).to_json_text())
    assert set(DEFINITIONS) <= set(data)
    assert data["reviews_held"] == 5 and data["reviews_on_time"] == 3 and data["reviews_late"] == 2
    assert data["participation"]["PN1"] == 2
    assert data["period_from"] == "2025-04-01" and data["period_to"] == "2026-03-31"
    assert data["caseload_size"][0] == {"date": "2025-04-30", "children": 4}
    text = json.dumps(data)
    assert not [n for n in NAMES if n in text]


def test_csv_has_one_row_per_figure_and_item(opened) -> None:  # type: ignore[no-untyped-def]
    report = _report(opened)
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    assert rows[0] == ["figure", "item", "value"]
    assert rows[1] == ["council", "NBK", ""] and rows[2][0] == "period"
    body = {(f, i): int(v) for f, i, v in rows[3:]}
    assert body[("reviews_held", "")] == 5 and body[("participation", "PN0")] == 1
    assert body[("escalations_by_stage", "formal_2")] == 1
    assert body[("caseload_size", "2026-03-31")] == 3
    assert len(body) == len(rows) - 3  # no figure twice


def test_csv_cells_cannot_run_as_formulas() -> None:
    report = AnnualReport("=HYPERLINK(1)", "x", FROM, TO, TODAY,
                          participation={"+1": 1, "@SUM": 2})
    text = report.to_csv()
    assert "'=HYPERLINK(1)" in text and "'+1" in text and "'@SUM" in text


def test_word_report_has_the_marking_and_figures_but_no_child(opened) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    from iro_desktop.export.report_docx import TITLE, build_report

    data = build_report(_report(opened), marking="OFFICIAL-SENSITIVE PERSONAL")
    doc = Document(io.BytesIO(data))
    assert doc.core_properties.title == TITLE
    section = doc.sections[0]
    assert section.header.paragraphs[0].text == "OFFICIAL-SENSITIVE PERSONAL"
    assert section.footer.paragraphs[0].text == "OFFICIAL-SENSITIVE PERSONAL"
    cells = {tuple(c.text for c in row.cells) for t in doc.tables for row in t.rows}
    assert ("Reviews held", "5") in cells
    assert ("Held on time", "3 (60%)") in cells
    assert ("PN5", "Absent, briefs advocate/IRO", "1") in cells
    assert ("Referral to Cafcass", "0") in cells
    assert ("31/03/2026", "3") in cells
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    assert not [n for n in NAMES if n in xml]


# ---- the command line (through a local parser until cli.py wires it in) ----------------


def _cli(vault_dir: Path, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="iro-desktop")
    parser.add_argument("--vault", type=Path)
    cli_between.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["--vault", str(vault_dir), *argv])
    out, err = io.StringIO(), io.StringIO()
    try:
        code = cli_between.run(args, lambda: cli_common.open_unlocked(args), out)
    except cli.CliError as exc:
        print(f"iro-desktop: {exc}", file=err)
        code = exc.exit_code
    except VaultError as exc:
        print(f"iro-desktop: {exc}", file=err)
        code = cli.EXIT_VAULT
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)


def test_cli_report_json_csv_and_docx(vault_copy: Path, env: None, tmp_path: Path) -> None:
    code, out, _err = _cli(vault_copy, "report", "--council", "NBK", "--from", "01/04/2025",
                           "--to", "2026-03-31", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["reviews_held"], data["reviews_on_time"], data["reviews_late"]) == (5, 3, 2)
    assert data["participation"] == {"PN0": 1, "PN1": 2, "PN2": 0, "PN3": 0, "PN4": 0,
                                     "PN5": 1, "PN6": 0, "PN7": 0}

    target = tmp_path / "figures.csv"
    code, out, _err = _cli(vault_copy, "report", "--council", "NBK", "--from", "2025-04-01",
                           "--to", "2026-03-31", "--csv", str(target))
    assert code == 0 and str(target.resolve()) in out and "NOT encrypted" in out
    assert target.read_bytes().startswith(b"\xef\xbb\xbffigure,item,value")
    code, _out, err = _cli(vault_copy, "report", "--council", "NBK", "--from", "2025-04-01",
                           "--to", "2026-03-31", "--csv", str(target))
    assert code == cli.EXIT_PROBLEM and "--force" in err

    docx = tmp_path / "report.docx"
    code, out, _err = _cli(vault_copy, "report", "--council", "NBK", "--from", "2025-04-01",
                           "--to", "2026-03-31", "--docx", str(docx))
    assert code == 0 and zipfile.is_zipfile(docx)

    code, out, _err = _cli(vault_copy, "report", "--council", "NBK", "--from", "2025-04-01",
                           "--to", "2026-03-31")
    assert code == 0 and "reviews held" in out and "participation: PN1" in out


@pytest.mark.parametrize("argv, message", [
    (("--council", "XYZ", "--from", "2025-04-01", "--to", "2026-03-31"), "no council 'XYZ'"),
    (("--council", "NBK", "--from", "31/02/2025", "--to", "2026-03-31"), "--from takes a date"),
    (("--council", "NBK", "--from", "2026-04-01", "--to", "2026-03-31"), "is after --to"),
])
def test_cli_report_usage_errors(vault_copy: Path, env: None, argv, message) -> None:  # type: ignore[no-untyped-def]
    code, out, err = _cli(vault_copy, "report", *argv)
    assert code == cli.EXIT_USAGE and message in err and out == ""


def test_cli_search_json_is_a_list_of_hits(vault_copy: Path, env: None) -> None:
    code, out, _err = _cli(vault_copy, "search", "pumpern", "--json")
    assert code == 0
    hits = json.loads(out)
    assert isinstance(hits, list) and len(hits) == 3
    assert [h["review_number"] for h in hits] == [3, 2, 1]  # newest review first
    hit = hits[0]
    assert set(hit) == {"council_code", "child_ref", "child_name", "review_number", "field",
                        "field_key", "kind", "snippet", "highlights"}
    assert (hit["council_code"], hit["child_ref"], hit["field"]) == (
        "NBK", "NB1", "The child's views, in their own words")
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "Pumpernickel"

    code, out, _err = _cli(vault_copy, "search", "Quillfeather")
    assert code == 0 and "NB1" in out and "[Quillfeather]" in out
    code, out, _err = _cli(vault_copy, "search", "nothing-like-this-anywhere")
    assert code == 0 and "No matches" in out
    code, _out, err = _cli(vault_copy, "search", '"*"')
    assert code == cli.EXIT_USAGE and "at least one word" in err


def test_commands_through_the_real_command_line(vault_copy: Path, env: None) -> None:
    from tests.helpers import cli as real_cli

    code, out, err = real_cli(vault_copy, "report", "--council", "NBK", "--from", "2025-04-01",
                              "--to", "2026-03-31", "--json")
    assert code == 0, err
    assert json.loads(out)["reviews_late"] == 2
    code, out, err = real_cli(vault_copy, "search", "pumpernickel", "--json")
    assert code == 0, err
    assert [h["review_number"] for h in json.loads(out)] == [3, 2, 1]
    code, _out, err = real_cli(vault_copy, "report", "--council", "ZZZ", "--from", "2025-04-01",
                               "--to", "2026-03-31")
    assert code == cli.EXIT_USAGE and "no council 'ZZZ'" in err
