"""Autosave: what the IRO types reaches the vault within about a second, is never lost when
the disk fails, and is never overwritten by an older retry.

Driven first with a fake ``write`` (to control failures and timing), then with the real
``ReviewService.save_texts`` on a demo vault, wired the way ``ui/autosave_bridge.py`` does.
"""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date

import pytest

from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services.autosave import AutoSaver, SavedBatch, Target
from iro_desktop.services.caseload import CaseloadEntry, CaseloadService
from iro_desktop.services.reviews import ReviewService
from tests.conftest import PASSPHRASE

T1: Target = ("council-a", 1, "voice.views")
T2: Target = ("council-a", 1, "agenda:health")
T3: Target = ("council-b", 7, "voice.views")


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


class FakeDisk:
    """A ``write`` callable that records batches and can be told to fail (disk full) or to
    block until released (a slow write)."""

    def __init__(self) -> None:
        self.writes: list[dict[Target, str]] = []
        self.attempts: list[dict[Target, str]] = []
        self.full = False
        self.gate: threading.Event | None = None
        self.in_write = threading.Event()

    def __call__(self, batch: dict[Target, str]) -> None:
        self.attempts.append(dict(batch))
        self.in_write.set()
        if self.gate is not None:
            assert self.gate.wait(5), "test never released the write"
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.writes.append(dict(batch))

    def value(self, target: Target) -> str | None:
        """What is on 'disk' for ``target``: the last value written."""
        found = None
        for batch in self.writes:
            found = batch.get(target, found)
        return found


class Recorder:
    def __init__(self) -> None:
        self.saved: list[SavedBatch] = []
        self.errors: list[BaseException] = []

    def on_saved(self, batch: SavedBatch) -> None:
        self.saved.append(batch)

    def on_error(self, exc: BaseException) -> None:
        self.errors.append(exc)


@pytest.fixture
def disk() -> FakeDisk:
    return FakeDisk()


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
def make_saver(rec: Recorder) -> Iterator[Callable[..., AutoSaver]]:
    savers: list[AutoSaver] = []

    def make(write: Callable[[dict[Target, str]], None], **kwargs: float) -> AutoSaver:
        saver = AutoSaver(write, on_saved=rec.on_saved, on_error=rec.on_error, **kwargs)
        savers.append(saver)
        return saver

    yield make
    for saver in savers:
        saver.discard()
        saver.close(timeout=2)


# ---- timing ---------------------------------------------------------------------------------


def test_an_edit_is_written_within_a_second(disk: FakeDisk, rec: Recorder,
                                            make_saver: Callable[..., AutoSaver]) -> None:
    saver = make_saver(disk)
    put_at = time.monotonic()
    saver.put(T1, "She wants to stay with her carers")
    assert saver.pending(T1)
    assert wait_for(lambda: rec.saved, timeout=2.0), "nothing written within 2 s"
    batch = rec.saved[0]
    assert batch.committed_at - put_at <= 1.0
    assert put_at <= batch.first_edit_at <= batch.committed_at
    assert batch.targets == (T1,)
    assert disk.writes == [{T1: "She wants to stay with her carers"}]
    assert not saver.pending() and rec.errors == []


def test_rapid_puts_coalesce_into_one_write_with_the_latest_value(
        disk: FakeDisk, rec: Recorder, make_saver: Callable[..., AutoSaver]) -> None:
    saver = make_saver(disk)
    text = ""
    for ch in "Wants more contact with her brother":
        text += ch
        saver.put(T1, text)
    saver.put(T2, "Dentist booked")
    assert wait_for(lambda: rec.saved)
    time.sleep(0.4)  # longer than the typing delay: no second write follows
    assert disk.writes == [{T1: "Wants more contact with her brother", T2: "Dentist booked"}]
    assert len(rec.saved) == 1 and set(rec.saved[0].targets) == {T1, T2}


def test_continuous_typing_is_still_saved_every_max_delay(
        disk: FakeDisk, rec: Recorder, make_saver: Callable[..., AutoSaver]) -> None:
    saver = make_saver(disk)  # delay 0.3 s, max_delay 0.8 s
    text = ""
    stop = time.monotonic() + 2.0
    while time.monotonic() < stop:  # a key every 50 ms: typing never pauses for 0.3 s
        text += "a"
        saver.put(T1, text)
        time.sleep(0.05)
    typed_for = len(text)
    assert len(rec.saved) >= 2, f"only {len(rec.saved)} write(s) in 2 s of typing"
    for batch in rec.saved:
        assert batch.committed_at - batch.first_edit_at <= 1.0
    # each write carried what had been typed by then, growing
    lengths = [len(w[T1]) for w in disk.writes]
    assert lengths == sorted(lengths) and 0 < lengths[0] < typed_for
    assert saver.flush() is True
    assert disk.value(T1) == text


