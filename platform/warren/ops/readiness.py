"""Whether this process can do its work: the database, the broker and object storage
each answer within a deadline. ``/readyz`` serves it; a load balancer stops sending
requests to a process that is not ready, without restarting it (that is ``/healthz``)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from dramatiq import Broker
from sqlalchemy import Engine, text

from warren.queue.broker import ping_broker
from warren.storage.base import ObjectStore

# A key no object is stored under: asking whether it exists exercises the store.
PROBE_KEY = "readyz/probe"


def _database(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def problems(engine: Engine, broker: Broker, store: ObjectStore, timeout: float) -> dict[str, str]:
    """Part name → what is wrong with it; empty when every part answered."""
    checks: dict[str, Callable[[], object]] = {
        "database": lambda: _database(engine),
        "broker": lambda: ping_broker(broker, timeout),
        "storage": lambda: store.exists(PROBE_KEY),
    }
    found: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    try:
        futures = {name: pool.submit(check) for name, check in checks.items()}
        wait(futures.values(), timeout=timeout)
        for name, future in futures.items():
            if not future.done():
                found[name] = f"did not answer within {timeout:g} s"
            elif (error := future.exception()) is not None:
                # The class, not the message: messages may carry hosts or credentials.
                found[name] = f"unreachable ({type(error).__name__})"
    finally:
        # A hung check must not hold the answer; its thread ends when its call times out.
        pool.shutdown(wait=False)
    return found
