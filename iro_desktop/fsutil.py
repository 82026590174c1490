"""File-system helpers: owner-only permissions and atomic replacement."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from iro_desktop.security.errors import StorageFullError, VaultError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_umask() -> None:
    """New files of this process are readable by their owner only."""
    os.umask(0o077)


def ensure_private_dir(path: Path) -> Path:
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, PRIVATE_DIR)
    return path


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file.

    The temporary file sits in the same folder (never the OS temp folder), is
    created owner-only, fsynced, then renamed over the target.
    """
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     PRIVATE_FILE)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise disk_error(exc, f"could not write {path.name}") from None


def disk_error(exc: OSError, what: str) -> VaultError:
    """Turn an OSError into a user-facing error without file contents."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return StorageFullError(f"{what}: the disk is full. Free some space and try again; "
                                "nothing already saved was lost.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return VaultError(f"{what}: permission denied ({exc.strerror}).")
    return VaultError(f"{what}: {exc.strerror or exc.__class__.__name__}.")
