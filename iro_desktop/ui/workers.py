"""Slow work (key derivation, opening databases, imports) off the GUI thread.

A ``Worker`` runs one callable on the global thread pool and reports on the GUI
thread: ``finished(object)`` with the result or ``failed(object)`` with the
exception (the UI shows ``str(exc)``, which for vault errors is written for
the IRO and holds no child data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from iro_desktop.security.errors import VaultError

log = logging.getLogger(__name__)


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)


class Worker(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none crash the app
            if not isinstance(exc, VaultError):
                log.error("worker.failed kind=%s", type(exc).__name__)
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


# Workers still running or not yet reported. Without this reference a caller that drops the
# returned worker (as the first-run vault creation did) lets Python collect it and its signals
# while the thread runs: the result never arrives (the dialog hung on "Creating the vault...")
# or the process crashes.
_RUNNING: set[Worker] = set()


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None]) -> Worker:
    worker = Worker(fn)
    worker.setAutoDelete(False)  # Python owns it, until it has reported
    _RUNNING.add(worker)

    def done(result: Any) -> None:
        _RUNNING.discard(worker)
        if _receiver_alive(on_done):
            on_done(result)

    def failed(exc: BaseException) -> None:
        _RUNNING.discard(worker)
        if _receiver_alive(on_error):
            on_error(exc)

    worker.signals.finished.connect(done)
    worker.signals.failed.connect(failed)
    QThreadPool.globalInstance().start(worker)
    return worker


def _receiver_alive(callback: Callable[..., Any]) -> bool:
    """False when ``callback`` is a method of a Qt object already deleted (a dialog closed
    by a lock while its worker ran): the report then goes nowhere, as it should."""
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, QObject):
        import shiboken6

        return shiboken6.isValid(owner)
    return True


def user_message(exc: BaseException) -> str:
    """What to show for an exception: our own messages, or a generic line for anything else."""
    if isinstance(exc, VaultError) or getattr(exc, "user_facing", False):
        return str(exc)
    return (f"Something went wrong ({type(exc).__name__}). Nothing already saved was lost. "
            "Details without personal data are in the log.")
