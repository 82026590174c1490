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
from pathlib import Path
from types import TracebackType

from iro_desktop import paths
from iro_desktop.fsutil import ensure_private_dir


def configure_logging(level: int = logging.INFO, *, to_file: bool = True) -> Path | None:
    handlers: list[logging.Handler] = []
    log_file: Path | None = None
    if to_file:
        try:
            log_file = ensure_private_dir(paths.log_dir()) / "iro-desktop.log"
            os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            if os.name == "posix":
                os.chmod(log_file, 0o600)  # owner-only whatever the process umask
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
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


def install_excepthook() -> None:
    def hook(exc_type: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        report = safe_traceback(exc_type, tb)
        logging.getLogger("iro_desktop.crash").error("crash\n%s", report)
        print(f"iro-desktop hit an unexpected error ({exc_type.__name__}). "
              "Details without personal data are in the log.", file=sys.stderr)

    sys.excepthook = hook
