"""`iro-desktop outbox ...` and `export --variant`, driven in-process on the demo vault
with its sample reviews."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import docx
import pytest

from iro_desktop.cli import run
from tests.helpers import cli, closed_reviews_vault  # noqa: F401 - fixture


def _reviews(vault_dir: Path) -> list[dict[str, object]]:
    code, out, err = cli(vault_dir, "reviews", "--json")
    assert code == 0, err
    return json.loads(out)


def _finalised(vault_dir: Path) -> dict[str, object]:
    return next(r for r in _reviews(vault_dir) if r["status"] == "finalised")


def _usage_error(vault_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exc:
        run(["--vault", str(vault_dir), *args])
    assert exc.value.code == 2
    return capsys.readouterr().err


def _listed(vault_dir: Path, *args: str) -> list[dict[str, object]]:
    code, out, err = cli(vault_dir, "outbox", "list", "--json", *args)
    assert code == 0, err
    return json.loads(out)


def test_add_list_send_and_list_again(closed_reviews_vault: Path, tmp_path: Path) -> None:
    row = _finalised(closed_reviews_vault)
    council, child = str(row["council_code"]), str(row["child_ref"])
    code, out, err = cli(closed_reviews_vault, "outbox", "add", "--council", council.lower(),
                         "--child", child.lower(), "--variant", "full", "--variant",
                         "decisions", "--to", "decisions=Dana Price (Parent)")
    assert code == 0, err
    assert "Dana Price (Parent)" in out and "3 item(s) kept encrypted" in out
    assert "not finalised" not in out

    code, out, err = cli(closed_reviews_vault, "outbox", "list")
    assert code == 0, err
    assert out.count("ready, queued") == 3 and "for: Dana Price (Parent)" in out
    items = _listed(closed_reviews_vault)
    assert [(i["variant"], i["state"]) for i in items] == [
        ("full", "ready"), ("decisions", "ready"), ("data", "ready")]

    share = tmp_path / "share"
    share.mkdir()
    code, out, err = cli(closed_reviews_vault, "outbox", "folder", "--council", council,
                         str(share))
    assert code == 0, err
    assert f"delivery folder: {share} (reachable now)" in out

    code, out, err = cli(closed_reviews_vault, "outbox", "send")
    assert code == 0, err
    assert f"3 file(s) written to {share}" in out and "not encrypted" in out
    written = sorted(p.name for p in share.iterdir())
    for name in written:
        assert name in out
    manifest = json.loads(next(share.glob("manifest-*.json")).read_text("utf-8"))
    for entry in manifest["items"]:
        assert entry["sha256"] == hashlib.sha256((share / entry["file"]).read_bytes()).hexdigest()
    full = next(e["file"] for e in manifest["items"] if e["variant"] == "full")
    assert docx.Document(str(share / full)).paragraphs[0].text.startswith("Record")

    delivered = _listed(closed_reviews_vault, "--council", council, "--child", child)
    assert {i["state"] for i in delivered} == {"delivered"} and len(delivered) == 3
    assert _listed(closed_reviews_vault, "--council", council, "--child", child, "--review",
                   str(row["review_number"])) == delivered
    code, out, err = cli(closed_reviews_vault, "outbox", "list", "--council", council,
                         "--child", child, "--review", "99")
    assert code == 2 and "no review 99" in err  # a review not found: 2
    other = next(r for r in _reviews(closed_reviews_vault) if r["council_code"] != council)
    code, out, err = cli(closed_reviews_vault, "outbox", "list", "--council",
                         str(other["council_code"]), "--child", str(other["child_ref"]))
    assert code == 0 and out == "No items match.\n"
    assert {i["delivered_to"] for i in delivered} == {str(share)}
    code, out, err = cli(closed_reviews_vault, "outbox", "list", "--state", "delivered")
    assert out.count(f"to {share}") == 3

    code, out, err = cli(closed_reviews_vault, "outbox", "send")
    assert code == 0 and "Nothing to send" in out
    assert sorted(p.name for p in share.iterdir()) == written


def test_a_draft_is_flagged_when_queued(closed_reviews_vault: Path) -> None:
    row = next(r for r in _reviews(closed_reviews_vault) if r["status"] == "recording")
    code, out, err = cli(closed_reviews_vault, "outbox", "add", "--council",
                         str(row["council_code"]), "--child", str(row["child_ref"]),
                         "--variant", "decisions")
    assert code == 0, err
    assert f"Review {row['review_number']} is not finalised" in out
    assert {i["review_status"] for i in _listed(closed_reviews_vault)} == {"draft"}


def test_send_to_a_missing_folder_fails_clearly_and_keeps_the_items(
        closed_reviews_vault: Path, tmp_path: Path) -> None:
    row = _finalised(closed_reviews_vault)
    council = str(row["council_code"])
    assert cli(closed_reviews_vault, "outbox", "add", "--council", council, "--child",
               str(row["child_ref"]), "--variant", "decisions")[0] == 0
    code, out, err = cli(closed_reviews_vault, "outbox", "send", "--council", council)
    assert code == 1
    assert f"NOT SENT: {council} (" in out and "no delivery folder is set" in out
    missing = tmp_path / "not-mounted"
    code, out, err = cli(closed_reviews_vault, "outbox", "folder", "--council", council,
                         str(missing))
    assert code == 0 and "not reachable now: the folder" in out
    code, out, err = cli(closed_reviews_vault, "outbox", "send")
    assert code == 1 and str(missing) in out and "cannot be found" in out
    assert not missing.exists()
    items = _listed(closed_reviews_vault)
    assert {i["state"] for i in items} == {"ready"}
    code, out, err = cli(closed_reviews_vault, "outbox", "list")
    assert "last attempt:" in out and "cannot be found" in out


def test_folder_settings_are_checked_before_any_is_stored(closed_reviews_vault: Path,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    council = str(_finalised(closed_reviews_vault)["council_code"])
    code, out, err = cli(closed_reviews_vault, "outbox", "folder", "--council", council)
    assert code == 0
    assert "delivery folder: not set" in out and "kept: 30 day(s)" in out
    assert "send when reachable: no" in out
    code, out, err = cli(closed_reviews_vault, "outbox", "folder", "--council", council,
                         str(tmp_path), "--retention", "5000")
    assert code == 2 and "3650" in err and "Nothing was changed" in err
    code, out, err = cli(closed_reviews_vault, "outbox", "folder", "--council", council)
    assert "delivery folder: not set" in out
    monkeypatch.chdir(tmp_path)  # a relative path is stored as the full path
    code, out, err = cli(closed_reviews_vault, "outbox", "folder", "--council", council,
                         "share", "--retention", "14", "--auto-send", "yes")
    assert code == 0, err
    assert f"delivery folder: {tmp_path / 'share'} (not reachable now" in out
    assert "kept: 14 day(s)" in out and "send when reachable: yes" in out
    code, out, err = cli(closed_reviews_vault, "outbox", "folder", "--council", council, "")
    assert code == 0 and "delivery folder: not set" in out


def test_purge_dry_run_and_retention(closed_reviews_vault: Path, tmp_path: Path) -> None:
    row = _finalised(closed_reviews_vault)
    council = str(row["council_code"])
    share = tmp_path / "share"
    share.mkdir()
    assert cli(closed_reviews_vault, "outbox", "add", "--council", council, "--child",
               str(row["child_ref"]), "--variant", "full")[0] == 0
    assert cli(closed_reviews_vault, "outbox", "folder", "--council", council, str(share),
               "--retention", "0")[0] == 0
    code, out, err = cli(closed_reviews_vault, "outbox", "purge", "--dry-run")
    assert code == 0 and f"{council}: nothing to purge" in out  # ready items never are
    assert cli(closed_reviews_vault, "outbox", "send")[0] == 0
    code, out, err = cli(closed_reviews_vault, "outbox", "purge", "--council", council,
                         "--dry-run")
    assert code == 0 and "2 item(s)" in out and "dry run" in out
    assert {i["state"] for i in _listed(closed_reviews_vault)} == {"delivered"}
    code, out, err = cli(closed_reviews_vault, "outbox", "purge")
    assert code == 0 and f"{council}: 2 item(s) delivered more than 0 day(s) ago purged" in out
    items = _listed(closed_reviews_vault)
    assert {i["state"] for i in items} == {"purged"} and all(i["purged_at"] for i in items)
    code, out, err = cli(closed_reviews_vault, "outbox", "list")
    assert out.count("content purged") == 2


@pytest.mark.parametrize("args, message", [
    (["--council", "ZZZ"], "no council"),
    (["--child", "NO-SUCH-CHILD"], "no child"),
    (["--review", "99"], "no review 99"),
    (["--review", "minus"], "--review"),
    (["--to", "full"], "--to takes VARIANT=WHO"),
    (["--to", "decisions=Dana"], "not a --variant"),
    (["--to", "memo=Dana"], "unknown variant"),
])
def test_add_errors_are_clear_and_queue_nothing(closed_reviews_vault: Path, args: list[str],
                                                message: str) -> None:
    row = _finalised(closed_reviews_vault)
    options = ["--council", str(row["council_code"]), "--child", str(row["child_ref"]),
               "--variant", "full"]
    code, out, err = cli(closed_reviews_vault, "outbox", "add", *options, *args)
    assert code != 0 and message in err and out == ""
    assert _listed(closed_reviews_vault) == []


def test_list_options_need_each_other(closed_reviews_vault: Path) -> None:
    code, _out, err = cli(closed_reviews_vault, "outbox", "list", "--child", "X")
    assert code == 2 and "--child needs --council" in err
    code, _out, err = cli(closed_reviews_vault, "outbox", "list", "--council", "NBK",
                          "--review", "2")
    assert code == 2 and "--review needs --child" in err
    code, out, _err = cli(closed_reviews_vault, "outbox", "list")
    assert code == 0 and out == "The outbox is empty.\n"


def test_variant_is_checked_before_the_vault_is_opened(
        closed_reviews_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(closed_reviews_vault, capsys, "outbox", "add", "--council", "X",
                       "--child", "Y", "--variant", "memo")
    assert "unknown variant 'memo'" in err and "full, decisions" in err
    err = _usage_error(closed_reviews_vault, capsys, "export", "--council", "X", "--child",
                       "Y", "--variant", "redacted:cousins", "--out", str(tmp_path / "x.docx"))
    assert "unknown recipient group 'cousins'" in err and "parents" in err
    assert not (tmp_path / "x.docx").exists()


def test_export_variant_is_case_insensitive(closed_reviews_vault: Path, tmp_path: Path) -> None:
    row = _finalised(closed_reviews_vault)
    target = tmp_path / "decisions.docx"
    code, out, err = cli(closed_reviews_vault, "export", "--council", str(row["council_code"]),
                         "--child", str(row["child_ref"]), "--variant", "Decisions",
                         "--out", str(target))
    assert code == 0, err
    assert "Wrote the decisions review record" in out
    assert docx.Document(str(target)).paragraphs[0].text.startswith("Decisions")


def test_group_copies_and_the_letter_go_through_the_outbox(closed_reviews_vault: Path,
                                                           tmp_path: Path) -> None:
    row = _finalised(closed_reviews_vault)
    council, child = str(row["council_code"]), str(row["child_ref"])
    code, out, err = cli(closed_reviews_vault, "outbox", "add", "--council", council,
                         "--child", child, "--variant", "letter", "--variant",
                         "Redacted:Parents", "--variant", "redacted:professionals")
    assert code == 0, err
    items = {i["variant"]: i for i in _listed(closed_reviews_vault)}
    assert set(items) == {"letter", "redacted:parents", "redacted:professionals", "data"}
    assert items["letter"]["recipient_group"] == "child"
    assert items["letter"]["recipients"].endswith("(the child)")
    assert items["redacted:parents"]["recipients"] == "Dana Price (Parent)"
    assert "Ms Okafor (Teacher)" in items["redacted:professionals"]["recipients"]
    share = tmp_path / "share"
    share.mkdir()
    assert cli(closed_reviews_vault, "outbox", "folder", "--council", council, str(share))[0] == 0
    code, out, err = cli(closed_reviews_vault, "outbox", "send")
    assert code == 0, err
    manifest = json.loads(next(share.glob("manifest-*.json")).read_text("utf-8"))
    groups = {m["variant"]: m["recipient_group"] for m in manifest["items"]}
    assert groups == {"letter": "child", "redacted:parents": "parents",
                      "redacted:professionals": "professionals", "data": "council"}
    for entry in manifest["items"]:
        if entry["kind"] == "docx":
            assert docx.Document(str(share / entry["file"])).paragraphs
            assert "redacted-parents" in entry["file"] or entry["variant"] != "redacted:parents"

    target = tmp_path / "parents.docx"  # the one-off copy takes the same variant names
    code, out, err = cli(closed_reviews_vault, "export", "--council", council, "--child", child,
                         "--variant", "REDACTED:parents", "--out", str(target))
    assert code == 0, err
    assert "redacted:parents" in out and docx.Document(str(target)).paragraphs


def _all_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_chair_from_the_settings_signs_both_kinds_of_copy(closed_reviews_vault: Path,
                                                              tmp_path: Path) -> None:
    from iro_desktop.settings import Settings

    Settings().set("chair_name", "Alex Quorn-Chairwell")
    row = _finalised(closed_reviews_vault)
    council, child = str(row["council_code"]), str(row["child_ref"])
    target = tmp_path / "record.docx"
    assert cli(closed_reviews_vault, "export", "--council", council, "--child", child,
               "--out", str(target))[0] == 0
    assert "Alex Quorn-Chairwell" in _all_text(target)
    share = tmp_path / "share"
    share.mkdir()
    for args in (["add", "--council", council, "--child", child, "--variant", "full"],
                 ["folder", "--council", council, str(share)], ["send"]):
        code, _out, err = cli(closed_reviews_vault, "outbox", *args)
        assert code == 0, err
    assert "Alex Quorn-Chairwell" in _all_text(next(share.glob("*_full_*.docx")))
