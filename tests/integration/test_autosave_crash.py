"""Typing survives a crash: the app is SIGKILLed while the IRO types, and nothing older than
a second is lost.

The issue's words: "A test kills the app process (SIGKILL) while text is being typed at 10
characters a second, restarts it, and finds all text older than 1 s; repeated at least 20
times with no loss and no corruption (`iro-desktop check` passes)."

Each round starts ``typing_app.py`` (the real ``MainWindow``, offscreen) on the same vault. It
opens the review, puts the keyboard focus in the child's views and types the next characters
of a fixed sequence, one every 100 ms, printing the time of each. At a random moment 1.5-4 s
after the first key the test SIGKILLs it, reopens the vault in this process (an unclean exit:
every page is checked at unlock) and reads the field through the review service:

* the saved text is exactly the first N characters of the sequence (nothing garbled, nothing
  shifted, nothing from a half-written transaction);
* every character typed more than 1.0 s before the kill is in it;
* ``vault.check()`` finds every council database intact, and so does ``iro-desktop check``.

The next round continues typing after the saved text. The worst loss seen (age at the kill of
the oldest character that was not saved) is printed. Each next run is started while the
current one types and waits (``--wait-for-go``) until the kill and the checks are over, so
loading Python and Qt does not add a second to every round; it opens the vault only then.

``IRO_CRASH_ROUNDS`` (default 20) and ``IRO_CRASH_SEED`` change the number of kills and the
random kill moments.
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from iro_desktop import cli
from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.demo import seed_demo
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.vault import Vault
from tests.conftest import PASSPHRASE
from tests.integration.typing_app import expected_text

TYPING_APP = Path(__file__).with_name("typing_app.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("IRO_CRASH_ROUNDS", "20"))
SEED = int(os.environ.get("IRO_CRASH_SEED", "20261124"))
KILL_AFTER = (1.5, 4.0)  # seconds after the first key
MAX_LOSS = 1.0  # seconds: everything typed longer ago than this must survive
FIELD = "voice.views"


@dataclass
class CrashVault:
    root: Path
    council_id: str
    review_id: int


@dataclass
class Round:
    number: int
    start: int  # characters in the field when typing began
    typed: dict[int, float] = field(default_factory=dict)  # index -> time.time() when typed
    killed_at: float = 0.0
    saved: int = 0  # characters found after the restart

    @property
    def lost(self) -> list[int]:
        return sorted(i for i in self.typed if i >= self.saved)

    @property
    def loss_seconds(self) -> float:
        """How long before the kill the oldest lost character was typed (0: nothing lost)."""
        lost = self.lost
        return self.killed_at - self.typed[lost[0]] if lost else 0.0


@pytest.fixture
def crash_vault(tmp_path: Path) -> Iterator[CrashVault]:
    """The demo caseload in a vault with fast KDF parameters and one planned review, closed."""
    root = tmp_path / "vault"
    vault, _recovery = Vault.create(root, PASSPHRASE, kdf=fast_test_params(),
                                    secret_store=MemorySecretStore(available=False))
    try:
        seed_demo(vault, with_reviews=False)
        caseload = CaseloadService(vault)
        entry = next(e for e in caseload.entries() if e.age >= 5)
        review_id = ReviewService(vault).plan_review(entry.council.id, entry.child.id,
                                                     caseload.today())
        council_id = entry.council.id
    finally:
        vault.close()
    yield CrashVault(root, council_id, review_id)


class TypingApp:
    """One run of typing_app.py in its own process group, its stdout read by a thread."""

    def __init__(self, crash: CrashVault, stderr_path: Path) -> None:
        """Started with --wait-for-go: Python, Qt and the app are loaded (about a second,
        while the previous round still types), then it waits for :meth:`go`."""
        env = dict(os.environ)
        env.update({"QT_QPA_PLATFORM": "offscreen", "IRO_DESKTOP_PASSPHRASE": PASSPHRASE,
                    "PYTHONUNBUFFERED": "1"})
        self._stderr = stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(TYPING_APP), str(crash.root), crash.council_id,
             str(crash.review_id), "--field", FIELD, "--max-seconds", "30", "--wait-for-go"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True,
            env=env, cwd=REPO_ROOT, start_new_session=True)
        self.stderr_path = stderr_path
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.first_key = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("loaded"):
                continue
            self.lines.append(line.rstrip("\n"))
            if line.startswith(("ready ", "error ")):
                self.ready.set()
            elif line.startswith("typed "):
                self.first_key.set()
        self.ready.set()  # it ended: nobody waits for ever
        self.first_key.set()

    def go(self) -> None:
        """Open the vault now (the previous run is dead and its checks are done)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def stderr_tail(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text("utf-8", "replace")[-3000:]

    def fail(self, what: str) -> None:
        self.kill()
        raise AssertionError(f"typing app: {what}\n--- stdout ---\n"
                             + "\n".join(self.lines[-20:])
                             + f"\n--- stderr (tail) ---\n{self.stderr_tail()}")

    def start_index(self, timeout: float = 30.0) -> int:
        if not self.ready.wait(timeout) or not self.lines or not self.lines[0].startswith("ready"):
            self.fail("did not get ready")
        return int(self.lines[0].split()[1])

    def first_key_time(self, timeout: float = 10.0) -> float:
        if not self.first_key.wait(timeout):
            self.fail("typed nothing")
        line = next((x for x in self.lines if x.startswith("typed ")), None)
        if line is None:
            self.fail("ended before typing")
        return float(line.split()[2])  # type: ignore[union-attr]

    def kill(self) -> float:
        """SIGKILL the process group; returns the time just before the signal."""
        killed_at = time.time()
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        self._stderr.close()
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        return killed_at

    def typed(self) -> dict[int, float]:
        found: dict[int, float] = {}
        for line in self.lines:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "typed":  # the last line may be cut short
                try:
                    found[int(parts[1])] = float(parts[2])
                except ValueError:
                    continue
            elif parts and parts[0] == "error":
                raise AssertionError(f"typing app: {line}\n{self.stderr_tail()}")
        return found


def _read_back(crash: CrashVault) -> str:
    """Reopen the vault as a restarted app does (after an unclean exit every page of every
    council database is checked at unlock), read the field, check the databases, close."""
    vault = Vault(crash.root, secret_store=MemorySecretStore(available=False)).open()
    try:
        vault.unlock(PASSPHRASE)
        assert not vault.damaged, vault.damaged
        text = ReviewService(vault).record(crash.council_id, crash.review_id).texts.get(FIELD, "")
        problems = [r for r in vault.check() if not r.ok]
        assert not problems, problems
    finally:
        vault.close()
    return text


def _cli_check(crash: CrashVault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.ENV_PASSPHRASE, PASSPHRASE)
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["--vault", str(crash.root), "check"], out=out, err=err)
    assert code == cli.EXIT_OK, out.getvalue() + err.getvalue()
    assert "0 with problems" in out.getvalue(), out.getvalue()


