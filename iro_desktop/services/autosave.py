"""Autosave: every edit reaches the encrypted vault within a second, off the typing path.

The window calls :meth:`AutoSaver.put` on each keystroke (cheap: a dict update
under a lock). A background thread commits the latest value of every changed
field ``delay`` seconds after typing pauses, and never later than ``max_delay``
after the first unsaved edit, so a crash or power cut loses at most about a
second. A failed commit (disk full, I/O error) keeps the edits in memory, is
retried, and is reported through ``on_error``; nothing typed is dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Target = tuple[str, int, str]  # (council id, review id, text key)


@dataclass(frozen=True, slots=True)
class SavedBatch:
    targets: tuple[Target, ...]
    first_edit_at: float  # monotonic time of the oldest edit in the batch
    committed_at: float


class AutoSaver:
    def __init__(self, write: Callable[[dict[Target, object]], None], *, delay: float = 0.3,
                 max_delay: float = 0.5, retry_after: float = 2.0,
                 on_saved: Callable[[SavedBatch], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self._write = write
        self.delay, self.max_delay, self.retry_after = delay, max_delay, retry_after
        self.on_saved, self.on_error = on_saved, on_error
        self._pending: dict[Target, object] = {}
        self._first_edit: float | None = None
        self._last_edit = 0.0
        self._failed_until = 0.0
        self._writing = False
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="iro-autosave", daemon=True)
        self._thread.start()

    # ---- called from the GUI thread ----------------------------------------------------

    def put(self, target: Target, value: object) -> None:
        now = time.monotonic()
        with self._cond:
            if self._closed:
                raise RuntimeError("autosave is closed")
            self._pending[target] = value
            if self._first_edit is None:
                self._first_edit = now
            self._last_edit = now
            self._cond.notify()

    def pending(self, target: Hashable | None = None) -> bool:
        with self._cond:
            if target is None:
                return bool(self._pending) or self._writing
            return target in self._pending

    def flush(self, timeout: float = 10.0) -> bool:
        """Commit everything now; True when nothing is left unsaved."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._failed_until = 0.0
            self._first_edit = self._first_edit and (time.monotonic() - self.max_delay)
            self._cond.notify()
            while (self._pending or self._writing) and time.monotonic() < deadline:
                self._cond.wait(0.05)
                if self._pending and not self._writing and self._failed_until:
                    return False
            return not self._pending and not self._writing

    def discard(self, council_id: str | None = None) -> None:
        """Forget unsaved edits (only for a council being erased, or at shutdown after flush)."""
        with self._cond:
            for target in [t for t in self._pending if council_id in (None, t[0])]:
                del self._pending[target]
            if not self._pending:
                self._first_edit = None

    def close(self, timeout: float = 10.0) -> bool:
        saved = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)
        return saved

    # ---- the writer thread -------------------------------------------------------------

    def _due_in(self, now: float) -> float:
        if not self._pending or self._first_edit is None:
            return 3600.0
        due = min(self._last_edit + self.delay, self._first_edit + self.max_delay)
        return max(due, self._failed_until) - now

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed:
                    wait = self._due_in(time.monotonic())
                    if wait <= 0:
                        break
                    self._cond.wait(min(wait, 1.0))
                if self._closed and not self._pending:
                    return
                if self._closed and self._failed_until > time.monotonic():
                    return
                batch, first = self._pending, self._first_edit or time.monotonic()
                self._pending, self._first_edit = {}, None
                self._writing = True
            error: BaseException | None = None
            try:
                self._write(batch)
            except BaseException as exc:  # noqa: BLE001 - reported, edits kept for a retry
                error = exc
            committed = time.monotonic()
            with self._cond:
                self._writing = False
                if error is not None:
                    for target, value in batch.items():
                        self._pending.setdefault(target, value)  # newer typing wins
                    self._first_edit = first
                    self._failed_until = committed + self.retry_after
                self._cond.notify_all()
            if error is not None:
                log.warning("autosave.failed kind=%s", type(error).__name__)
                if self.on_error:
                    self.on_error(error)
            elif self.on_saved:
                self.on_saved(SavedBatch(tuple(batch), first, committed))
