"""`iro-desktop reviews` and `iro-desktop export`, driven in-process."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import docx
import pytest

from tests.helpers import cli, closed_reviews_vault  # noqa: F401 - fixture
from iro_desktop.cli import run

KEYS = {"council_code", "child_ref", "last_name", "review_number", "date", "status",
        "participation_code"}




def _reviews(vault_dir: Path) -> list[dict[str, object]]:
    code, out, _err = cli(vault_dir, "reviews", "--json")
    assert code == 0
    return json.loads(out)


def test_reviews_json_lists_the_samples(closed_reviews_vault: Path) -> None:
    rows = _reviews(closed_reviews_vault)
    assert len(rows) == 3
    assert all(set(row) == KEYS for row in rows)
    assert sorted(r["status"] for r in rows) == ["finalised", "planned", "recording"]
    finalised = next(r for r in rows if r["status"] == "finalised")
    assert finalised["participation_code"] == "PN1" and finalised["date"]
    code, out, _ = cli(closed_reviews_vault, "reviews")
    assert code == 0
    for row in rows:
        assert str(row["child_ref"]) in out


def test_export_writes_a_private_docx_and_refuses_to_overwrite(
        closed_reviews_vault: Path, tmp_path: Path) -> None:
    row = next(r for r in _reviews(closed_reviews_vault) if r["status"] == "finalised")
    outdir = tmp_path / "out"
    outdir.mkdir()
    target = outdir / "record.docx"
    args = ["export", "--council", str(row["council_code"]).lower(),
            "--child", str(row["child_ref"]).lower(), "--variant", "full", "--out", str(target)]
    code, out, err = cli(closed_reviews_vault, *args)
    assert code == 0, err
    assert str(target.resolve()) in out and "not encrypted" in out.lower()
    document = docx.Document(str(target))
    assert document.paragraphs[0].text == "Record of the looked after child review"
    assert str(row["last_name"]) in "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells)
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in outdir.iterdir()] == ["record.docx"]  # no temp file left

    before = target.read_bytes()
    code, out, err = cli(closed_reviews_vault, *args[:-4], "--variant", "decisions",
                         "--out", str(target))
    assert code != 0 and "--force" in err and target.read_bytes() == before

    code, out, err = cli(closed_reviews_vault, *args[:-4], "--variant", "decisions",
                         "--review", str(row["review_number"]), "--out", str(target), "--force")
    assert code == 0, err
    assert docx.Document(str(target)).paragraphs[0].text.startswith("Decisions")


@pytest.mark.parametrize("change, message", [
    ({"--council": "ZZZ"}, "no council"),
    ({"--child": "NO-SUCH-CHILD"}, "no child"),
    ({"--review": "99"}, "no review 99"),
    ({"--review": "minus"}, "--review"),
])
def test_export_errors_are_clear(closed_reviews_vault: Path, tmp_path: Path,
                                 change: dict[str, str], message: str) -> None:
    row = _reviews(closed_reviews_vault)[0]
    options = {"--council": str(row["council_code"]), "--child": str(row["child_ref"]),
               "--review": "latest", "--out": str(tmp_path / "x.docx")}
    options.update(change)
    code, out, err = cli(closed_reviews_vault, "export",
                         *[part for pair in options.items() for part in pair])
    assert code != 0
    assert message in err and out == ""
    assert not (tmp_path / "x.docx").exists()


def test_export_variant_choices_are_full_and_decisions(closed_reviews_vault: Path,
                                                       tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["--vault", str(closed_reviews_vault), "export", "--council", "X", "--child", "Y",
             "--variant", "memo", "--out", str(tmp_path / "x.docx")],
            out=io.StringIO(), err=io.StringIO())
    assert exc.value.code == 2
