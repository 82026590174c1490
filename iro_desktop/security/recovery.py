"""The recovery key: 256 random bits shown once, written as grouped base32.

The text carries a 24-bit checksum so a typing mistake is told apart from a
wrong key. HKDF-SHA256 turns the bits into an X25519 private key; the keystore
holds only the public half, so the app can wrap a new council's data key for
recovery without ever holding the recovery secret again.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re

from typing import TYPE_CHECKING

from iro_desktop.security.errors import SlotAuthenticationError

if TYPE_CHECKING:  # cryptography is imported where it is used: it is slow to import
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

SECRET_BYTES = 32
CHECK_BYTES = 3
GROUP = 4
_TYPO_FIXES = str.maketrans({"0": "O", "1": "I", "8": "B"})


class RecoveryKeyFormatError(ValueError):
    """The text is not a recovery key (wrong length, letters or checksum)."""


def new_recovery_secret() -> bytes:
    return os.urandom(SECRET_BYTES)


def format_recovery_key(secret: bytes) -> str:
    """``ABCD-EFGH-...``: 56 base32 letters in 14 groups of four."""
    check = hashlib.sha256(secret).digest()[:CHECK_BYTES]
    text = base64.b32encode(secret + check).decode("ascii")
    return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))


def parse_recovery_key(text: str) -> bytes:
    cleaned = re.sub(r"[\s\-_.]", "", text).upper().translate(_TYPO_FIXES)
    expected_len = (SECRET_BYTES + CHECK_BYTES) * 8 // 5
    if len(cleaned) != expected_len:
        raise RecoveryKeyFormatError(
            f"a recovery key has {expected_len} letters and digits; this has {len(cleaned)}"
        )
    try:
        raw = base64.b32decode(cleaned)
    except ValueError:
        raise RecoveryKeyFormatError("a recovery key uses only the letters A-Z and digits 2-7") from None
    secret, check = raw[:SECRET_BYTES], raw[SECRET_BYTES:]
    if hashlib.sha256(secret).digest()[:CHECK_BYTES] != check:
        raise RecoveryKeyFormatError("the recovery key has a typing mistake: check each group")
    return secret


def _hkdf(material: bytes, salt: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


def recovery_private_key(secret: bytes, vault_id: str) -> X25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    seed = _hkdf(secret, bytes.fromhex(vault_id), b"iro-desktop recovery x25519 v1")
    return X25519PrivateKey.from_private_bytes(seed)


def public_bytes(key: X25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def seal(public_key: bytes, plaintext: bytes, aad: bytes) -> dict[str, str]:
    """Encrypt ``plaintext`` so only the holder of the recovery key can open it."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = X25519PrivateKey.generate()
    epk = public_bytes(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    wrap_key = _hkdf(shared, epk + public_key, b"iro-desktop recovery wrap v1")
    nonce = os.urandom(12)
    ct = AESGCM(wrap_key).encrypt(nonce, plaintext, aad)
    return {"epk": epk.hex(), "nonce": nonce.hex(), "ct": ct.hex()}


def unseal(private_key: X25519PrivateKey, slot: dict[str, str], aad: bytes) -> bytes:
    """Open a sealed slot; raises SlotAuthenticationError on a wrong key or tamper."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    epk = bytes.fromhex(slot["epk"])
    own_public = public_bytes(private_key.public_key())
    shared = private_key.exchange(X25519PublicKey.from_public_bytes(epk))
    wrap_key = _hkdf(shared, epk + own_public, b"iro-desktop recovery wrap v1")
    try:
        return AESGCM(wrap_key).decrypt(bytes.fromhex(slot["nonce"]), bytes.fromhex(slot["ct"]),
                                        aad)
    except InvalidTag:
        raise SlotAuthenticationError from None
