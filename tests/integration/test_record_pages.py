"""The record and the letter as a reader sees them: every variant of a rich review, a
2-year-old's review and an amended review converted to PDF with LibreOffice (where
installed) and checked page by page.

With ``IRO_DESKTOP_RECORD_PAGES=DIR`` the pages are also rendered as PNG at 60 dpi
(``pdftoppm``) into DIR: that is how the images in docs/word-export.md are made
(``DIR=docs/screenshots/records``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from iro_desktop.export.variants import variant_choices
from iro_desktop.services.export import ExportService
from tests import record_seed as rs

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None
                                or shutil.which("pdftotext") is None,
                                reason="LibreOffice (soffice) or pdftotext not on PATH")
OUT = os.environ.get("IRO_DESKTOP_RECORD_PAGES", "")
REVIEWS = {"rich": rs.rich_review, "under4": rs.under_four_review,
           "amended": rs.amended_review}


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_every_variant_reads_right_on_paper(demo_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault = demo_vault  # the demo caseload, no reviews
    service = ExportService(vault, chair=rs.CHAIR)
    sources: list[Path] = []
    for name, seed in REVIEWS.items():
        seeded = seed(vault)
        for variant in variant_choices():
            path = tmp_path / f"{name}-{variant.replace(':', '-')}.docx"
            path.write_bytes(service.export_review(seeded.council_id, seeded.review_id,
                                                   variant))
            sources.append(path)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, sources)],
                   check=True, capture_output=True, timeout=600)
    for source in sources:
        pdf = source.with_suffix(".pdf")
        pages = _pages(pdf)
        record = "letter" not in source.name
        for number, page in enumerate(pages, start=1):
            assert "OFFICIAL-SENSITIVE" in page, (source.name, number)
            if record:  # every page of a record names the child
                assert re.search(r"\(\S+\), review \d+", page), (source.name, number)
            assert "DRAFT" not in page  # all three are finalised
            # no heading alone at the foot of a page: the last line is the footer's
            body = [line.strip() for line in page.splitlines() if line.strip()]
            assert body[-1].startswith("Page "), (source.name, number)
        if "letter" in source.name:
            assert len(pages) == 1, source.name  # a letter fits on one page
        if OUT:
            out = Path(OUT)
            out.mkdir(parents=True, exist_ok=True)
            subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf),
                            str(out / source.stem)], check=True, timeout=120)
