"""The baseline of bench/jobs.py: a Dramatiq actor that does nothing but count, declared
on whatever broker is installed (warren's, so both drains use the same broker, queue
server and worker threads)."""

from __future__ import annotations

import threading

import dramatiq

NOOP_QUEUE = "bench-noop"

_lock = threading.Lock()
_done = [0]


@dramatiq.actor(actor_name="bench_noop", queue_name=NOOP_QUEUE, max_retries=0)
def noop(n: int) -> None:
    with _lock:
        _done[0] += 1


def done() -> int:
    with _lock:
        return _done[0]


def reset() -> None:
    with _lock:
        _done[0] = 0