def _check_round(this: Round, crash: CrashVault, monkeypatch: pytest.MonkeyPatch) -> str:
    """What a restart finds after the kill of round ``this``; returns the saved text."""
    n = this.number
    assert this.typed, f"round {n}: nothing was typed"
    assert min(this.typed) == this.start
    assert max(this.typed) == this.start + len(this.typed) - 1, f"round {n}: a line is missing"
    saved_text = _read_back(crash)
    this.saved = len(saved_text)
    # No corruption: exactly the sequence from its start, no character changed or doubled.
    assert saved_text == expected_text(this.saved), (
        f"round {n}: the saved text is not a prefix of what was typed")
    assert this.start <= this.saved <= max(this.typed) + 1
    # No loss: everything typed more than MAX_LOSS seconds before the kill is there.
    old_enough = [i for i, t in this.typed.items() if t < this.killed_at - MAX_LOSS]
    assert not old_enough or this.saved > max(old_enough), (
        f"round {n}: characters {this.saved}..{max(old_enough)} were typed more than "
        f"{MAX_LOSS} s before the kill and are lost ({this.loss_seconds:.3f} s of typing)")
    _cli_check(crash, monkeypatch)
    return saved_text


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL of a process group is POSIX")
def test_sigkill_while_typing_loses_nothing_older_than_a_second(  # type: ignore[no-untyped-def]
        crash_vault: CrashVault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys) -> None:
    rng = random.Random(SEED)
    rounds: list[Round] = []
    saved_text = ""
    started = time.monotonic()
    upcoming: TypingApp | None = TypingApp(crash_vault, tmp_path / "typing-app-1.stderr")
    try:
        for number in range(1, ROUNDS + 1):
            app, upcoming = upcoming, None
            assert app is not None
            try:
                app.go()
                start = app.start_index()
                assert start == len(saved_text), "the restarted window shows other text"
                kill_at = app.first_key_time() + rng.uniform(*KILL_AFTER)
                if number < ROUNDS:  # the next run loads Python and Qt while this one types
                    upcoming = TypingApp(crash_vault,
                                         tmp_path / f"typing-app-{number + 1}.stderr")
                time.sleep(max(0.0, kill_at - time.time()))
                if app.proc.poll() is not None:
                    app.fail(f"ended by itself with {app.proc.returncode}")
            finally:
                killed_at = app.kill()
            assert app.proc.returncode == -signal.SIGKILL
            this = Round(number, start, app.typed(), killed_at)
            rounds.append(this)
            saved_text = _check_round(this, crash_vault, monkeypatch)
    finally:
        if upcoming is not None:
            upcoming.kill()

    elapsed = time.monotonic() - started
    worst = max(rounds, key=lambda r: r.loss_seconds)
    typed = sum(len(r.typed) for r in rounds)
    with capsys.disabled():
        print(f"\nautosave crash test: {len(rounds)} SIGKILLs in {elapsed:.1f} s, {typed} "
              f"characters typed at 10/s, {len(saved_text)} saved in the end; worst loss "
              f"{worst.loss_seconds:.3f} s of typing ({len(worst.lost)} characters, round "
              f"{worst.number}); losses per round (s): "
              + " ".join(f"{r.loss_seconds:.2f}" for r in rounds))
    assert len(rounds) == ROUNDS
    assert worst.loss_seconds <= MAX_LOSS


