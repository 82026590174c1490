"""One running iro-desktop per vault: an OS file lock held for the process's life.

The kernel drops the lock when the process ends, even on a crash or SIGKILL,
so a stale lock never blocks the IRO.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from iro_desktop.security.errors import VaultInUseError

LOCK_NAME = "vault.lock"


class InstanceLock:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / LOCK_NAME
        self._fd: int | None = None
        self._dir_fd: int | None = None

    def acquire(self) -> None:
        self._lock_folder()
        try:
            self._lock_file()
        except BaseException:
            self._unlock_folder()
            raise

    def _lock_folder(self) -> None:
        """POSIX: lock the vault folder itself too. ``vault.lock`` can be deleted while held
        (a new file would then lock on its own); a folder holding the keystore cannot."""
        if os.name == "nt":
            return
        import fcntl

        fd = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise VaultInUseError(
                "This vault is already open in another iro-desktop window or command. "
                "Switch to that window, or close it and try again."
            ) from None
        self._dir_fd = fd

    def _unlock_folder(self) -> None:
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None

    def _lock_file(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform == "win32":  # os.name == "nt", in the form type checkers follow
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise VaultInUseError(
                "This vault is already open in another iro-desktop window or command. "
                "Switch to that window, or close it and try again."
            ) from None
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            self._unlock_folder()
            return
        if sys.platform == "win32":
            import msvcrt

            try:
                os.lseek(self._fd, 0, os.SEEK_SET)
                msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)
            except OSError:
                pass
        os.close(self._fd)  # closing the descriptor releases a flock
        self._fd = None
        self._unlock_folder()
