"""Shared helpers for the iro-desktop benchmarks (not part of the app).

* statistics (median, nearest-rank p90) and table / PASS-FAIL printing;
* a private temporary workspace that is always removed;
* running a child process with a wall-clock timer and a hard timeout
  (its whole process group is killed if it overruns, so nothing is left behind);
* machine facts for the report;
* a generator of valid caseload CSV rows and a ``make-vault`` command that builds a
  vault with production KDF parameters (``Vault.create`` calls ``calibrate()``).

Run as a script only through the benchmarks::

    python benchmarks/_bench_common.py make-vault DIR --children 150
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
PASSPHRASE = "correct horse battery staple"  # passes the app's passphrase policy

# Three councils, as in the demo caseload: two English, one Welsh.
COUNCILS = (
    ("NBK", "Northbrook City Council", "england", "NB"),
    ("EMB", "Eastmere Borough Council", "england", ""),
    ("VOH", "Vale of Hafren Council", "wales", "VH-"),
)
CSV_COLUMNS = ("council_code", "council_name", "child_ref", "first_name", "last_name",
               "preferred_name", "date_of_birth", "gender", "legal_status", "placement_type",
               "date_became_looked_after", "last_review_date", "reviews_held", "social_worker",
               "notes")
LEGAL_STATUS = ("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4")
PLACEMENT_TYPE = ("A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3",
                  "R5", "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6",
                  "Z1")
FIRST_NAMES = ("Rosie", "Priya", "Olivia", "Nikola", "Seren", "Ivy", "Dylan", "Mohammed",
               "Zoë", "Łukasz", "Aisha", "Tomos", "Grace", "Kai", "Amara", "Finley", "Nia",
               "Oscar", "Leah", "Rhys")
LAST_NAMES = ("Llewellyn", "Mitchell", "Taylor", "Simpson", "Cook", "Wilson", "Núñez", "Evans",
              "Khan", "Jones", "Okafor", "Davies", "Hughes", "Nowak", "Patel", "Roberts",
              "Morgan", "Clarke", "Price", "Ahmed")
SOCIAL_WORKERS = ("Jo Fielding", "Megan Lloyd", "Nia Rowlands", "Sam Okoro", "Rachel Pryce", "")


# ---- statistics and output ---------------------------------------------------------


def summarise(samples: Sequence[float]) -> dict[str, float]:
    """Median, nearest-rank p90, min, max and n of a list of seconds."""
    ordered = sorted(samples)
    n = len(ordered)
    if not n:
        raise ValueError("no samples")
    p90 = ordered[max(0, math.ceil(0.9 * n) - 1)]
    return {"n": n, "median": statistics.median(ordered), "p90": p90,
            "min": ordered[0], "max": ordered[-1]}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def print_table(title: str, rows: Sequence[tuple[str, dict[str, float]]]) -> None:
    width = max([len(name) for name, _ in rows] + [20])
    print(title)
    print(f"  {'':{width}}  {'median':>11}  {'p90':>11}  {'min':>11}  {'max':>11}   n")
    for name, s in rows:
        print(f"  {name:{width}}  {ms(s['median'])}  {ms(s['p90'])}  {ms(s['min'])}  "
              f"{ms(s['max'])}  {s['n']:>2}")


def verdict_line(ok: bool, budget: str, detail: str) -> str:
    return f"{'PASS' if ok else 'FAIL'}  {budget}: {detail}"


# ---- workspace and processes -------------------------------------------------------


@contextlib.contextmanager
def workspace(prefix: str) -> Iterator[Path]:
    """A private temporary folder, removed on exit (also on Ctrl+C and SIGTERM)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(_signum, _frame):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        yield root
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(root, ignore_errors=True)


class ChildFailed(RuntimeError):
    pass


@dataclass
class ChildRun:
    seconds: float  # wall time, spawn to exit
    cpu_seconds: float  # user + system CPU time of the child
    stdout: str
    stderr: str
    others_cpu: float = 0.0  # CPU seconds other processes used meanwhile (0.01 s ticks)
    attempts: int = 1


