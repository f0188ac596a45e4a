"""Rate limits as handlers apply them: count the attempt, or say how long to wait."""

from __future__ import annotations

from litestar.response import Response

from warren.accounts.security_log import record_event
from warren.i18n import N_
from warren.web.context import RequestContext

TOO_MANY = N_("Too many attempts from your network. Wait a minute and try again.")


def throttled(ctx: RequestContext, action: str, key: str | None = None) -> int | None:
    """Seconds to wait when ``key`` (the network's rate key unless given) has made too
    many attempts, else None (and the attempt is counted)."""
    limiter = ctx.runtime.rate_limiter
    key = key or ctx.rate_key
    if limiter.hit(ctx.tenant.slug, action, key):
        return None
    record_event(ctx.db, ctx.tenant, f"{action}_throttled", ctx.ip_value)
    return limiter.retry_after(ctx.tenant.slug, action, key)


def too_many(response: Response[str], retry_after: int) -> Response[str]:
    response.headers["Retry-After"] = str(retry_after)
    return response
