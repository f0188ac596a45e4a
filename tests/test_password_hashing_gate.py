"""A burst of sign-ins is answered "busy" beyond the hashing gate instead of queueing
without bound and starving every page of CPU."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from warren.accounts import passwords
from warren.accounts.passwords import (
    DUMMY_HASH,
    HASHING_NICENESS,
    limit_hashing,
    verify_password,
)
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings

from conftest import serving
from webclient import BrandClient, new_address


@pytest.fixture
def narrow_gate(settings: Settings, database_url: str, runtime: Runtime) -> Iterator[str]:
    narrow = settings.model_copy(
        update={
            "password_hashing_running": 1,
            "password_hashing_waiting": 0,
            "rate_limit_sign_in": "1000/minute",
        }
    )
    try:
        with serving(build_runtime(narrow, database_url, runtime.broker)) as url:
            yield url
    finally:
        # The gate is the process's; give the other tests theirs back.
        limit_hashing(
            settings.password_hashing_running,
            settings.password_hashing_waiting,
            settings.password_hashing_niceness,
        )


def test_a_burst_beyond_the_gate_is_told_to_come_back(narrow_gate: str, clean_db: None) -> None:
    clients = [BrandClient(narrow_gate, "songly.localhost", new_address()) for _ in range(12)]
    tokens = [client.csrf("/sign-in") for client in clients]
    start = threading.Barrier(len(clients))
    answers: list[httpx.Response] = []

    def attempt(client: BrandClient, token: str) -> None:
        start.wait()
        answers.append(
            client.post("/sign-in", data={"_csrf": token, "login": "nobody", "password": "guess"})
        )

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    busy = [answer for answer in answers if answer.status_code == 429]
    assert busy, statuses
    assert set(statuses) <= {401, 429}, statuses
    assert all(answer.headers["retry-after"] == "2" for answer in busy)
    assert "Try again in a moment" in busy[0].text
    # Once the burst is over, the next attempt is answered normally.
    later = clients[0].post(
        "/sign-in", data={"_csrf": tokens[0], "login": "nobody", "password": "guess"}
    )
    assert later.status_code == 401
    for client in clients:
        client.close()


def _niceness(thread_id: int) -> int:
    # Field 19 of /proc/<pid>/task/<tid>/stat, counted after the command name's ")".
    fields = Path(f"/proc/self/task/{thread_id}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])


def _hashing_niceness() -> int:
    """The nice value of the thread the gate runs a hash on."""
    return passwords._gate.run(lambda: _niceness(threading.get_native_id()))


LINUX_ONLY = pytest.mark.skipif(
    sys.platform != "linux",
    reason="only Linux gives each thread a nice value of its own; elsewhere warren leaves "
    "hashing at the process's priority, so there is nothing to check",
)


@LINUX_ONLY
def test_hashes_run_at_low_priority_and_pages_keep_theirs(settings: Settings) -> None:
    caller = threading.get_native_id()
    before, main_before = _niceness(caller), _niceness(os.getpid())
    assert settings.password_hashing_niceness == HASHING_NICENESS == 19
    with _gate_from(settings, niceness=settings.password_hashing_niceness):
        assert verify_password("guess", DUMMY_HASH) is False
        assert _hashing_niceness() == HASHING_NICENESS
    # The request's own thread and the process's main thread (the event loop's) keep
    # their priority: only the hashing threads yield.
    assert _niceness(caller) == before
    assert _niceness(os.getpid()) == main_before


@LINUX_ONLY
def test_ops_can_hash_at_the_pages_priority(settings: Settings) -> None:
    with _gate_from(settings, niceness=0):
        assert _hashing_niceness() == _niceness(threading.get_native_id())


@contextmanager
def _gate_from(settings: Settings, *, niceness: int) -> Iterator[None]:
    limit_hashing(1, 0, niceness)
    try:
        yield
    finally:
        limit_hashing(
            settings.password_hashing_running,
            settings.password_hashing_waiting,
            settings.password_hashing_niceness,
        )
