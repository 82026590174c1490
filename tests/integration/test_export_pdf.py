"""Every variant of an exported record converts to PDF with LibreOffice (where installed):
the built-in template, a council's template with a logo, and hostile text."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from tests.unit.test_export_template import council_template, png
from iro_desktop.export.minutes import build_record
from iro_desktop.export.variants import variant_choices
from iro_desktop.services.export import ExportService
from iro_desktop.services.reviews import ReviewService

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None,
                                reason="LibreOffice (soffice) not on PATH")


def _finalised(vault):  # type: ignore[no-untyped-def]
    service = ExportService(vault)
    row = next(r for r in service.reviews_overview() if r["status"] == "finalised")
    council = vault.council_by_code(row["council_code"])
    child_id = service.child_id(council, row["child_ref"])
    reviews = ReviewService(vault)
    record = reviews.record(council.id, service.review_id(council, child_id, row["child_ref"]))
    return council, record, reviews.network(council.id, child_id)


def _convert(sources: list[Path], outdir: Path) -> None:
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{outdir}/lo",
                    "--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=300)


def _pdf_text(pdf: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def test_every_variant_converts_to_pdf(demo_vault_with_reviews, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _finalised(demo_vault_with_reviews)
    carer = next(p for p in network if p.role == "Carer")
    network = [replace(p, address="7 Quiet Close, Eastmere") if p.id == carer.id else p
               for p in network]
    record = replace(record, placement_confidential=True,
                     placement_address="7 Quiet Close, Eastmere",
                     marks={"voice.views": {"letter"}, "agenda:health": {"letter"}})
    sources = []
    for variant in variant_choices():
        for name, template in (("default", None), ("council", council_template())):
            source = tmp_path / f"{variant.replace(':', '-')}-{name}.docx"
            source.write_bytes(build_record(record, council, variant=variant, chair="Alex Chair",
                                            network=network, template=template, logo=png(240, 80)))
            sources.append(source)
    _convert(sources, tmp_path)
    for source in sources:
        pdf = source.with_suffix(".pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), source.name
        text = _pdf_text(pdf)
        if text is None:
            continue
        squeezed = "".join(text.split())  # a long header may wrap at the hyphen
        assert squeezed.count("OFFICIAL-SENSITIVE") >= 2, source.name  # header and footer
        assert "Page 1 of" in text, source.name
        if "redacted-parents" in source.name:
            assert "Quiet Close" not in text
        elif source.name.startswith("full-"):  # a table cell may wrap the words
            assert "QuietClose" in squeezed and "onlyinthecouncil'srecord" in squeezed


def test_hostile_text_converts_to_pdf(demo_vault_with_reviews, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    council, record, network = _finalised(demo_vault_with_reviews)
    strings = [s for s in json.loads((SHARED_DATA / "hostile-text.json").read_text("utf-8"))
               if len(s) < 5_000]
    text = "\n\n".join(strings)
    keys = ["voice.views", "voice.wants", "agenda:health", "agenda:summary"]
    record = replace(record, texts={**record.texts, **{k: text for k in keys}},
                     marks={k: {"letter"} for k in keys},
                     decisions=[replace(d, text=s) for d, s in zip(record.decisions, strings[3:])])
    sources = []
    for variant in ("full", "letter", "redacted:parents"):
        source = tmp_path / f"hostile-{variant.replace(':', '-')}.docx"
        source.write_bytes(build_record(replace(record), replace(council, name=strings[5]),
                                        variant=variant, chair=strings[3], network=network))
        sources.append(source)
    _convert(sources, tmp_path)
    for source in sources:
        pdf = source.with_suffix(".pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), source.name
        shown = _pdf_text(pdf)
        if shown is not None:
            assert "\u2370" in shown or "?" in shown  # the visible mark (font permitting)
            assert "O'Brien-Smith" in shown or "O\u2019Brien-Smith" in shown
