"""Rate limits keyed by tenant and the request's rate key (never a raw address in hashed mode)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    """Moving windows: an attempt counts while it is younger than the rule's period.

    ``memory://`` is kept by ``LocalWindows`` in this process; any other URL (``redis://``)
    goes to limits' storage for it, shared between processes.
    """

    def __init__(self, storage_url: str, rules: dict[str, str]) -> None:
        self._rules = {action: parse(rule) for action, rule in rules.items()}
        self._local = LocalWindows() if storage_url.startswith("memory://") else None
        self._shared = (
            None if self._local else MovingWindowRateLimiter(storage_from_string(storage_url))
        )

    def hit(self, tenant_slug: str, action: str, key: str) -> bool:
        """Count one attempt; False when the limit for this action is exhausted."""
        rule = self._rules[action]
        if self._local is not None:
            return self._local.hit(_local_key(tenant_slug, action, key), rule.amount, _period(rule))
        assert self._shared is not None
        return self._shared.hit(rule, tenant_slug, action, key)

    def retry_after(self, tenant_slug: str, action: str, key: str) -> int:
        """Whole seconds until the oldest counted attempt leaves the window."""
        rule = self._rules[action]
        if self._local is not None:
            wait = self._local.seconds_until_oldest_leaves(
                _local_key(tenant_slug, action, key), _period(rule)
            )
        else:
            assert self._shared is not None
            stats = self._shared.get_window_stats(rule, tenant_slug, action, key)
            wait = stats.reset_time - time.time()
        return max(1, math.ceil(wait))


def _local_key(tenant_slug: str, action: str, key: str) -> str:
    return f"{tenant_slug}/{action}/{key}"


def _period(rule: RateLimitItem) -> float:
    return float(rule.get_expiry())


class LocalWindows:
    """Moving windows kept in this process's memory.

    Why not limits' own memory storage: it keeps an entry for every key it has ever
    seen and re-scans all of them from a timer thread every 10 ms while attempts come
    in. Each sign-in from a new address is a new key, so a burst from many addresses
    left the scan holding the GIL for milliseconds at a time, pages waiting behind it
    (20,000 keys: 12.7 ms a scan), and the memory never came back.

    Here the keys of each period sit in insertion order of their latest counted hit, so
    the keys whose last hit has left its window are always at the front, and each hit
    drops those first: every key is dropped once, at constant cost, with no thread.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_period: dict[float, OrderedDict[str, deque[float]]] = {}

    def __len__(self) -> int:
        """Keys currently tracked (those with a hit inside their window, or not yet dropped)."""
        with self._lock:
            return sum(len(keys) for keys in self._by_period.values())

    def hit(self, key: str, amount: int, period: float) -> bool:
        now = self._clock()
        cutoff = now - period
        with self._lock:
            keys = self._by_period.setdefault(period, OrderedDict())
            while keys:
                oldest = next(iter(keys.values()))
                if oldest[-1] > cutoff:
                    break
                keys.popitem(last=False)
            hits = keys.get(key)
            if hits is not None:
                while hits[0] <= cutoff:
                    hits.popleft()
            if len(hits or ()) >= amount:
                return False
            if hits is None:
                hits = keys[key] = deque()
            else:
                keys.move_to_end(key)
            hits.append(now)
            return True

    def seconds_until_oldest_leaves(self, key: str, period: float) -> float:
        now = self._clock()
        with self._lock:
            keys = self._by_period.get(period)
            hits = keys.get(key, ()) if keys is not None else ()
            live = [moment for moment in hits if moment > now - period]
        return live[0] + period - now if live else 0.0