def run_child(cmd: Sequence[str], *, env: dict[str, str], cwd: Path,
              timeout: float = 120.0) -> ChildRun:
    """Spawn, wait, and return the wall time from spawn to exit and the CPU time used.

    The child gets its own process group; if it overruns ``timeout`` (for example a
    modal message box that nobody can close offscreen) the whole group is killed.
    Output goes to unnamed temporary files so a chatty child cannot block on a pipe.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy0, own0 = _busy_seconds(), time.process_time()
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=env, cwd=str(cwd), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            # Wait for the exit without reaping, so the group id cannot be reused yet ...
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            elapsed = time.perf_counter() - started
            busy1, own1 = _busy_seconds(), time.process_time()
            # ... end anything the child left running in its own process group ...
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            # ... then reap it, with its CPU usage.
            _pid, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if timed_out.is_set():
        raise ChildFailed(f"{' '.join(cmd)} did not finish within {timeout:.0f} s and was "
                          f"killed\n--- stderr (tail) ---\n{stderr[-3000:]}")
    if proc.returncode != 0:
        raise ChildFailed(f"{' '.join(cmd)} exited with {proc.returncode}\n"
                          f"--- stderr (tail) ---\n{stderr[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    others = max(0.0, (busy1 - busy0) - cpu - (own1 - own0))
    return ChildRun(elapsed, cpu, stdout, stderr, others_cpu=others)


def _busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine since boot (0 without /proc/stat)."""
    try:
        idle, total = _cpu_times()
    except OSError:
        return 0.0
    return (total - idle) / os.sysconf("SC_CLK_TCK")


def run_quiet(cmd: Sequence[str], *, env: dict[str, str], cwd: Path, timeout: float,
              max_others: float, retries: int) -> ChildRun:
    """``run_child``, repeated (up to ``retries`` more times) while other processes used
    more than ``max_others`` x the run's wall time of CPU during it: on a shared machine
    a neighbour's burst would otherwise be measured as ours. The last attempt is kept
    whatever it saw; ``attempts`` and ``others_cpu`` say what happened."""
    for attempt in range(1, retries + 2):
        run = run_child(cmd, env=env, cwd=cwd, timeout=timeout)
        run.attempts = attempt
        if run.others_cpu <= max_others * run.seconds:
            break
    return run


def _cpu_times() -> tuple[int, int]:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return idle, sum(values[:8])


def idle_fraction(window: float = 0.5) -> float:
    """Share of all CPUs idle over ``window`` seconds (1.0 where /proc/stat is missing)."""
    try:
        idle0, total0 = _cpu_times()
        time.sleep(window)
        idle1, total1 = _cpu_times()
    except OSError:
        return 1.0
    return (idle1 - idle0) / max(1, total1 - total0)


def wait_for_idle(min_idle: float, max_wait: float) -> float:
    """Wait (up to ``max_wait`` s) until other work leaves the CPUs ``min_idle`` idle.

    The benchmark is idle while it samples, so this sees only other processes. On a
    shared machine it keeps a burst of someone else's work out of a timed run; the
    idle share seen last is returned and reported with the results.
    """
    deadline = time.monotonic() + max_wait
    idle = idle_fraction()
    while idle < min_idle and time.monotonic() < deadline:
        idle = idle_fraction()
    return idle


def child_env(data_dir: Path, *, source: Path | None = None,
              pycache_prefix: Path | None = None) -> dict[str, str]:
    """The environment every benchmark child gets (bare and app alike)."""
    env = dict(os.environ)
    for name in ("IRO_DESKTOP_PASSPHRASE", "IRO_DESKTOP_NEW_PASSPHRASE",
                 "IRO_DESKTOP_BENCH_EXIT_ON_SHOW"):
        env.pop(name, None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["IRO_DESKTOP_DATA_DIR"] = str(data_dir)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(source)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    if pycache_prefix is not None:
        # Bytecode is cached in a private folder (never beside the sources), as an
        # installed app would have it compiled.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache_prefix)
    return env


def add_noise_options(parser: argparse.ArgumentParser) -> None:
    """Options that keep other processes on a shared machine out of the timed runs."""
    parser.add_argument("--min-idle", type=float, default=0.9,
                        help="before each timed run, wait until the CPUs are this idle "
                             "(0 to skip; default 0.9)")
    parser.add_argument("--max-idle-wait", type=float, default=30.0,
                        help="longest wait for --min-idle, seconds (default 30)")
    parser.add_argument("--max-others", type=float, default=0.15,
                        help="repeat a run if other processes used more CPU during it than "
                             "this fraction of its wall time (default 0.15)")
    parser.add_argument("--retries", type=int, default=3,
                        help="repeats allowed per run for --max-others (default 3; 0: never)")


def make_vault(root: Path, *, children: int, env: dict[str, str], cwd: Path) -> dict:
    """Build a vault in a separate process (same interpreter and source as the app)."""
    run = run_child([sys.executable, str(Path(__file__).resolve()), "make-vault", str(root),
                     "--children", str(children)], env=env, cwd=cwd, timeout=300)
    return json.loads(run.stdout.strip().splitlines()[-1])


# ---- machine facts ----------------------------------------------------------------


def machine_info() -> dict[str, object]:
    from importlib import metadata

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    sqlcipher = "unknown"
    with contextlib.suppress(Exception):
        probe = subprocess.run(
            [sys.executable, "-c",
             "import sqlcipher3.dbapi2 as s; c = s.connect(':memory:');"
             "print(c.execute('PRAGMA cipher_version').fetchone()[0], s.sqlite_version)"],
            capture_output=True, text=True, timeout=30, check=True)
        cipher, sqlite = probe.stdout.split(None, 1)[0], probe.stdout.split()[-1]
        sqlcipher = f"{cipher} (SQLite {sqlite})"
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyside6": next((v for v in (version("PySide6-Essentials"), version("PySide6"))
                         if v != "not installed"), "not installed"),
        "sqlcipher": sqlcipher,
        "sqlcipher3": version("sqlcipher3"),
        "sqlalchemy": version("SQLAlchemy"),
        "cryptography": version("cryptography"),
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def print_machine(info: dict[str, object]) -> None:
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}; {info['os']}")
    print(f"python {info['python']}, PySide6 {info['pyside6']}, SQLCipher {info['sqlcipher']}, "
          f"sqlcipher3 {info['sqlcipher3']}, SQLAlchemy {info['sqlalchemy']}, "
          f"cryptography {info['cryptography']}")
    print(f"date {info['date']}, load average at start {info['loadavg_at_start']}")


