"""Typed errors of the vault. Messages are written for the IRO and hold no child data."""

from __future__ import annotations

# The base class is in the core (the export raises it too); every module imports it from here
# with the rest of the vault's errors.
from iro_desktop.core.errors import VaultError as VaultError


class SlotAuthenticationError(Exception):
    """A wrapped key failed AES-GCM authentication: wrong key, or the slot was edited.
    Internal: callers turn it into WrongPassphraseError or KeystoreTamperedError."""


class VaultNotFoundError(VaultError):
    code = "vault.not_found"


class VaultExistsError(VaultError):
    code = "vault.exists"


class VaultInUseError(VaultError):
    code = "vault.in_use"


class WrongPassphraseError(VaultError):
    code = "vault.wrong_passphrase"


class WrongRecoveryKeyError(VaultError):
    code = "vault.wrong_recovery_key"


class KeystoreTamperedError(VaultError):
    """The keystore file was changed outside the app, truncated or damaged."""

    code = "vault.keystore_tampered"


class DatabaseTamperedError(VaultError):
    """A council database failed its authentication check (tampering or corruption)."""

    code = "vault.database_tampered"

    def __init__(self, message: str, *, council_code: str = "", pages: tuple[int, ...] = ()):
        super().__init__(message)
        self.council_code = council_code
        self.pages = pages


class VaultLockedError(VaultError):
    code = "vault.locked"


class WeakPassphraseError(VaultError):
    code = "vault.weak_passphrase"


class KeyringUnavailableError(VaultError):
    code = "vault.keyring_unavailable"


class StorageFullError(VaultError):
    code = "vault.disk_full"
