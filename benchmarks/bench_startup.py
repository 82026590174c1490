"""Cold-start benchmark: iro-desktop's locked window against a bare PySide6 window.

Both are fresh processes with the same environment (``QT_QPA_PLATFORM=offscreen``,
``IRO_DESKTOP_BENCH_EXIT_ON_SHOW=1``, ``IRO_DESKTOP_DATA_DIR`` in a temporary folder),
timed from spawn to exit and run interleaved (bare, app, bare, app, ...):

bare  ``python bare_window.py``: QApplication, a QMainWindow shown, quit after one
      turn of the event loop;
app   ``python -m iro_desktop --vault DIR`` on an existing vault (3 councils, 150
      children, built beforehand with ``Vault.create`` and a caseload import), which
      shows the locked window and, with ``IRO_DESKTOP_BENCH_EXIT_ON_SHOW=1``, quits
      after one turn of the event loop.

Budget: median(app) <= 1.5 x median(bare). Exit code 0 on PASS, 1 on FAIL.

By default both processes share a private bytecode cache in the temporary folder
(``PYTHONPYCACHEPREFIX``; ``PYTHONDONTWRITEBYTECODE`` removed), filled by the
untimed warm-up runs, as an installed app has compiled bytecode; nothing is written
beside the sources. ``--no-pycache`` keeps the inherited environment instead.
``--profile`` adds one ``python -X importtime`` run of each and lists what the app
imports on its start path beyond the bare window.

    /work/venv/bin/python benchmarks/bench_startup.py [--runs 15] [--profile] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench_common as common  # noqa: E402

BUDGET_RATIO = 1.5
# Modules the locked window should not need (app.py says they load after first show).
HEAVY = ("sqlalchemy", "sqlcipher3", "alembic", "holidays", "zxcvbn", "keyring", "docx")

BARE_WINDOW = '''\
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.show()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
'''


def parse_importtime(stderr: str) -> list[tuple[int, int, int, str]]:
    """(self_us, cumulative_us, depth, module) rows of ``-X importtime`` output."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = line.split(":", 1)[1].split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((int(self_us), int(cumulative), depth, name.strip()))
    return rows


def import_profile(cmd_bare: list[str], cmd_app: list[str], env: dict[str, str],
                   cwd: Path, timeout: float) -> dict[str, object]:
    bare = parse_importtime(common.run_child(
        [cmd_bare[0], "-X", "importtime", *cmd_bare[1:]], env=env, cwd=cwd,
        timeout=timeout).stderr)
    app = parse_importtime(common.run_child(
        [cmd_app[0], "-X", "importtime", *cmd_app[1:]], env=env, cwd=cwd,
        timeout=timeout).stderr)
    bare_names = {r[3] for r in bare}
    extra = [r for r in app if r[3] not in bare_names]
    by_package: dict[str, int] = {}
    for self_us, _cum, _depth, name in extra:
        top = name.split(".")[0]
        by_package[top] = by_package.get(top, 0) + self_us
    heavy = sorted({name.split(".")[0] for _s, _c, _d, name in app} & set(HEAVY))
    return {
        "bare_total_ms": sum(r[0] for r in bare) / 1000,
        "app_total_ms": sum(r[0] for r in app) / 1000,
        "app_modules": len(app),
        "bare_modules": len(bare),
        "extra_by_package_ms": sorted(((k, v / 1000) for k, v in by_package.items()),
                                      key=lambda kv: -kv[1]),
        "top_cumulative_ms": [(name, cum / 1000) for _s, cum, depth, name in
                              sorted(extra, key=lambda r: -r[1]) if depth <= 2][:20],
        "heavy_on_start_path": heavy,
    }


FLOOR_WINDOW = '''\
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMainWindow

from iro_desktop.ui.views.unlock_view import UnlockView

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(UnlockView("Vault: " + sys.argv[1]))
bar = window.menuBar()
for title, count in (("&File", 3), ("&View", 2), ("&Vault", 4), ("&Help", 2)):
    menu = bar.addMenu(title)
    for i in range(count):
        menu.addAction(QAction(f"Item {i}", window))
window.statusBar().showMessage("Locked")
window.show()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
'''

