"""Build the scale vault: ten years of records for 450 children (not part of the app).

450 children in the three benchmark councils, each with 20 reviews held about six months
apart (the newest finalised), and one in ten with a 21st review in progress: 9,045
reviews. Each review has 1,200-3,200 words over the child's views, preparation and nine
agenda items, four decisions (updated at the next review), and each child six people in
their network and ten monitoring entries. Rows are written straight into the council
databases in a few large transactions (building them call by call through the services
would take hours and is not what is measured); the triggers of the search index fire as
they do for the app's own writes, so a fresh scale vault has its whole index to build.

The vault is made with production KDF parameters (``calibrate()``), so unlocking it is
timed as the app would do it. Build it once and reuse it; the benchmarks copy it before
changing anything::

    .venv/bin/python benchmarks/scale_vault.py /tmp/iro-scale [--children 450]
        [--reviews-per-child 20] [--fast-kdf]

Prints a JSON line: the time taken, reviews, words and the databases' size.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench_common as common  # noqa: E402
from bench_search import AGENDA_TITLES, EXTRA, RARE, VOCABULARY  # noqa: E402

PASSPHRASE = common.PASSPHRASE
FIELDS = ("voice.views", "voice.wants", "voice.how_gathered", "prep.spoke_alone",
          *(f"agenda:{k}" for k in AGENDA_TITLES), "agenda:identity", "agenda:safety",
          "agenda:leisure", "agenda:rights")
TITLES = {**AGENDA_TITLES, "identity": "Identity, culture, faith, language",
          "safety": "Safety", "leisure": "Leisure", "rights": "Rights and advocacy"}
DECISIONS_PER_REVIEW = 4
PEOPLE_PER_CHILD = 6
MONITORING_PER_CHILD = 10


def sentences(rng: random.Random, count: int, names: list[str]) -> list[str]:
    """A pool of sentences with the benchmark vocabulary's frequencies (drawing each word
    is the slow part, so reviews are made of sentences drawn from this pool)."""
    pool = []
    for _ in range(count):
        words = []
        for _w in range(rng.randint(8, 20)):
            roll = rng.random()
            if roll < 0.03:
                words.append(rng.choice(names))
            elif roll < 0.08:
                words.append(rng.choice(EXTRA))
            else:
                words.append(VOCABULARY[int(len(VOCABULARY) * rng.random() ** 1.3)])
        pool.append(" ".join(words).capitalize() + ".")
    return pool


def text_of(rng: random.Random, pool: list[str], words: int) -> str:
    out, n = [], 0
    while n < words:
        s = pool[rng.randrange(len(pool))]
        out.append(s)
        n += s.count(" ") + 1
    return " ".join(out)


def build(root: Path, *, children: int, per_child: int, fast_kdf: bool,
          seed: int = 903) -> dict[str, object]:
    from sqlalchemy import insert, select

    from iro_desktop.core.models import Nation
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.services.caseload import CaseloadService
    from iro_desktop.storage.models import (
        AgendaItemRow,
        ChildRow,
        DecisionRow,
        DecisionUpdateRow,
        MonitoringEntryRow,
        PersonRow,
        ReviewRow,
        ReviewTextRow,
    )
    from iro_desktop.storage.vault import Vault

    started = time.perf_counter()
    rng = random.Random(seed)
    vault, _key = Vault.create(root, PASSPHRASE, kdf=fast_test_params() if fast_kdf else None,
                               secret_store=MemorySecretStore(available=False))
    caseload = CaseloadService(vault)
    today = caseload.today()
    caseload.import_caseload(common.caseload_csv(children, today, seed),
                             nations={c: Nation(n) for c, _name, n, _p in common.COUNCILS})
    names = list(common.FIRST_NAMES + common.LAST_NAMES)
    pool = sentences(rng, 4000, names)
    now = datetime.now()
    made = words_total = 0
    rare_left = 3
    for council in vault.councils():
        with vault.session(council.id) as s:
            kids = list(s.scalars(select(ChildRow.id).order_by(ChildRow.id)))
            people = [{"child_id": k, "name": f"{rng.choice(names)} {rng.choice(names)}",
                       "role": role, "organisation": org, "address": "", "active": True}
                      for k in kids for role, org in (
                          ("Social worker", "Children's services"), ("Carer", "Fostering"),
                          ("Mother", ""), ("Designated teacher", "School"),
                          ("Health visitor", "NHS"), ("Advocate", "Advocacy service"))
                      ][:len(kids) * PEOPLE_PER_CHILD]
            s.execute(insert(PersonRow), people)
            monitoring = [{"child_id": k, "kind": "contact",
                           "entry_date": today - timedelta(days=30 * i + rng.randint(0, 20)),
                           "with_whom": "Social worker", "checked": text_of(rng, pool, 40),
                           "next_step": text_of(rng, pool, 15), "change_type": "",
                           "bring_forward_to": None, "created_at": now, "updated_at": now}
                          for k in kids for i in range(MONITORING_PER_CHILD)]
            s.execute(insert(MonitoringEntryRow), monitoring)
            first = (s.scalar(select(ReviewRow.id).order_by(ReviewRow.id.desc())) or 0) + 1
            reviews, texts, agenda, decisions = [], [], [], []
            rid = first
            for index, child in enumerate(kids):
                count = per_child + (1 if index % 10 == 0 else 0)
                for number in range(1, count + 1):
                    still_open = number > per_child
                    held = today - timedelta(days=182 * (per_child - number) + 40
                                             + rng.randint(0, 20))
                    reviews.append({
                        "id": rid, "child_id": child, "number": number,
                        "status": "recording" if still_open else "finalised",
                        "planned_date": held, "held_date": None if still_open else held,
                        "venue": "Carer's home", "participation_code": "PN1",
                        "advocate_offered": False, "advocate_used": False,
                        "child_chaired": "no", "next_review_date": held + timedelta(days=182),
                        "finalised_at": None if still_open else now,
                        "created_at": now, "updated_at": now})
                    budget = rng.randint(1200, 3200)
                    words_total += budget
                    cuts = sorted(rng.sample(range(1, budget), len(FIELDS) - 1))
                    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, budget])]
                    for key, size in zip(FIELDS, sizes):
                        value = text_of(rng, pool, max(size, 3))
                        if rare_left and key == "voice.views" and rng.random() < 0.001:
                            rare_left -= 1
                            value += f" I want a kitten called {RARE}."
                        edited = datetime.combine(held, datetime.min.time()) + timedelta(
                            days=rng.randint(0, 10), seconds=rng.randint(0, 86_399))
                        texts.append({"review_id": rid, "key": key, "value": value,
                                      "updated_at": edited})
                    for position, (key, title) in enumerate(TITLES.items()):
                        agenda.append({"review_id": rid, "key": key, "title": title,
                                       "guidance": "", "position": position,
                                       "state": "done", "ad_hoc": False})
                    recent = number >= per_child - 1
                    for d in range(DECISIONS_PER_REVIEW):
                        decisions.append({
                            "review_id": rid, "child_id": child,
                            "text": text_of(rng, pool, 12),
                            "responsible_text": "Social worker",
                            "due_date": held + timedelta(weeks=4 + 2 * d),
                            "agenda_key": "",
                            "status": ("open" if recent and d % 2 == 0 else
                                       "not_done" if recent else "done"),
                            "created_at": now})
                    rid += 1
                    made += 1
            s.execute(insert(ReviewRow), reviews)
            for i in range(0, len(texts), 5000):
                s.execute(insert(ReviewTextRow), texts[i:i + 5000])
            s.execute(insert(AgendaItemRow), agenda)
            s.execute(insert(DecisionRow), decisions)
            first_decision = s.scalar(select(DecisionRow.id).order_by(DecisionRow.id)) or 1
            by_child_number = {(r["child_id"], r["number"]): r["id"] for r in reviews}
            numbers = {r["id"]: (r["child_id"], r["number"]) for r in reviews}
            updates = []
            for offset, d in enumerate(decisions):
                child, number = numbers[d["review_id"]]
                later = by_child_number.get((child, number + 1))
                if later is not None and offset % 2 == 0:
                    updates.append({"decision_id": first_decision + offset, "review_id": later,
                                    "status": "done" if d["status"] == "done" else "not_done",
                                    "comment": text_of(rng, pool, 20), "at": now})
            s.execute(insert(DecisionUpdateRow), updates)
    kdf = vault._keystore.kdf  # noqa: SLF001 - reported with the figures
    size = sum(p.stat().st_size for c in vault.councils()
               for p in vault.database_path(c.id).parent.glob(f"{c.id}.db*"))
    councils = len(vault.councils())
    vault.close()
    return {"seconds": round(time.perf_counter() - started, 1), "councils": councils,
            "children": children, "reviews": made, "words": words_total,
            "bytes": size, "kdf_iterations": kdf.iterations, "date": date.today().isoformat()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="new folder for the vault")
    parser.add_argument("--children", type=int, default=450)
    parser.add_argument("--reviews-per-child", type=int, default=20)
    parser.add_argument("--fast-kdf", action="store_true",
                        help="test KDF parameters (not for timing the unlock)")
    args = parser.parse_args(argv)
    if args.root.exists() and any(args.root.iterdir()):
        parser.error(f"{args.root} is not empty")
    import os
    import tempfile

    os.environ.setdefault("IRO_DESKTOP_DATA_DIR", tempfile.mkdtemp(prefix="iro-scale-data-"))
    result = build(args.root, children=args.children, per_child=args.reviews_per_child,
                   fast_kdf=args.fast_kdf)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