def test_flush_writes_immediately(disk: FakeDisk, rec: Recorder,
                                  make_saver: Callable[..., AutoSaver]) -> None:
    saver = make_saver(disk, delay=5.0, max_delay=10.0)
    assert saver.flush() is True  # nothing to do
    saver.put(T1, "Typed just before closing the review")
    saver.put(T3, "Another council's child")
    started = time.monotonic()
    assert saver.flush() is True
    assert time.monotonic() - started < 1.0
    assert disk.value(T1) == "Typed just before closing the review"
    assert disk.value(T3) == "Another council's child"
    assert not saver.pending()


# ---- failures -------------------------------------------------------------------------------


def test_disk_full_keeps_the_edit_and_retry_writes_the_newest_value(
        disk: FakeDisk, rec: Recorder, make_saver: Callable[..., AutoSaver]) -> None:
    saver = make_saver(disk, retry_after=0.3)
    disk.full = True
    saver.put(T1, "first words")
    assert wait_for(lambda: rec.errors), "on_error not called"
    err = rec.errors[0]
    assert isinstance(err, OSError) and err.errno == errno.ENOSPC
    assert saver.pending(T1), "the edit is kept in memory"
    assert disk.writes == []

    saver.put(T1, "first words, then more")
    disk.full = False
    assert wait_for(lambda: rec.saved, timeout=3.0), "no successful retry"
    assert disk.writes == [{T1: "first words, then more"}]
    assert not saver.pending()


def test_typing_during_a_failing_write_is_not_overwritten_by_the_retry(
        disk: FakeDisk, rec: Recorder, make_saver: Callable[..., AutoSaver]) -> None:
    saver = make_saver(disk, retry_after=0.2)
    disk.full, disk.gate = True, threading.Event()
    saver.put(T1, "older")
    saver.put(T2, "health notes")
    assert disk.in_write.wait(2), "the write never started"
    saver.put(T1, "newer, typed while the disk was failing")  # during the write
    disk.gate.set()
    assert wait_for(lambda: rec.errors)
    disk.full, disk.gate = False, None
    assert wait_for(lambda: rec.saved, timeout=3.0)
    assert disk.writes == [{T1: "newer, typed while the disk was failing",
                            T2: "health notes"}], "both kept, the newer text wins"
    assert disk.attempts[0] == {T1: "older", T2: "health notes"}


def test_flush_while_disk_full_says_so_and_keeps_edits(
        disk: FakeDisk, rec: Recorder, make_saver: Callable[..., AutoSaver]) -> None:
    saver = make_saver(disk, delay=5.0, max_delay=10.0, retry_after=60.0)
    disk.full = True
    saver.put(T1, "views")
    started = time.monotonic()
    assert saver.flush() is False
    assert time.monotonic() - started < 2.0, "flush must not hang on a failing disk"
    assert saver.pending(T1)
    assert wait_for(lambda: rec.errors)  # reported from the writer thread, just after
    disk.full = False
    assert saver.flush() is True, "flush retries at once, without waiting retry_after"
    assert disk.value(T1) == "views"


# ---- closing --------------------------------------------------------------------------------


def test_close_flushes_and_put_after_close_raises(disk: FakeDisk, rec: Recorder) -> None:
    saver = AutoSaver(disk, delay=5.0, max_delay=10.0, on_saved=rec.on_saved)
    saver.put(T1, "last words before closing")
    assert saver.close() is True
    assert disk.value(T1) == "last words before closing"
    with pytest.raises(RuntimeError, match="closed"):
        saver.put(T1, "too late")
    assert disk.value(T1) == "last words before closing"
    assert saver.close() is True  # closing twice is harmless


# ---- with the real vault ----------------------------------------------------------------------


def vault_writer(svc: ReviewService) -> Callable[[dict[Target, str]], None]:
    """The same batching as ui/autosave_bridge.py: one transaction per council."""

    def write(batch: dict[Target, str]) -> None:
        by_council: dict[str, dict[tuple[int, str], str]] = {}
        for (council_id, review_id, key), value in batch.items():
            by_council.setdefault(council_id, {})[(review_id, key)] = value
        for council_id, edits in by_council.items():
            svc.save_texts(council_id, edits)

    return write