SUBJECTS = {
    "bare": "bare PySide6 window",
    "app": "iro-desktop locked window",
    "floor": "UI floor (UnlockView+menus)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold start: app vs bare PySide6 window.")
    parser.add_argument("--runs", type=int, default=15,
                        help="timed runs of each, interleaved (default 15, minimum 10)")
    parser.add_argument("--warmup", type=int, default=2,
                        help="untimed runs of each first (default 2)")
    parser.add_argument("--profile", action="store_true",
                        help="also run each once under -X importtime and list the app's extra "
                             "imports")
    parser.add_argument("--floor", action="store_true",
                        help="also time a third process, the app's own UnlockView in a window "
                             "with menus and nothing else (what the locked UI alone costs)")
    parser.add_argument("--no-pycache", action="store_true",
                        help="keep the inherited bytecode settings (e.g. PYTHONDONTWRITEBYTECODE)")
    parser.add_argument("--source", type=Path, metavar="DIR",
                        help="run iro_desktop from this source tree (to try a change first)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per process, seconds")
    common.add_noise_options(parser)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    args = parser.parse_args(argv)
    if args.runs < 10:
        parser.error("--runs must be at least 10")

    info = common.machine_info()
    with common.workspace("iro-bench-startup-") as tmp:
        data = tmp / "data"
        data.mkdir()
        env = common.child_env(data, source=args.source,
                               pycache_prefix=None if args.no_pycache else tmp / "pycache")
        print("building a vault: 3 councils, 150 children ...", flush=True)
        built = common.make_vault(tmp / "vault", children=150, env=env, cwd=tmp)
        env["IRO_DESKTOP_BENCH_EXIT_ON_SHOW"] = "1"
        (tmp / "bare_window.py").write_text(BARE_WINDOW)
        cmds = {"bare": [sys.executable, str(tmp / "bare_window.py")],
                "app": [sys.executable, "-m", "iro_desktop", "--vault", str(tmp / "vault")]}
        if args.floor:
            (tmp / "floor_window.py").write_text(FLOOR_WINDOW)
            cmds["floor"] = [sys.executable, str(tmp / "floor_window.py"), str(tmp / "vault")]

        for _ in range(args.warmup):
            for cmd in cmds.values():
                common.run_child(cmd, env=env, cwd=tmp, timeout=args.timeout)
        wall: dict[str, list[float]] = {k: [] for k in cmds}
        cpu: dict[str, list[float]] = {k: [] for k in cmds}
        others: dict[str, list[float]] = {k: [] for k in cmds}
        loads: list[float] = []
        idles: list[float] = []
        repeats = disturbed = 0
        for i in range(args.runs):
            for name, cmd in cmds.items():  # interleaved: bare, app[, floor], bare, app, ...
                if args.min_idle > 0:
                    idles.append(common.wait_for_idle(args.min_idle, args.max_idle_wait))
                run = common.run_quiet(cmd, env=env, cwd=tmp, timeout=args.timeout,
                                       max_others=args.max_others, retries=args.retries)
                repeats += run.attempts - 1
                disturbed += run.others_cpu > args.max_others * run.seconds
                wall[name].append(run.seconds)
                cpu[name].append(run.cpu_seconds)
                others[name].append(run.others_cpu)
            loads.append(os.getloadavg()[0])
            print(f"  run {i + 1}/{args.runs}: "
                  + ", ".join(f"{k} {wall[k][-1] * 1000:.0f} ms" for k in cmds)
                  + f" (load {loads[-1]:.2f})", flush=True)
        log = data / "logs" / "iro-desktop.log"
        unlocked = log.is_file() and "vault.unlocked" in log.read_text("utf-8")
        profile = (import_profile(cmds["bare"], cmds["app"], env, tmp, args.timeout)
                   if args.profile else None)

    stats = {k: common.summarise(v) for k, v in wall.items()}
    cpu_stats = {k: common.summarise(v) for k, v in cpu.items()}
    ratio = stats["app"]["median"] / stats["bare"]["median"]
    paired = statistics.median(a / b for a, b in zip(wall["app"], wall["bare"], strict=True))
    cpu_ratio = cpu_stats["app"]["median"] / cpu_stats["bare"]["median"]
    ok = ratio <= BUDGET_RATIO and not unlocked

    print()
    common.print_machine(info)
    bytecode = ("inherited environment" if args.no_pycache
                else "private cache (PYTHONPYCACHEPREFIX), warmed")
    print(f"bytecode: {bytecode}; source: {args.source or 'installed iro_desktop'}")
    print()
    common.print_table(
        f"Cold start, spawn to exit ({args.runs} interleaved runs each, {args.warmup} warm-up)",
        [(SUBJECTS[k], stats[k]) for k in cmds])
    print(f"  ratio of medians app/bare: {ratio:.2f}x (budget <= {BUDGET_RATIO:.2f}x, "
          f"i.e. app <= {stats['bare']['median'] * BUDGET_RATIO * 1000:.0f} ms here); "
          f"median of per-pair ratios {paired:.2f}x")
    if "floor" in stats:
        print(f"  ratio of medians floor/bare: "
              f"{stats['floor']['median'] / stats['bare']['median']:.2f}x")
    print()
    common.print_table("CPU time (user + system) of the same runs, for reference",
                       [(SUBJECTS[k], cpu_stats[k]) for k in cmds])
    print(f"  ratio of medians app/bare: {cpu_ratio:.2f}x")
    print(f"noise: 1-minute load average {min(loads):.2f} to {max(loads):.2f}"
          + (f"; CPUs idle before a run {min(idles):.0%} to {max(idles):.0%}" if idles else "")
          + f"; {repeats} run(s) repeated because other processes were busy, "
          f"{disturbed} kept disturbed after {args.retries} repeats")
    if profile:
        print()
        print("Import profile (-X importtime, one run each; self times, inflated by tracing):")
        print(f"  bare: {profile['bare_modules']} modules, {profile['bare_total_ms']:.0f} ms; "
              f"app: {profile['app_modules']} modules, {profile['app_total_ms']:.0f} ms")
        print("  app's extra imports by top-level package (self ms):")
        for name, value in profile["extra_by_package_ms"][:12]:
            print(f"    {name:28} {value:8.1f}")
        print("  app's extra imports, largest cumulative (ms):")
        for name, value in profile["top_cumulative_ms"][:12]:
            print(f"    {name:40} {value:8.1f}")
        print("  heavy modules on the start path: "
              f"{', '.join(profile['heavy_on_start_path']) or 'none'}")
    print()
    detail = (f"app median {stats['app']['median'] * 1000:.0f} ms vs bare "
              f"{stats['bare']['median'] * 1000:.0f} ms = {ratio:.2f}x")
    if unlocked:
        detail += "; the app unlocked (keyring?) instead of showing the locked window"
    line = common.verdict_line(ok, "cold start to unlock window <= 1.5x bare PySide6", detail)
    print(line)
    if args.json:
        args.json.write_text(json.dumps({
            "benchmark": "startup", "machine": info, "vault": built,
            "bytecode_cache": not args.no_pycache, "source": str(args.source or ""),
            "samples_s": wall, "cpu_samples_s": cpu, "others_cpu_s": others,
            "loadavg_1min": loads, "idle_before_run": idles, "repeated_runs": repeats,
            "disturbed_runs": disturbed, "stats": stats, "cpu_stats": cpu_stats,
            "ratio": ratio, "paired_ratio_median": paired, "cpu_ratio": cpu_ratio,
            "budget_ratio": BUDGET_RATIO, "pass": ok, "profile": profile,
            "verdicts": [line]}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except common.ChildFailed as exc:
        print(f"benchmark error: {exc}", file=sys.stderr)
        sys.exit(2)
