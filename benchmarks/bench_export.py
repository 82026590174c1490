"""Word export benchmark for iro-desktop: a large review against bare python-docx.

A vault (fast KDF parameters, not measured) holds one child with a large review: 20 agenda
items, 40 decisions, 8 people at the meeting and 10,000 words of typed text (the child's
views and every agenda item, in paragraphs and bullets). Then, interleaved in one process:

* ``export``: ``ExportService.export_review`` for each variant the app has (full,
  decisions, letter, redacted:parents): reading the record from the encrypted database,
  building the document from the council's template and saving it to bytes in memory;
* ``bare``: the same paragraphs, headings and tables written with bare python-docx
  (``Document()``, ``add_heading``, ``add_paragraph``, ``add_table``, ``save`` to bytes)
  from the record already in memory: the floor any python-docx export pays. The export's
  own database read is inside its time and not in the bare one, so the ratio is strict.

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


def bare_write(record) -> bytes:  # type: ignore[no-untyped-def]
    """The same headings, paragraphs, bullets and tables with bare python-docx."""
    from docx import Document

    from iro_desktop.export.sanitize import paragraphs

    doc = Document()
    doc.add_heading("Record of the looked after child review", level=0)
    table = doc.add_table(rows=len(record.attendance) + 1, cols=3)
    for row, a in zip(table.rows[1:], record.attendance):
        row.cells[0].text, row.cells[1].text, row.cells[2].text = (a.person.name, a.person.role,
                                                                   a.status.label)
    for key in ("voice.views", "voice.wants"):
        doc.add_heading(key, level=2)
        for kind, text in paragraphs(record.texts.get(key, "")):
            doc.add_paragraph(text, style="List Bullet" if kind == "bullet" else None)
    for item in record.agenda:
        doc.add_heading(item.title, level=2)
        for kind, text in paragraphs(record.texts.get(item.text_key, "")):
            doc.add_paragraph(text, style="List Bullet" if kind == "bullet" else None)
    if record.earlier_decisions:  # as the record has them: how each earlier one stands
        table = doc.add_table(rows=len(record.earlier_decisions) + 1, cols=4)
        for row, d in zip(table.rows[1:], record.earlier_decisions):
            row.cells[0].text, row.cells[1].text = d.text, d.responsible
            row.cells[2].text = d.update_status.label if d.update_status else d.status.label
            row.cells[3].text = d.update_comment
    table = doc.add_table(rows=len(record.decisions) + 1, cols=3)
    for row, d in zip(table.rows[1:], record.decisions):
        row.cells[0].text, row.cells[1].text = d.text, d.responsible
        row.cells[2].text = f"{d.due_date:%d/%m/%Y}" if d.due_date else ""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


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
        samples: dict[str, list[float]] = {v: [] for v in variants}
        samples["bare"] = []
        sizes: dict[str, int] = {}
        for v in variants + ["bare"]:  # warm-up: imports, template parse, caches
            sizes[v] = len(bare_write(record) if v == "bare"
                           else exports.export_review(council_id, rid, v))
        for _ in range(runs):
            for v in ["bare"] + variants:
                start = time.perf_counter()
                if v == "bare":
                    bare_write(record)  # the record already in memory: the write alone
                else:
                    exports.export_review(council_id, rid, v)
                samples[v].append(time.perf_counter() - start)
        vault.close()

    print(f"Review: {len(record.agenda)} agenda items, {len(record.decisions)} decisions, "
          f"{len(record.earlier_decisions)} earlier decisions, "
          f"{len(record.attendance)} attending, {words:,} words typed"
          + (f" (review {record.number} in the scale vault)" if scale is not None else ""))
    stats = {name: common.summarise(values) for name, values in samples.items()}
    common.print_table("Export to .docx bytes (seconds per document)",
                       [(name, stats[name]) for name in ["bare"] + variants])
    for name in ["bare"] + variants:
        print(f"  {name}: {sizes[name] / 1024:.0f} KiB")
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
        json_path.write_text(json.dumps({"samples": samples, "stats": stats,
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
