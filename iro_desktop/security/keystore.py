"""The keystore: every council's data key, wrapped, in one small JSON file.

Layout (format version 1)::

    {"format": "iro-desktop-keystore", "version": 1, "vault_id": hex,
     "kdf": {Argon2id parameters and salt},
     "check": AES-GCM(KEK, "passphrase-check")          -> tells a wrong passphrase
     "recovery_public_key": hex (X25519),
     "header_mac": HMAC(KEK, vault id, version, recovery public key, every council's id
                        and generation)
     "keyring": null | AES-GCM(device key, KEK)          -> "remember on this computer"
     "councils": [{"id": hex, "slots": {
         "passphrase": AES-GCM(KEK, DEK),
         "recovery":   sealed to the recovery public key (DEK)}}]}

Every AES-GCM slot binds, as associated data, the vault id, the council id,
the slot type and the format version, so a slot moved, swapped or edited is
rejected as tampering. The passphrase-derived key (KEK) wraps each council's
random 256-bit data key (DEK); changing the passphrase rewraps the DEKs and
never touches a database. Deleting a council's slots destroys its key
(:meth:`Keystore.erase_council`, used when a contract ends).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from iro_desktop.fsutil import atomic_write
from iro_desktop.security import recovery
from iro_desktop.security.errors import (
    KeystoreTamperedError,
    SlotAuthenticationError,
    VaultNotFoundError,
    WrongPassphraseError,
    WrongRecoveryKeyError,
)
from iro_desktop.security.kdf import KdfParams

FORMAT = "iro-desktop-keystore"
VERSION = 1
MAX_KEYSTORE_BYTES = 1_000_000
_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_CHECK_PLAINTEXT = b"iro-desktop passphrase check"


def _kdf_sum(kdf: KdfParams) -> str:
    """A plain checksum of the KDF parameters and salt: not a secret, only so that an
    edited salt is reported as damage instead of as a wrong passphrase."""
    return hashlib.sha256(json.dumps(kdf.to_dict(), sort_keys=True).encode()).hexdigest()[:32]


def new_id() -> str:
    return os.urandom(16).hex()


def new_data_key() -> bytes:
    return os.urandom(32)


def _aad(vault_id: str, council_id: str, slot: str) -> bytes:
    return f"{FORMAT}/v{VERSION}|{vault_id}|{council_id}|{slot}".encode("ascii")


def _wrap(key: bytes, plaintext: bytes, aad: bytes) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # slow import: on use

    nonce = os.urandom(12)
    return {"nonce": nonce.hex(), "ct": AESGCM(key).encrypt(nonce, plaintext, aad).hex()}


def _unwrap(key: bytes, slot: Any, aad: bytes) -> bytes:
    """Raises SlotAuthenticationError for a wrong key or an edited slot, KeystoreTamperedError
    if unreadable."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        nonce, ct = bytes.fromhex(slot["nonce"]), bytes.fromhex(slot["ct"])
    except (KeyError, TypeError, ValueError):
        raise KeystoreTamperedError("a key slot in the keystore is unreadable") from None
    if len(nonce) != 12:
        raise KeystoreTamperedError("a key slot in the keystore is unreadable")
    try:
        return AESGCM(key).decrypt(nonce, ct, aad)
    except InvalidTag:
        raise SlotAuthenticationError from None


