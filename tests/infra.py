"""Helpers for tests that watch another process work: waiting on a condition."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], bool], timeout: float, explain: Callable[[], str] | None = None
) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds, saying why."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not reached within {timeout}s" + (f": {explain()}" if explain else "")
            )
        time.sleep(0.1)
