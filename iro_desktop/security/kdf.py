"""Passphrase key derivation: Argon2id with parameters stored beside the salt.

RFC 9106's low-memory profile (64 MiB, t=3, p=4) is the floor for new vaults;
at creation the iteration count is raised until one derivation takes about
half a second on this computer, so each guess at a stolen laptop's passphrase
costs the same. Parameters read back from a keystore are checked against
OWASP's minimum so a tampered file cannot weaken the KDF.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from iro_desktop.security.errors import KeystoreTamperedError

SALT_BYTES = 16
KEY_BYTES = 32

# New vaults start here (RFC 9106 second recommended option).
DEFAULT_MEMORY_KIB = 64 * 1024
DEFAULT_ITERATIONS = 3
DEFAULT_LANES = 4

# Nothing below OWASP's Argon2id minimum is ever accepted, even from a keystore.
MIN_MEMORY_KIB = 19 * 1024
MIN_ITERATIONS = 2
MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB: an edited keystore cannot make unlock exhaust memory
MAX_ITERATIONS = 64
MAX_LANES = 16


@dataclass(frozen=True, slots=True)
class KdfParams:
    salt: bytes
    memory_kib: int = DEFAULT_MEMORY_KIB
    iterations: int = DEFAULT_ITERATIONS
    lanes: int = DEFAULT_LANES

    def derive(self, passphrase: str) -> bytes:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id  # slow import: on use

        kdf = Argon2id(
            salt=self.salt,
            length=KEY_BYTES,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(passphrase.encode("utf-8"))

    def with_new_salt(self) -> "KdfParams":
        return KdfParams(os.urandom(SALT_BYTES), self.memory_kib, self.iterations, self.lanes)

    def to_dict(self) -> dict[str, object]:
        return {
            "alg": "argon2id",
            "version": 19,
            "salt": self.salt.hex(),
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
        }

    @classmethod
    def from_dict(cls, data: object) -> "KdfParams":
        try:
            assert isinstance(data, dict)
            if data["alg"] != "argon2id" or data["version"] != 19:
                raise ValueError
            params = cls(
                salt=bytes.fromhex(data["salt"]),
                memory_kib=int(data["memory_kib"]),
                iterations=int(data["iterations"]),
                lanes=int(data["lanes"]),
            )
        except (AssertionError, KeyError, TypeError, ValueError):
            raise KeystoreTamperedError("the key derivation settings are unreadable") from None
        if (
            len(params.salt) != SALT_BYTES
            or not MIN_MEMORY_KIB <= params.memory_kib <= MAX_MEMORY_KIB
            or not MIN_ITERATIONS <= params.iterations <= MAX_ITERATIONS
            or not 1 <= params.lanes <= MAX_LANES
        ):
            raise KeystoreTamperedError("the key derivation settings are outside safe limits")
        return params


def calibrate(target_seconds: float = 0.5, *, memory_kib: int = DEFAULT_MEMORY_KIB,
              lanes: int = DEFAULT_LANES) -> KdfParams:
    """Parameters whose derivation takes about ``target_seconds`` here.

    Starts from t=3 and scales the iteration count from one measured run,
    never going below the defaults.
    """
    probe = KdfParams(os.urandom(SALT_BYTES), memory_kib, DEFAULT_ITERATIONS, lanes)
    started = time.perf_counter()
    probe.derive("calibration")
    elapsed = max(time.perf_counter() - started, 1e-3)
    per_iteration = elapsed / DEFAULT_ITERATIONS
    iterations = int(target_seconds / per_iteration)
    iterations = max(DEFAULT_ITERATIONS, min(iterations, MAX_ITERATIONS))
    return KdfParams(os.urandom(SALT_BYTES), memory_kib, iterations, lanes)


def fast_test_params() -> KdfParams:
    """The weakest parameters the keystore accepts; for tests and throwaway demo vaults."""
    return KdfParams(os.urandom(SALT_BYTES), MIN_MEMORY_KIB, MIN_ITERATIONS, 1)
