"""Background work reports back even when the caller keeps no reference to the worker."""

from __future__ import annotations

import gc
import threading

from iro_desktop.ui.workers import run_in_background


def test_result_arrives_when_the_caller_drops_the_worker(qtbot) -> None:  # type: ignore[no-untyped-def]
    """First-run vault creation dropped the worker: Python collected it (and its signals)
    while the key was derived, and the dialog stayed on "Creating the vault..." for good."""
    release = threading.Event()
    results: list[object] = []

    def slow() -> int:
        release.wait(5)
        return 42

    for _ in range(5):
        run_in_background(slow, results.append, results.append)  # the worker is not kept
    gc.collect()
    release.set()
    qtbot.waitUntil(lambda: len(results) == 5, timeout=5000)
    assert results == [42] * 5


def test_failure_arrives_when_the_caller_drops_the_worker(qtbot) -> None:  # type: ignore[no-untyped-def]
    failures: list[BaseException] = []

    def broken() -> None:
        raise OSError("disk full")

    run_in_background(broken, lambda _r: None, failures.append)
    gc.collect()
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=5000)
    assert isinstance(failures[0], OSError)
