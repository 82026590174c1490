"""Smoke run of an installed or built iro-desktop, as a new user would run it.

    python3 packaging/smoke_run.py PROGRAM [ARG...]

PROGRAM (with any leading ARGs) is how to start iro-desktop: the ``iro-desktop`` script of
a virtualenv where the wheel was installed, or the program of a PyInstaller build
(``dist/iro-desktop/iro-desktop``). Everything runs in a new temporary folder (the
working directory and the data folder), away from the source tree, so a file the
package forgot to ship makes a command fail here. No screen is needed: the window is
drawn offscreen. Uses the standard library only.

Checks: --version and --help; ``init``; ``demo-data``; ``reviews --json``; ``export`` of
every variant (full, decisions, letter, a redacted copy per group); ``report --docx``;
``review-data --json``; ``check``; the documented exit codes for a council not found (2)
and a wrong passphrase (3); and ``--demo --exit-on-show`` until the dashboard shows.
Exit 0 if every check passed, 1 otherwise (each failure is printed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PASSPHRASE = "smoke run of a fresh install 2026"
VARIANTS = ("full", "decisions", "letter", "redacted:parents", "redacted:child",
            "redacted:carers", "redacted:professionals")
TIMEOUT = 300  # seconds for any one command (the first start of a build is the slowest)


class Smoke:
    def __init__(self, program: list[str], work: Path) -> None:
        self.program = program
        self.work = work
        self.failures: list[str] = []
        self.passed = 0
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("IRO_DESKTOP_") and k != "PYTHONPATH"}
        self.env.update(IRO_DESKTOP_DATA_DIR=str(work / "data"),
                        IRO_DESKTOP_PASSPHRASE=PASSPHRASE, QT_QPA_PLATFORM="offscreen",
                        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")

    def run(self, *args: str, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run([*self.program, *args], cwd=self.work, env=env or self.env,
                                capture_output=True, text=True, timeout=TIMEOUT,
                                stdin=subprocess.DEVNULL)
        print(f"  $ iro-desktop {' '.join(args)}  -> exit {result.returncode} "
              f"({time.monotonic() - started:.1f} s)", flush=True)
        return result

    def check(self, ok: bool, what: str, result: subprocess.CompletedProcess[str] | None = None
              ) -> bool:
        if ok:
            self.passed += 1
            return True
        detail = ""
        if result is not None:
            detail = (f"\n    exit {result.returncode}\n    stdout: {result.stdout[-1500:]!r}"
                      f"\n    stderr: {result.stderr[-1500:]!r}")
        self.failures.append(what)
        print(f"FAILED: {what}{detail}", flush=True)
        return False

    def docx(self, path: Path, what: str, must_contain: str = "") -> None:
        try:
            with zipfile.ZipFile(path) as z:
                body = z.read("word/document.xml").decode("utf-8")
                ok = z.testzip() is None and (not must_contain or must_contain in body)
        except (OSError, KeyError, zipfile.BadZipFile):
            ok = False
        self.check(ok, f"{what}: {path.name} is a Word document"
                       + (f" naming {must_contain!r}" if must_contain else ""))


def smoke(program: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="iro-smoke-") as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        s = Smoke(program, work)
        print(f"smoke run of {' '.join(program)} in {work}", flush=True)

        r = s.run("--version")
        s.check(r.returncode == 0 and r.stdout.startswith("iro-desktop "), "--version", r)
        r = s.run("--help")
        s.check(r.returncode == 0 and "--exit-on-show" in r.stdout
                and "exit codes:" in r.stdout, "--help documents --exit-on-show", r)

        vault = work / "vault"
        r = s.run("init", "--vault", str(vault))  # global option after the command
        s.check(r.returncode == 0 and "RECOVERY KEY" in r.stdout
                and (vault / "keystore.json").is_file(), "init prints the recovery key", r)
        r = s.run("--vault", str(vault), "demo-data")
        s.check(r.returncode == 0 and "72 added" in r.stdout, "demo-data seeds 72 children", r)
        r = s.run("--vault", str(vault), "reviews", "--json")
        reviews = json.loads(r.stdout) if r.returncode == 0 else []
        done = [x for x in reviews if x["status"] == "finalised"]
        if not s.check(bool(done), "reviews --json lists a finalised review", r):
            return _summary(s)
        review = done[0]
        council, child = review["council_code"], review["child_ref"]

        for variant in VARIANTS:
            out = work / f"record-{variant.replace(':', '-')}.docx"
            r = s.run("--vault", str(vault), "export", "--council", council, "--child", child,
                      "--review", str(review["review_number"]), "--variant", variant,
                      "--out", str(out))
            if s.check(r.returncode == 0 and out.is_file(), f"export --variant {variant}", r):
                s.docx(out, f"export {variant}",
                       review["last_name"] if variant in ("full", "decisions") else "")

        report = work / "annual-report.docx"
        r = s.run("--vault", str(vault), "report", "--council", council, "--from", "2026-01-01",
                  "--to", "2026-12-31", "--docx", str(report))
        if s.check(r.returncode == 0 and report.is_file(), "report --docx", r):
            s.docx(report, "report")
        data = work / "review-data.json"
        r = s.run("--vault", str(vault), "review-data", "--from", "2020-01-01",
                  "--to", "2030-12-31", "--json", str(data))
        s.check(r.returncode == 0 and data.is_file()
                and len(json.loads(data.read_text("utf-8"))) >= 1, "review-data --json", r)
        r = s.run("--vault", str(vault), "check")
        s.check(r.returncode == 0 and "3 database(s) checked, 0 with problems" in r.stdout,
                "check", r)

        r = s.run("--vault", str(vault), "export", "--council", "XYZ", "--child", child,
                  "--out", str(work / "none.docx"))
        s.check(r.returncode == 2 and "no council" in r.stderr
                and "Traceback" not in r.stderr, "a council not found exits 2", r)
        wrong = dict(s.env, IRO_DESKTOP_PASSPHRASE="not the passphrase of this vault")
        r = s.run("--vault", str(vault), "due", env=wrong)
        s.check(r.returncode == 3 and "Traceback" not in r.stderr,
                "a wrong passphrase exits 3", r)

        r = s.run("--demo", "--exit-on-show")
        s.check(r.returncode == 0 and "window shown: DashboardView" in r.stdout,
                "--demo shows the dashboard", r)
        return _summary(s)


def _summary(s: Smoke) -> int:
    if s.failures:
        print(f"smoke run FAILED: {len(s.failures)} check(s) failed, {s.passed} passed: "
              + "; ".join(s.failures), flush=True)
        return 1
    print(f"smoke run ok: all {s.passed} checks passed", flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(smoke(sys.argv[1:]))
