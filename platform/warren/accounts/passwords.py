"""Argon2id password hashing (cryptography's implementation) with OWASP's parameters.

OWASP's first recommended configuration: 19 MiB of memory, 2 iterations, 1 lane. Hashes
are PHC strings, so parameters travel with each hash and can be raised later. Callers run
these functions in a worker thread: a hash takes tens of milliseconds of CPU.

A burst of sign-ins must not starve every other page of CPU, so hashing is gated: at
most ``running`` hashes at once (by default one per core, less one left for pages), at
most ``waiting`` more queued behind them, and anything beyond is turned away at once
with "busy, try again in a moment" (a RateLimited: 429 with Retry-After) instead of
piling up.

The hashes run on threads of their own whose scheduling priority is lowered (Linux
schedules each thread apart; a nice value of 19, the default of
``WARREN_PASSWORD_HASHING_NICENESS``, weighs about 1/70 of a default thread).
Argon2id releases the GIL, so while pages need the CPU they take it from hashing at
once instead of sharing it half and half; an idle machine still hashes at full speed.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from warren.errors import RateLimited
from warren.i18n import N_
from warren.settings import hashing_slots

MEMORY_KIB = 19 * 1024
ITERATIONS = 2
LANES = 1


T = TypeVar("T")


class HashingBusy(RateLimited):
    def __init__(self) -> None:
        super().__init__(N_("Many people are signing in right now. Try again in a moment."), 2)


HASHING_NICENESS = 19


def _lower_own_priority(niceness: int) -> None:
    # Elsewhere PRIO_PROCESS would name the whole process, pages included.
    if sys.platform == "linux" and niceness:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


class _Gate:
    def __init__(self, running: int, waiting: int, niceness: int = HASHING_NICENESS) -> None:
        self.hashers = ThreadPoolExecutor(
            max_workers=running,
            thread_name_prefix="warren-hashing",
            initializer=_lower_own_priority,
            initargs=(niceness,),
        )
        self.admitted = threading.BoundedSemaphore(running + waiting)

    def run(self, work: Callable[[], T]) -> T:
        if not self.admitted.acquire(blocking=False):
            raise HashingBusy()
        try:
            return self.hashers.submit(work).result()
        finally:
            self.admitted.release()


_gate = _Gate(running=hashing_slots(), waiting=16 * hashing_slots())


def limit_hashing(running: int, waiting: int, niceness: int = HASHING_NICENESS) -> None:
    """Set the process's hashing gate (from settings, when a runtime is built)."""
    global _gate
    # Not shut down: a request may hold the old gate between reading it and handing it
    # a hash. Once nothing refers to it, its executor is collected and its threads exit.
    _gate = _Gate(running, waiting, niceness)


def _kdf() -> Argon2id:
    return Argon2id(
        salt=os.urandom(16), length=32, iterations=ITERATIONS, lanes=LANES, memory_cost=MEMORY_KIB
    )


def hash_password(password: str) -> str:
    return _gate.run(lambda: _kdf().derive_phc_encoded(password.encode("utf-8")))


def verify_password(password: str, encoded: str) -> bool:
    return _gate.run(lambda: _verify(password, encoded))


def _verify(password: str, encoded: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode("utf-8"), encoded)
    except InvalidKey:
        return False
    return True


# Checked against when no account matches, so a miss costs as much time as a hit.
DUMMY_HASH = _kdf().derive_phc_encoded(b"warren-timing-equaliser")
