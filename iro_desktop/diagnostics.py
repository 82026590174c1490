"""Logging and crash output that never carry child data.

Log lines are event codes and ids. An uncaught exception is reported by its
type and the code locations it passed through, never its message or local
variables, because either may hold a name or a note.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType

from iro_desktop import paths
from iro_desktop.fsutil import ensure_private_dir


LOG_NAME = "iro-desktop.log"
_configured: dict[str, Path] = {}  # the log file configure_logging opened, if any


def _private_log_file() -> Path:
    """The log file, created owner-only if new (raises OSError if it cannot be)."""
    log_file = ensure_private_dir(paths.log_dir()) / LOG_NAME
    os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    if os.name == "posix":
        os.chmod(log_file, 0o600)  # owner-only whatever the process umask
    return log_file


def configure_logging(level: int = logging.INFO, *, to_file: bool = True) -> Path | None:
    handlers: list[logging.Handler] = []
    log_file: Path | None = None
    _configured.pop("log", None)
    if to_file:
        try:
            log_file = _private_log_file()
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
            _configured["log"] = log_file
        except OSError:
            log_file = None
    if not handlers:
        handlers.append(logging.NullHandler())
    logging.basicConfig(level=level, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return log_file


def safe_traceback(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    """Type name and frames (file, line, function) only."""
    frames = [f"  {Path(f.filename).name}:{f.lineno} in {f.name}"
              for f in traceback.extract_tb(tb)]
    return "\n".join([f"{exc_type.__module__}.{exc_type.__qualname__}", *frames])


def record_crash(exc_type: type[BaseException], tb: TracebackType | None) -> Path | None:
    """Log an unexpected error (type and frames only) and return the log file's path, or
    None if no log could be written. Writes the file itself when logging was not set up
    to one (a command run from a test or a script)."""
    report = safe_traceback(exc_type, tb)
    configured = _configured.get("log")
    if configured is not None and configured == paths.log_dir() / LOG_NAME:
        logging.getLogger("iro_desktop.crash").error("crash\n%s", report)
        return configured
    try:
        log_file = _private_log_file()
        with open(log_file, "a", encoding="utf-8") as fh:
            fh.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} ERROR iro_desktop.crash crash\n"
                     f"{report}\n")
        return log_file
    except OSError:
        return None


def install_excepthook() -> None:
    def hook(exc_type: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        where = record_crash(exc_type, tb)
        if sys.stderr is not None:  # a windowed build on Windows has none
            print(f"iro-desktop hit an unexpected error ({exc_type.__name__}). Details without "
                  f"personal data are in {where or 'the log (which could not be written)'}.",
                  file=sys.stderr)

    sys.excepthook = hook
