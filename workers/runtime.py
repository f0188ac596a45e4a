"""The worker process's runtime, built on first use from the same settings as the web."""

from __future__ import annotations

import threading

import dramatiq

from warren.runtime import Runtime, build_runtime
from warren.settings import get_settings

_lock = threading.Lock()
_runtime: list[Runtime] = []


def get_runtime() -> Runtime:
    with _lock:
        if not _runtime:
            settings = get_settings()
            if not settings.database_url:
                raise RuntimeError("workers need DATABASE_URL (warren worker sets it)")
            runtime = build_runtime(settings, settings.database_url, dramatiq.get_broker())
            # Actors read the brand's published configuration in force, as the web does.
            runtime.watch_registry()
            _runtime.append(runtime)
        return _runtime[0]


def use_runtime(runtime: Runtime) -> None:
    """Tests hand their runtime to the actors."""
    with _lock:
        _runtime[:] = [runtime]