def _unreviewed(vault, svc: ReviewService) -> list[CaseloadEntry]:  # type: ignore[no-untyped-def]
    """Demo children aged 4+ with no review in the app yet (the demo's samples left alone)."""
    return [e for e in CaseloadService(vault).entries()
            if e.age >= 4 and not svc.reviews(e.council.id, e.child.id)]


def _two_reviews(vault) -> tuple[ReviewService, tuple[str, int], tuple[str, int]]:  # type: ignore[no-untyped-def]
    svc = ReviewService(vault)
    es = _unreviewed(vault, svc)
    first = es[0]
    second = next(e for e in es if e.council.id != first.council.id)
    today = date.today()
    r1 = svc.plan_review(first.council.id, first.child.id, today)
    r2 = svc.plan_review(second.council.id, second.child.id, today)
    return svc, (first.council.id, r1), (second.council.id, r2)


def test_real_vault_edits_committed_within_a_second_and_survive_relock(
        demo_vault, rec: Recorder, make_saver: Callable[..., AutoSaver]) -> None:  # type: ignore[no-untyped-def]
    svc, (ca, ra), (cb, rb) = _two_reviews(demo_vault)
    saver = make_saver(vault_writer(svc))
    put_at = time.monotonic()
    text = ""
    for word in "I like it here and I want to stay".split():
        text = f"{text} {word}".strip()
        saver.put((ca, ra, "voice.views"), text)
    saver.put((ca, ra, "agenda:health"), "Dentist booked.\n- optician due")
    saver.put((cb, rb, "voice.views"), "Wants to see mum more")
    assert wait_for(lambda: rec.saved, timeout=2.0)
    assert rec.saved[0].committed_at - put_at <= 1.0
    assert len(rec.saved) == 1 and rec.errors == []
    assert svc.record(ca, ra).texts == {"voice.views": "I like it here and I want to stay",
                                        "agenda:health": "Dentist booked.\n- optician due"}
    assert svc.record(cb, rb).texts == {"voice.views": "Wants to see mum more"}

    saver.put((ca, ra, "voice.views"), "Changed at the last moment")
    assert saver.close() is True
    demo_vault.lock()  # what was committed is on disk, not just in this process
    demo_vault.unlock(PASSPHRASE)
    assert svc.record(ca, ra).texts["voice.views"] == "Changed at the last moment"
    assert svc.record(cb, rb).texts == {"voice.views": "Wants to see mum more"}


def test_real_vault_disk_full_then_retry_keeps_newest(
        demo_vault, rec: Recorder, make_saver: Callable[..., AutoSaver]) -> None:  # type: ignore[no-untyped-def]
    svc, (ca, ra), _ = _two_reviews(demo_vault)
    real = vault_writer(svc)
    failures = {"left": 1}

    def flaky(batch: dict[Target, str]) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OSError(errno.ENOSPC, "database or disk is full")
        real(batch)

    saver = make_saver(flaky, retry_after=0.2)
    saver.put((ca, ra, "voice.views"), "older")
    assert wait_for(lambda: rec.errors)
    assert svc.record(ca, ra).texts == {}
    saver.put((ca, ra, "voice.views"), "newest")
    assert wait_for(lambda: rec.saved, timeout=3.0)
    assert svc.record(ca, ra).texts == {"voice.views": "newest"}
    assert saver.flush() is True


def test_edit_for_a_finalised_review_does_not_block_other_edits(
        demo_vault, rec: Recorder, make_saver: Callable[..., AutoSaver]) -> None:  # type: ignore[no-untyped-def]
    svc = ReviewService(demo_vault)
    es = _unreviewed(demo_vault, svc)
    council = es[0].council.id
    a, b = [e for e in es if e.council.id == council and e.age >= 4][:2]
    done = svc.plan_review(council, a.child.id, date.today())
    svc.set_status(council, done, ReviewStatus.HELD)
    svc.update_review(council, done, participation_code="PN1")
    svc.finalise(council, done)
    other = svc.plan_review(council, b.child.id, date.today())

    saver = make_saver(vault_writer(svc), delay=5.0, max_delay=10.0, retry_after=0.2)
    saver.put((council, done, "voice.views"), "typed after it was finalised")
    saver.put((council, other, "voice.views"), "another child's views")
    assert saver.flush(timeout=1.5)  # nothing left to retry
    assert rec.errors == []
    assert svc.record(council, other).texts == {"voice.views": "another child's views"}
    assert svc.record(council, done).texts == {}  # the finalised record was not changed