# ---- caseload generation and vault creation --------------------------------------------


def _fmt(d: date, rng: random.Random) -> str:
    return d.isoformat() if rng.random() < 0.1 else d.strftime("%d/%m/%Y")


def caseload_csv(children: int, today: date, seed: int = 903) -> bytes:
    """``children`` valid rows spread over the three councils, with varied dates and codes."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for i in range(children):
        code, name, _nation, prefix = COUNCILS[i % len(COUNCILS)]
        born = today - timedelta(days=rng.randint(30, 17 * 365 + 300))
        in_care = born + timedelta(days=rng.randint(0, (today - born).days))
        if rng.random() < 0.12:
            held, last = 0, None
        else:
            held = rng.randint(1, 20)
            last = in_care + timedelta(days=rng.randint(0, (today - in_care).days))
        first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
        preferred = first[:3] if rng.random() < 0.15 else ""
        notes = rng.choice(("", "", "Sees Nan, Gran and sister monthly.",
                            "Prefers \"Sam\"; needs an interpreter, Polish.",
                            "Contact review due.\nLetterbox contact only."))
        writer.writerow([
            code, name, f"{prefix}{100000 + i}", first, LAST_NAMES[rng.randrange(len(LAST_NAMES))],
            preferred, _fmt(born, rng), rng.choice("FMX"), rng.choice(LEGAL_STATUS),
            rng.choice(PLACEMENT_TYPE), _fmt(in_care, rng), _fmt(last, rng) if last else "",
            str(held), rng.choice(SOCIAL_WORKERS), notes,
        ])
    return out.getvalue().encode("utf-8")


def _make_vault_command(root: Path, children: int) -> dict:
    from iro_desktop.core.models import Nation
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.services.caseload import CaseloadService
    from iro_desktop.storage.vault import Vault

    started = time.perf_counter()
    # kdf=None: production parameters from calibrate(), exactly as the app creates vaults.
    vault, _recovery = Vault.create(root, PASSPHRASE,
                                    secret_store=MemorySecretStore(available=False))
    created = time.perf_counter() - started
    with vault:
        service = CaseloadService(vault)
        nations = {code: Nation(nation) for code, _name, nation, _prefix in COUNCILS}
        report = service.import_caseload(caseload_csv(children, service.today()),
                                         nations=nations)
        kdf = vault._keystore.kdf  # noqa: SLF001 - benchmark reports the parameters in use
        councils = len(vault.councils())
    return {"create_seconds": created, "councils": councils, "children": report.added,
            "warnings": len(report.warnings),
            "kdf": {"memory_kib": kdf.memory_kib, "iterations": kdf.iterations,
                    "lanes": kdf.lanes}}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    mk = sub.add_parser("make-vault", help="create a vault seeded with generated children")
    mk.add_argument("root", type=Path)
    mk.add_argument("--children", type=int, default=150)
    args = parser.parse_args(argv)
    result = _make_vault_command(args.root, args.children)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
