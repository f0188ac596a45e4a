"""Rate limits keyed by tenant and the request's rate key (never a raw address in hashed mode)."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    def __init__(self, storage_url: str, rules: dict[str, str]) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self._rules = {action: parse(rule) for action, rule in rules.items()}

    def hit(self, tenant_slug: str, action: str, key: str) -> bool:
        """Count one attempt; False when the limit for this action is exhausted."""
        return self._limiter.hit(self._rules[action], tenant_slug, action, key)

    def retry_after(self, tenant_slug: str, action: str, key: str) -> int:
        """Whole seconds until the oldest counted attempt leaves the window."""
        stats = self._limiter.get_window_stats(self._rules[action], tenant_slug, action, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
