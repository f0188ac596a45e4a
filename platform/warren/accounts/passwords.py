"""Argon2id password hashing (cryptography's implementation) with OWASP's parameters.

OWASP's first recommended configuration: 19 MiB of memory, 2 iterations, 1 lane. Hashes
are PHC strings, so parameters travel with each hash and can be raised later. Callers run
these functions in a worker thread: a hash takes tens of milliseconds of CPU.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MEMORY_KIB = 19 * 1024
ITERATIONS = 2
LANES = 1


def _kdf() -> Argon2id:
    return Argon2id(
        salt=os.urandom(16), length=32, iterations=ITERATIONS, lanes=LANES, memory_cost=MEMORY_KIB
    )


def hash_password(password: str) -> str:
    return _kdf().derive_phc_encoded(password.encode("utf-8"))


def verify_password(password: str, encoded: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode("utf-8"), encoded)
    except InvalidKey:
        return False
    return True


# Checked against when no account matches, so a miss costs as much time as a hit.
DUMMY_HASH = hash_password("warren-timing-equaliser")
