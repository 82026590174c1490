"""Word export benchmark for iro-desktop: a large review against bare python-docx.

A vault (fast KDF parameters, not measured) holds one child with a large review: 20 agenda
items, 40 decisions, 8 people at the meeting and 10,000 words of typed text (the child's
views and every agenda item, in paragraphs and bullets). Then, interleaved in one process:

* ``export``: ``ExportService.export_review`` for each variant the app has (full,
  decisions, letter, redacted:parents): reading the record from the encrypted database,
  building the document from the council's template and saving it to bytes in memory;
* ``bare``: the same document written with plain python-docx calls (``Document()`` on
  the app's built-in template, ``add_paragraph(style=...)``, ``add_run``, ``bold``,
  ``italic``, ``font``, ``paragraph_format.keep_with_next``, ``add_table``, column and
  cell widths, the usual ``tcPr``/``trPr`` recipes for shading, rows that do not break
  and repeated header rows, every header's and footer's lines as text, ``save`` to
  bytes): the floor any python-docx export of that document pays. What it writes is read, before the
  timing, from the app's own full record (:func:`document_plan`: every paragraph, run
  and table cell, with its style and formatting), and the benchmark stops (exit 2)
  unless both documents have the same text block by block and the same number of each
  body element it counts (paragraphs, runs, tables, rows, cells, bold, italic,
  keep-with-next, shading, ...). The export's own database read is inside its time and
  not in the bare one, so the ratio is strict. Each figure is printed with the CPU time
  of the thread (the machine may be shared).

With ``--vault DIR`` (a vault made by ``scale_vault.py``, copied first) the review is
instead the twentieth (finalised) review of a child in the scale vault: its
record carries every earlier decision still open, as a ten-year record does.

Budgets: the full record exports in under 0.5 s (median) and at or under 1.0x the bare
write (ratio of medians; issue 4 set 1.5x, issue 15 1.0x at full size).

    /work/venv/bin/python benchmarks/bench_export.py [--runs 15] [--vault DIR]
        [--json results.json]

Exit code 0 if every budget passes, 1 if one fails, 2 if the benchmark itself failed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
import traceback
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench_common as common  # noqa: E402

TIME_BUDGET_S = 0.5
RATIO_BUDGET = 1.0
ITEMS, DECISIONS, PEOPLE, WORDS_TOTAL = 20, 40, 8, 10_000
VOCABULARY = ("placement", "stable", "contact", "school", "health", "review", "carer", "plan",
              "brother", "football", "weekend", "progress", "support", "social", "worker",
              "agreed", "the", "and", "with", "to", "of", "a", "is", "was", "for", "her", "his")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(VOCABULARY) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def field_text(rng: random.Random, words: int) -> str:
    """About ``words`` words as paragraphs of 3-5 sentences and a few bullet lines."""
    parts: list[str] = []
    left = words
    while left > 0:
        if rng.random() < 0.2:
            bullets = [f"- {sentence(rng, 8)}" for _ in range(3)]
            parts.append("\n".join(bullets))
            left -= 24
        else:
            count = rng.randint(3, 5)
            parts.append(" ".join(sentence(rng, 14) for _ in range(count)))
            left -= 14 * count
    return "\n\n".join(parts)


def build_vault(root: Path):  # type: ignore[no-untyped-def]
    from iro_desktop.core.models import Nation
    from iro_desktop.core.reviews import AttendanceStatus, ReviewStatus
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.services.caseload import CaseloadService
    from iro_desktop.services.reviews import ReviewService
    from iro_desktop.storage.vault import Vault

    vault, _recovery = Vault.create(root / "vault", common.PASSPHRASE, kdf=fast_test_params(),
                                    secret_store=MemorySecretStore(available=False))
    csv_text = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
                "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
                "last_review_date,reviews_held,social_worker,notes\n"
                "NBK,Northbrook City Council,NB100001,Rosie,Llewellyn,Ro,08/12/2014,F,C2,U1,"
                "26/08/2023,11/07/2026,5,Jo Fielding,\n")
    CaseloadService(vault).import_caseload(csv_text.encode(), nations={"NBK": Nation.ENGLAND})
    council = vault.council_by_code("NBK")
    assert council is not None
    service = ReviewService(vault)
    child = CaseloadService(vault).entries(council.id)[0].child
    people = [service.add_person(council.id, child.id, f"Person {i}",
                                 ("Carer", "Parent", "Social worker", "Teacher")[i % 4])
              for i in range(PEOPLE)]
    held = date.today() - timedelta(days=3)
    rid = service.plan_review(council.id, child.id, held, "Carer's home")
    service.set_status(council.id, rid, ReviewStatus.HELD)
    for person in people:
        service.set_attendance(council.id, rid, person.id, AttendanceStatus.ATTENDED)
    record = service.record(council.id, rid)
    for n in range(len(record.agenda), ITEMS):
        service.add_item(council.id, rid, f"Additional item {n + 1}")
    record = service.record(council.id, rid)
    keys = [item.text_key for item in record.agenda] + ["voice.views", "voice.wants"]
    rng = random.Random(1)
    per_field = WORDS_TOTAL // len(keys)
    service.save_texts(council.id, {(rid, key): field_text(rng, per_field) for key in keys})
    for n in range(DECISIONS):
        service.add_decision(council.id, rid, sentence(rng, 12), person_id=people[n % PEOPLE].id,
                             due_date=held + timedelta(days=14 + n))
    service.update_review(council.id, rid, participation_code="PN1")
    return vault, council.id, rid


def open_scale_vault(source: Path, root: Path):  # type: ignore[no-untyped-def]
    """A copy of a scale vault, unlocked: (vault, council id, review id) of the newest
    finalised review (the twentieth) of the first child with a review in progress after it
    (the letter is made for a held review only)."""
    import shutil

    from sqlalchemy import func, select

    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.storage.models import ReviewRow
    from iro_desktop.storage.vault import Vault

    shutil.copytree(source, root / "scale")
    vault = Vault(root / "scale", secret_store=MemorySecretStore(available=False)).open()
    vault.unlock(common.PASSPHRASE)
    council_id = vault.councils()[0].id
    with vault.session(council_id) as s:
        child_id, _number = s.execute(
            select(ReviewRow.child_id, func.max(ReviewRow.number))
            .group_by(ReviewRow.child_id).having(func.max(ReviewRow.number) >= 21)
            .order_by(ReviewRow.child_id).limit(1)).one()
        rid = s.scalar(select(ReviewRow.id).where(ReviewRow.child_id == child_id,
                                                  ReviewRow.status == "finalised")
                       .order_by(ReviewRow.number.desc()).limit(1))
    return vault, council_id, rid


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def document_plan(data: bytes) -> dict:  # type: ignore[type-arg]
    """What the app's document holds, block by block, for the bare floor to write again:
    each body paragraph (style, keep-with-next, space before, alignment and its runs with
    their text, bold, italic, size and colour) and each table (style, column widths, and
    per row whether it may break and repeats as a header, per cell its width, shading and
    paragraphs), and the header and footer lines. Read once, outside the timing."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = Document(io.BytesIO(data))

    def runs(paragraph: Paragraph) -> list[tuple]:  # type: ignore[type-arg]
        return [(r.text, bool(r.bold), bool(r.italic), r.font.size,
                 r.font.color.rgb if r.font.color.type is not None else None)
                for r in paragraph.runs]

    def para(paragraph: Paragraph) -> dict:  # type: ignore[type-arg]
        pf = paragraph.paragraph_format
        return {"style": paragraph.style.name if paragraph._p.pPr is not None
                and paragraph._p.pPr.pStyle is not None else None,
                "keep": bool(pf.keep_with_next), "before": pf.space_before,
                "after": pf.space_after, "align": paragraph.alignment,
                "runs": runs(paragraph)}

    blocks: list[tuple] = []  # type: ignore[type-arg]
    for item in doc.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(("p", para(item)))
            continue
        assert isinstance(item, Table)
        rows = []
        for tr in item._tbl.tr_lst:
            tr_pr = tr.trPr
            rows.append({
                "cant_split": tr_pr is not None and tr_pr.find(W + "cantSplit") is not None,
                "header": tr_pr is not None and tr_pr.find(W + "tblHeader") is not None,
                "cells": [{"width": tc.width,
                           "fill": (tc.tcPr.find(W + "shd").get(W + "fill")
                                    if tc.tcPr is not None and tc.tcPr.find(W + "shd") is not None
                                    else None),
                           "paragraphs": [para(Paragraph(p, item)) for p in tc.p_lst]}
                          for tc in tr.tc_lst]})
        blocks.append(("t", {"style": item.style.name if item.style else None,
                             "widths": [c.w for c in item._tbl.tblGrid.gridCol_lst],
                             "rows": rows}))
    section = doc.sections[0]
    from iro_desktop.export.template import default_template_bytes

    stories = {"header": section.header, "footer": section.footer,
               "first_page_header": section.first_page_header,
               "first_page_footer": section.first_page_footer}
    return {"blocks": blocks, "template": default_template_bytes(),
            "stories": {name: [p.text for p in story.paragraphs if p.text]
                        for name, story in stories.items() if not story.is_linked_to_previous}}


