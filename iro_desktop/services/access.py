"""The vault's session as the window sees it: unlock and lock, the passphrase, the recovery
key and the keyring, and which councils are open or damaged.

The window never holds the :class:`~iro_desktop.storage.vault.Vault` itself: the
composition root (``app.py``) wraps it in this service and hands the window the services
(:mod:`iro_desktop.services.app_services`). Importing this module costs nothing (no
SQLAlchemy, no SQLCipher): the locked window uses it before anything heavy is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iro_desktop.core.models import Council
    from iro_desktop.storage.vault import Vault


class VaultAccess:
    """Unlocking, locking and the vault's own secrets, over one open vault."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    # ---- where and whether -------------------------------------------------------------

    @property
    def folder(self) -> Path:
        """The vault's folder (shown on the unlock page)."""
        return self._vault.root

    @property
    def is_unlocked(self) -> bool:
        return self._vault.is_unlocked

    # ---- unlocking and locking -----------------------------------------------------------

    def unlock(self, passphrase: str) -> None:
        """Unlock with the passphrase; a damaged council does not stop the others opening
        (:meth:`damaged_messages` names it)."""
        self._vault.unlock(passphrase, tolerate_damaged=True)

    def unlock_with_keyring(self) -> bool:
        """Unlock with the key remembered on this computer; False if there is none usable."""
        return self._vault.unlock_with_keyring(tolerate_damaged=True)

    def unlock_with_recovery(self, recovery_key: str, new_passphrase: str) -> None:
        """Unlock with the recovery key, setting a new passphrase at the same time."""
        self._vault.unlock_with_recovery(recovery_key, new_passphrase)

    def lock(self) -> None:
        """Close every council database and forget the keys; the lock listeners run."""
        self._vault.lock()

    def add_lock_listener(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs each time the vault locks (after its databases closed)."""
        self._vault.locked_listeners.append(listener)

    def remove_lock_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._vault.locked_listeners:
            self._vault.locked_listeners.remove(listener)

    # ---- the passphrase, the recovery key and the keyring --------------------------------

    def change_passphrase(self, current: str, new: str) -> None:
        self._vault.change_passphrase(current, new)

    def new_recovery_key(self, passphrase: str) -> str:
        """A new recovery key (the old one stops working); shown once, never stored."""
        return self._vault.new_recovery_key(passphrase)

    def keyring_available(self) -> bool:
        return self._vault.keyring_available()

    @property
    def remembered(self) -> bool:
        """Whether the vault's key is remembered in this computer's keyring."""
        return self._vault.remembered

    def set_remembered(self, enabled: bool) -> None:
        self._vault.set_remembered(enabled)

    # ---- the councils ------------------------------------------------------------------

    def councils(self) -> list[Council]:
        """The councils open now (a damaged one is left out)."""
        return self._vault.councils()

    def council(self, council_id: str) -> Council:
        return self._vault.council(council_id)

    def council_by_code(self, code: str) -> Council | None:
        return self._vault.council_by_code(code)

    def damaged_messages(self) -> list[str]:
        """What is wrong with each council database found damaged this session."""
        return [str(error) for error in self._vault.damaged.values()]

    def damaged_councils(self) -> list[tuple[str, str]]:
        """(council id, the name the IRO knows it by) of every damaged council."""
        return self._vault.damaged_councils()

    def check_councils(self) -> tuple[list[str], list[tuple[str, str]]]:
        """Check every council database and seal again any changed recovery slot: the ids
        of the slots sealed again, and the damaged councils as :meth:`damaged_councils`."""
        self._vault.check()
        resealed = self._vault.repair_key_slots()
        return resealed, self._vault.damaged_councils()

    def restore_council(self, council_id: str) -> Council:
        """Put a damaged council back from its newest good snapshot (the damaged file is
        kept beside it)."""
        council, _snapshot = self._vault.restore_council(council_id)
        return council