@dataclass
class Keystore:
    """In-memory view of the keystore file; ``save()`` rewrites it atomically."""

    path: Path
    vault_id: str
    kdf: KdfParams
    check: dict[str, str]
    recovery_public_key: bytes
    header_mac: str
    keyring_slot: dict[str, str] | None = None
    councils: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The salt or cost parameters no longer match their checksum: a passphrase would fail
    # for that reason, so it is reported as damage rather than a wrong passphrase.
    kdf_damaged: bool = False

    # ---- creation and persistence -------------------------------------------------

    @classmethod
    def create(cls, path: Path, passphrase: str, kdf: KdfParams) -> tuple["Keystore", bytes, bytes]:
        """A new, empty keystore. Returns (keystore, KEK, recovery secret)."""
        vault_id = new_id()
        kek = kdf.derive(passphrase)
        secret = recovery.new_recovery_secret()
        public = recovery.public_bytes(recovery.recovery_private_key(secret, vault_id).public_key())
        store = cls(
            path=path,
            vault_id=vault_id,
            kdf=kdf,
            check=_wrap(kek, _CHECK_PLAINTEXT, _aad(vault_id, "-", "check")),
            recovery_public_key=public,
            header_mac="",
        )
        store.header_mac = store._mac(kek)
        return store, kek, secret

    @classmethod
    def load(cls, path: Path) -> "Keystore":
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_KEYSTORE_BYTES + 1)
        except FileNotFoundError:
            raise VaultNotFoundError(f"no vault was found in {path.parent}") from None
        if len(raw) > MAX_KEYSTORE_BYTES:
            raise KeystoreTamperedError("the keystore file is far larger than any real keystore")
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError
            if data.get("version") != VERSION:
                raise KeystoreTamperedError(
                    f"the keystore is format version {data.get('version')!r}; this version of "
                    f"iro-desktop reads version {VERSION}. Install the matching iro-desktop."
                )
            vault_id = data["vault_id"]
            councils: dict[str, dict[str, Any]] = {}
            for entry in data["councils"]:
                cid = entry["id"]
                if not _ID_RE.match(cid) or cid in councils:
                    raise ValueError
                slots = entry["slots"]
                if not isinstance(slots.get("passphrase"), dict) or not isinstance(
                    slots.get("recovery"), dict
                ):
                    raise ValueError
                councils[cid] = {"slots": slots}
                generation = entry.get("generation", 0)
                if not isinstance(generation, int) or isinstance(generation, bool) \
                        or generation < 0:
                    raise ValueError
                councils[cid]["generation"] = generation
                slot_mac = entry.get("slot_mac")
                if slot_mac is not None:
                    if not isinstance(slot_mac, str) or not re.fullmatch(r"[0-9a-f]{64}",
                                                                         slot_mac):
                        raise ValueError
                    councils[cid]["slot_mac"] = slot_mac
            store = cls(
                path=path,
                vault_id=vault_id,
                kdf=KdfParams.from_dict(data["kdf"]),
                check=data["check"],
                recovery_public_key=bytes.fromhex(data["recovery_public_key"]),
                header_mac=data["header_mac"],
                keyring_slot=data.get("keyring"),
                councils=councils,
            )
            if (not _ID_RE.match(vault_id) or len(store.recovery_public_key) != 32
                    or not isinstance(store.header_mac, str)
                    or not re.fullmatch(r"[0-9a-f]{64}", store.header_mac)
                    or not isinstance(store.check, dict)
                    or not (store.keyring_slot is None or isinstance(store.keyring_slot, dict))):
                raise ValueError
            kdf_sum = data.get("kdf_sum")
            if kdf_sum is not None and kdf_sum != _kdf_sum(store.kdf):
                store.kdf_damaged = True
        except KeystoreTamperedError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError,
                RecursionError):
            raise KeystoreTamperedError(
                "the keystore file is damaged or was changed outside iro-desktop"
            ) from None
        return store

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "vault_id": self.vault_id,
            "kdf": self.kdf.to_dict(),
            "kdf_sum": _kdf_sum(self.kdf),
            "check": self.check,
            "recovery_public_key": self.recovery_public_key.hex(),
            "header_mac": self.header_mac,
            "keyring": self.keyring_slot,
            "councils": [{"id": cid, **entry} for cid, entry in self.councils.items()],
        }
        return json.dumps(data, indent=1).encode("utf-8")

    def save(self) -> None:
        atomic_write(self.path, self.to_json())

    # ---- unlocking ------------------------------------------------------------------

    def _mac(self, kek: bytes) -> str:
        mac_key = hashlib.sha256(b"iro-desktop header mac|" + kek).digest()
        councils = ",".join(f"{cid}:{self.generation(cid)}" for cid in sorted(self.councils))
        body = (f"{FORMAT}|{VERSION}|{self.vault_id}|{self.recovery_public_key.hex()}|"
                f"{councils}")
        if any("slot_mac" in entry for entry in self.councils.values()):
            # Keystores written before slot MACs existed verify as they were.
            body += "|slots:" + ",".join(f"{cid}:{self.councils[cid].get('slot_mac', '')}"
                                         for cid in sorted(self.councils))
        return hmac.new(mac_key, body.encode(), hashlib.sha256).hexdigest()

    def _slot_mac(self, kek: bytes, council_id: str) -> str:
        """HMAC (keyed from the KEK) over a council's two slots exactly as stored: the
        recovery slot cannot be checked without the recovery key, so this is what tells an
        edited one apart before the day it is needed."""
        mac_key = hashlib.sha256(b"iro-desktop slot mac|" + kek).digest()
        slots = json.dumps(self.councils[council_id]["slots"], sort_keys=True)
        return hmac.new(mac_key, f"{self.vault_id}|{council_id}|{slots}".encode(),
                        hashlib.sha256).hexdigest()

    def slot_problems(self, kek: bytes) -> dict[str, str]:
        """Councils whose key slots no longer match their MAC (checked by ``check``)."""
        problems: dict[str, str] = {}
        for cid, entry in self.councils.items():
            stored = entry.get("slot_mac")
            if stored is not None and not hmac.compare_digest(stored, self._slot_mac(kek, cid)):
                problems[cid] = ("its key slots in the keystore were changed outside "
                                 "iro-desktop: the recovery key would not open it")
        return problems

    def reseal_recovery_slot(self, council_id: str, dek: bytes, kek: bytes) -> None:
        """Seal a council's data key to the recovery public key again (the key came from
        the verified passphrase slot) and seal its slots' MAC."""
        self.councils[council_id]["slots"]["recovery"] = recovery.seal(
            self.recovery_public_key, dek, _aad(self.vault_id, council_id, "recovery"))
        self.councils[council_id]["slot_mac"] = self._slot_mac(kek, council_id)
        self.header_mac = self._mac(kek)

    def _seal_slots(self, kek: bytes, council_ids: Any = None) -> None:
        """Record the slot MAC of the given councils (default: those that have none yet)."""
        for cid in self.councils:
            if (council_ids is None and "slot_mac" not in self.councils[cid]) or (
                    council_ids is not None and cid in council_ids):
                self.councils[cid]["slot_mac"] = self._slot_mac(kek, cid)


    def derive_kek(self, passphrase: str) -> bytes:
        """Derive and verify the key-encryption key; raises WrongPassphraseError."""
        if self.kdf_damaged:
            raise KeystoreTamperedError(
                "the keystore's key-derivation settings (its salt or cost) were changed "
                "outside iro-desktop, so no passphrase can open it. Put back the keystore from "
                "a backup of the vault folder.")
        kek = self.kdf.derive(passphrase)
        self.verify_kek(kek)
        return kek

    def verify_kek(self, kek: bytes) -> None:
        try:
            ok = _unwrap(kek, self.check, _aad(self.vault_id, "-", "check")) == _CHECK_PLAINTEXT
        except SlotAuthenticationError:
            ok = False
        if not ok:
            raise WrongPassphraseError("That passphrase is not right for this vault.")
        if not hmac.compare_digest(self.header_mac, self._mac(kek)):
            raise KeystoreTamperedError(
                "the keystore's recovery settings or council list were changed outside "
                "iro-desktop"
            )

    def unwrap_all(self, kek: bytes) -> dict[str, bytes]:
        """Every council's data key, using a verified KEK."""
        keys: dict[str, bytes] = {}
        for cid, entry in self.councils.items():
            try:
                keys[cid] = _unwrap(kek, entry["slots"]["passphrase"],
                                    _aad(self.vault_id, cid, "passphrase"))
            except SlotAuthenticationError:
                raise KeystoreTamperedError(
                    "a council's key slot in the keystore was changed outside iro-desktop"
                ) from None
        return keys

    def unwrap_all_with_recovery(self, recovery_text: str) -> dict[str, bytes]:
        """Every council's data key from the recovery key (raises on format or wrong key)."""
        secret = recovery.parse_recovery_key(recovery_text)
        private = recovery.recovery_private_key(secret, self.vault_id)
        if recovery.public_bytes(private.public_key()) != self.recovery_public_key:
            raise WrongRecoveryKeyError("That recovery key does not belong to this vault.")
        keys: dict[str, bytes] = {}
        bad: list[str] = []
        for cid, entry in self.councils.items():
            try:
                keys[cid] = recovery.unseal(private, entry["slots"]["recovery"],
                                            _aad(self.vault_id, cid, "recovery"))
            except (SlotAuthenticationError, KeyError, TypeError, ValueError):
                bad.append(f"{cid}.db")
        if bad:
            raise KeystoreTamperedError(
                f"the recovery slot of {len(bad)} of {len(self.councils)} council(s) in the "
                f"keystore was changed outside iro-desktop ({', '.join(bad)}); the recovery "
                "key is right. Unlock with the passphrase and run 'iro-desktop restore' to "
                "seal those slots again, or put back the keystore from a backup.")
        return keys

    # ---- changes (caller saves) -----------------------------------------------------

    def generation(self, council_id: str) -> int:
        """How many times the council's database was closed cleanly, as last recorded."""
        return int(self.councils.get(council_id, {}).get("generation", 0))

    def set_generation(self, council_id: str, generation: int) -> None:
        """Record a council's generation; call :meth:`reseal` with the KEK before saving."""
        if council_id in self.councils:
            self.councils[council_id]["generation"] = generation

    def reseal(self, kek: bytes) -> None:
        """Recompute the MAC over the header and the council list after a change."""
        self._seal_slots(kek)
        self.header_mac = self._mac(kek)

    def add_council(self, council_id: str, dek: bytes, kek: bytes) -> None:
        if not _ID_RE.match(council_id) or council_id in self.councils:
            raise ValueError("bad or duplicate council id")
        self.councils[council_id] = {
            "slots": {
                "passphrase": _wrap(kek, dek, _aad(self.vault_id, council_id, "passphrase")),
                "recovery": recovery.seal(self.recovery_public_key, dek,
                                          _aad(self.vault_id, council_id, "recovery")),
            }
        }
        self._seal_slots(kek, {council_id})
        self.header_mac = self._mac(kek)

    def remove_council(self, council_id: str) -> None:
        """Forget a council's entry in memory (undoing an unsaved :meth:`add_council`)."""
        self.councils.pop(council_id, None)

    def erase_council(self, council_id: str, kek: bytes) -> None:
        """Destroy a council's data key: both its slots go, and the header MAC is recomputed
        over the remaining councils so the file still verifies. The caller saves; the atomic
        rewrite replaces the only file that held the wrapped key."""
        if council_id not in self.councils:
            raise ValueError("no such council in the keystore")
        self.verify_kek(kek)
        del self.councils[council_id]
        self.header_mac = self._mac(kek)

    def rewrap(self, new_passphrase: str, deks: dict[str, bytes], kdf: KdfParams) -> bytes:
        """New salt and KEK; every passphrase slot rewrapped. Returns the new KEK."""
        kek = kdf.derive(new_passphrase)
        self.kdf = kdf
        self.check = _wrap(kek, _CHECK_PLAINTEXT, _aad(self.vault_id, "-", "check"))
        for cid, dek in deks.items():
            self.councils[cid]["slots"]["passphrase"] = _wrap(
                kek, dek, _aad(self.vault_id, cid, "passphrase"))
            self.councils[cid]["slots"]["recovery"] = recovery.seal(  # a fresh, sound one
                self.recovery_public_key, dek, _aad(self.vault_id, cid, "recovery"))
        self._seal_slots(kek, set(deks))
        self.header_mac = self._mac(kek)
        self.keyring_slot = None  # the remembered key belonged to the old passphrase
        return kek

    def new_recovery(self, kek: bytes, deks: dict[str, bytes]) -> bytes:
        """Replace the recovery key; the old one stops working. Returns the new secret."""
        secret = recovery.new_recovery_secret()
        self.recovery_public_key = recovery.public_bytes(
            recovery.recovery_private_key(secret, self.vault_id).public_key())
        for cid, dek in deks.items():
            self.councils[cid]["slots"]["recovery"] = recovery.seal(
                self.recovery_public_key, dek, _aad(self.vault_id, cid, "recovery"))
        self._seal_slots(kek, set(deks))
        self.header_mac = self._mac(kek)
        return secret

    # ---- "remember on this computer" ------------------------------------------------

    def set_keyring_slot(self, device_key: bytes, kek: bytes) -> None:
        self.keyring_slot = _wrap(device_key, kek, _aad(self.vault_id, "-", "keyring"))

    def kek_from_device_key(self, device_key: bytes) -> bytes:
        if self.keyring_slot is None:
            raise WrongPassphraseError("this vault is not remembered on this computer")
        if len(device_key) != 32:
            raise WrongPassphraseError("the key remembered on this computer is damaged")
        try:
            kek = _unwrap(device_key, self.keyring_slot, _aad(self.vault_id, "-", "keyring"))
        except SlotAuthenticationError:
            raise WrongPassphraseError("the key remembered on this computer no longer fits") from None
        self.verify_kek(kek)
        return kek