def bare_write(plan: dict) -> bytes:  # type: ignore[type-arg]
    """The app's document written again with plain python-docx calls: ``Document()`` on
    the app's built-in template (its bytes read once; the same styles as the app's
    document, and a smaller styles part than python-docx's own default, whose by-name
    style look-ups would make the floor slower),
    ``add_paragraph(style=...)``, ``add_run`` with ``bold``/``italic``/``font``,
    ``paragraph_format``, ``add_table`` with ``style``, column and cell widths, the usual
    ``tcPr``/``trPr`` recipes for shading, rows that do not break and repeated header rows,
    each header's and footer's lines (as text: python-docx has no page-number field) and
    the document properties; ``save`` to bytes."""
    from docx import Document
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls

    def fill(paragraph, spec: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
        for text, bold, italic, size, colour in spec["runs"]:
            run = paragraph.add_run(text)
            if bold:
                run.bold = True
            if italic:
                run.italic = True
            if size is not None:
                run.font.size = size
            if colour is not None:
                run.font.color.rgb = colour
        pf = paragraph.paragraph_format
        if spec["keep"]:
            pf.keep_with_next = True
        if spec["before"] is not None:
            pf.space_before = spec["before"]
        if spec["after"] is not None:
            pf.space_after = spec["after"]
        if spec["align"] is not None:
            paragraph.alignment = spec["align"]

    doc = Document(io.BytesIO(plan["template"]))
    section = doc.sections[0]
    for name, lines in plan["stories"].items():  # each header and footer's lines, as text
        story = getattr(section, name)
        paragraphs = story.paragraphs
        for n, line in enumerate(lines):
            paragraph = paragraphs[n] if n < len(paragraphs) else story.add_paragraph()
            paragraph.text = line
        for paragraph in paragraphs[len(lines):]:  # the template's placeholders
            paragraph.text = ""
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = "Review record", "iro-desktop", "iro-desktop"
    for kind, block in plan["blocks"]:
        if kind == "p":
            fill(doc.add_paragraph(style=block["style"]), block)
            continue
        table = doc.add_table(rows=len(block["rows"]), cols=len(block["widths"]))
        table.style = block["style"]
        for column, width in zip(table.columns, block["widths"]):
            column.width = width
        for row, spec in zip(table.rows, block["rows"]):
            if spec["cant_split"]:
                row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            if spec["header"]:
                row._tr.get_or_add_trPr().append(parse_xml(
                    f'<w:tblHeader {nsdecls("w")} w:val="true"/>'))
            for cell, cell_spec in zip(row.cells, spec["cells"]):
                cell.width = cell_spec["width"]
                if cell_spec["fill"]:
                    cell._tc.get_or_add_tcPr().append(parse_xml(
                        f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" '
                        f'w:fill="{cell_spec["fill"]}"/>'))
                for n, paragraph_spec in enumerate(cell_spec["paragraphs"]):
                    fill(cell.paragraphs[0] if n == 0 else cell.add_paragraph(), paragraph_spec)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


_COUNTED = ("p", "r", "t", "br", "tab", "tbl", "tr", "tc", "b", "i", "color", "sz", "keepNext",
            "shd", "cantSplit", "tblHeader", "pStyle", "tblStyle")


def outline(data: bytes) -> tuple[list[object], dict[str, int]]:
    """The body's text block by block (a paragraph's text and style; a table's cell texts)
    and how many of each element of :data:`_COUNTED` it has: the same for the app's
    document and the bare floor, or the floor is not the same document."""
    from docx import Document
    from docx.table import Table

    doc = Document(io.BytesIO(data))
    blocks: list[object] = []
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            blocks.append([[cell.text for cell in row.cells] for row in item.rows])
        else:
            blocks.append((item.style.name if item._p.pPr is not None
                           and item._p.pPr.pStyle is not None else None, item.text))
    body = doc.element.body
    counts = {tag: sum(1 for _ in body.iter(W + tag)) for tag in _COUNTED}
    return blocks, counts


def available_variants() -> list[str]:
    try:
        from iro_desktop.export import parse_variant  # noqa: F401
    except ImportError:
        return ["full", "decisions"]
    return ["full", "decisions", "letter", "redacted:parents"]


def run(runs: int, json_path: Path | None, scale: Path | None = None) -> int:
    from iro_desktop.services.export import ExportService
    from iro_desktop.services.reviews import ReviewService

    with common.workspace("iro-bench-export-") as root:
        vault, council_id, rid = (open_scale_vault(scale, root) if scale is not None
                                  else build_vault(root))
        exports = ExportService(vault, chair="A. Chair")
        record = ReviewService(vault).record(council_id, rid)
        words = sum(len(t.split()) for t in record.texts.values())
        variants = available_variants()
        app_full = exports.export_review(council_id, rid, "full")
        plan = document_plan(app_full)
        app_outline, floor_outline = outline(app_full), outline(bare_write(plan))
        if app_outline != floor_outline:
            raise AssertionError("the bare floor is not the app's document: "
                                 f"app {app_outline[1]}, floor {floor_outline[1]}")
        samples: dict[str, list[float]] = {v: [] for v in variants}
        samples["bare"] = []
        cpu: dict[str, list[float]] = {v: [] for v in samples}  # this thread's CPU time
        sizes: dict[str, int] = {}
        for v in variants + ["bare"]:  # warm-up: imports, template parse, caches
            sizes[v] = len(bare_write(plan) if v == "bare"
                           else exports.export_review(council_id, rid, v))
        for _ in range(runs):
            for v in ["bare"] + variants:
                start, start_cpu = time.perf_counter(), time.thread_time()
                if v == "bare":
                    bare_write(plan)  # the document's content already in memory
                else:
                    exports.export_review(council_id, rid, v)
                samples[v].append(time.perf_counter() - start)
                cpu[v].append(time.thread_time() - start_cpu)
        vault.close()

    counts = app_outline[1]
    print("Same document, app and bare floor: " + ", ".join(
        f"{counts[tag]} {tag}" for tag in _COUNTED) + " (w: elements of the body)")
    print(f"Review: {len(record.agenda)} agenda items, {len(record.decisions)} decisions, "
          f"{len(record.earlier_decisions)} earlier decisions, "
          f"{len(record.attendance)} attending, {words:,} words typed"
          + (f" (review {record.number} in the scale vault)" if scale is not None else ""))
    stats = {name: common.summarise(values) for name, values in samples.items()}
    common.print_table("Export to .docx bytes (seconds per document)",
                       [(name, stats[name]) for name in ["bare"] + variants])
    for name in ["bare"] + variants:
        print(f"  {name}: {sizes[name] / 1024:.0f} KiB, CPU time median "
              f"{common.summarise(cpu[name])['median'] * 1000:.1f} ms")
    cpu_ratio = (common.summarise(cpu["full"])["median"]
                 / common.summarise(cpu["bare"])["median"])
    print(f"  CPU time ratio (full / bare, medians): {cpu_ratio:.2f}x")
    full = stats["full"]["median"]
    ratio = full / stats["bare"]["median"]
    verdicts = [
        (full < TIME_BUDGET_S, f"full record export < {TIME_BUDGET_S * 1000:.0f} ms",
         f"median {full * 1000:.0f} ms"),
        (ratio <= RATIO_BUDGET, f"full record export <= {RATIO_BUDGET}x bare python-docx",
         f"{ratio:.2f}x (bare median {stats['bare']['median'] * 1000:.0f} ms)"),
    ]
    for ok, budget, detail in verdicts:
        print(common.verdict_line(ok, budget, detail))
    if json_path:
        json_path.write_text(json.dumps({"samples": samples, "cpu": cpu, "stats": stats,
                                         "sizes": sizes, "words": words,
                                         "verdicts": [list(v) for v in verdicts]}, indent=1))
    return 0 if all(ok for ok, _b, _d in verdicts) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--vault", type=Path, help="a vault made by scale_vault.py (copied)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    common.print_machine(common.machine_info())
    try:
        return run(max(5, args.runs), args.json, args.vault)
    except Exception:  # the benchmark itself failed
        traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(main())