_LEAK_PROBE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QCoreApplication
from iro_desktop.ui.autosave_bridge import AutosaveBridge

class Reviews:  # stands in for ReviewService: nothing is written
    def save_texts(self, council_id, edits):
        return []

app = QCoreApplication([])
bridge = AutosaveBridge(Reviews())
before = sys.getrefcount(True)
for i in range(300):  # 300 keystrokes
    bridge.put(("council", 1, "voice.views"), "x" * (i + 1))
lost = before - sys.getrefcount(True)
bridge.close()
print(lost, flush=True)
os._exit(0)  # an interpreter short of references to True would abort while finalising
"""


def test_a_long_typing_session_does_not_use_up_references_to_true() -> None:
    """Every keystroke emits a signal (``AutosaveBridge.put`` emits ``edited``). With
    PySide6-Essentials 6.12.0 on Python 3.11, ``SignalInstance.emit()`` returned True without
    taking a reference, so each emit dropped one: the real window aborted with "Fatal Python
    error: bool_dealloc" after about 8,400 keys in one session (pyproject.toml now excludes
    that release). Run in a child process: the probe would leave this one short."""
    run = subprocess.run([sys.executable, "-c", _LEAK_PROBE], capture_output=True, text=True,
                         cwd=REPO_ROOT, timeout=60, check=True)
    lost = int(run.stdout.split()[-1])
    assert lost < 30, f"300 keystrokes dropped {lost} references to True"
