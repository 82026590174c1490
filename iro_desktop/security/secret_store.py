"""Where "remember on this computer" keeps its device key.

Only the operating system's own credential stores count (macOS Keychain,
Windows Credential Locker, Secret Service, KWallet). The fail, null and
file-based backends, or a chainer with nothing behind it, mean "no keyring":
the option is hidden and the passphrase is asked each session. Any error while
reading the item also falls back to the passphrase; the key is never stored
anywhere else.
"""

from __future__ import annotations

import base64
import logging
from typing import Protocol

log = logging.getLogger(__name__)

SERVICE = "iro-desktop"
_TRUSTED_BACKEND_MODULES = (
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.SecretService",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
)


class SecretStore(Protocol):
    def available(self) -> bool: ...

    def get(self, vault_id: str) -> bytes | None: ...

    def set(self, vault_id: str, secret: bytes) -> None: ...

    def delete(self, vault_id: str) -> None: ...


class MemorySecretStore:
    """An in-process store, for tests and for machines where the user opted in to nothing."""

    def __init__(self, available: bool = True) -> None:
        self._available = available
        self.items: dict[str, bytes] = {}

    def available(self) -> bool:
        return self._available

    def get(self, vault_id: str) -> bytes | None:
        return self.items.get(vault_id)

    def set(self, vault_id: str, secret: bytes) -> None:
        if not self._available:
            raise RuntimeError("no keyring")
        self.items[vault_id] = bytes(secret)

    def delete(self, vault_id: str) -> None:
        self.items.pop(vault_id, None)


def _backend_is_trusted(backend: object) -> bool:
    module = type(backend).__module__
    if module.startswith("keyring.backends.chainer"):
        inner = getattr(backend, "backends", [])
        return any(_backend_is_trusted(b) for b in inner)
    return module.startswith(_TRUSTED_BACKEND_MODULES)


class KeyringSecretStore:
    """The OS keyring through the ``keyring`` package, with every error turned into 'absent'."""

    def __init__(self) -> None:
        self._checked: bool | None = None

    def available(self) -> bool:
        if self._checked is None:
            try:
                import keyring

                self._checked = _backend_is_trusted(keyring.get_keyring())
            except Exception:  # noqa: BLE001 - any backend failure means "no keyring"
                self._checked = False
        return self._checked

    def get(self, vault_id: str) -> bytes | None:
        if not self.available():
            return None
        try:
            import keyring

            value = keyring.get_password(SERVICE, vault_id)
            if not value:
                return None
            secret = base64.b64decode(value, validate=True)
            return secret if len(secret) == 32 else None
        except Exception as exc:  # noqa: BLE001 - locked, D-Bus, garbled: use the passphrase
            log.info("keyring.read_failed kind=%s", type(exc).__name__)
            return None

    def set(self, vault_id: str, secret: bytes) -> None:
        from iro_desktop.security.errors import KeyringUnavailableError

        try:
            import keyring

            keyring.set_password(SERVICE, vault_id, base64.b64encode(secret).decode("ascii"))
        except Exception as exc:  # noqa: BLE001 - locked, D-Bus gone, service not running
            log.info("keyring.write_failed kind=%s", type(exc).__name__)
            raise KeyringUnavailableError(
                "This computer's keyring did not accept the key (it may be locked). The vault "
                "will ask for the passphrase each time.") from None

    def delete(self, vault_id: str) -> None:
        if not self.available():
            return
        try:
            import keyring

            keyring.delete_password(SERVICE, vault_id)
        except Exception as exc:  # noqa: BLE001
            log.info("keyring.delete_failed kind=%s", type(exc).__name__)
