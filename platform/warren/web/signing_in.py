"""Starting a signed-in browser session: the one way a handler signs a user in."""

from __future__ import annotations

from warren.accounts.models import User
from warren.accounts.sessions import end_session, start_session
from warren.accounts.signin import AccountBlocked
from warren.web import cookies
from warren.web.context import RequestContext


def start_browser_session(ctx: RequestContext, user: User) -> None:
    """A fresh session token and CSRF secret: nothing planted before sign-in survives it.
    A blocked account gets none, whichever way it got here (an emailed link included)."""
    if user.blocked_at is not None:
        raise AccountBlocked(ctx.tenant)
    end_session(ctx.db, ctx.tenant, ctx.keys.session, ctx.request_cookie(cookies.SESSION))
    cookie = start_session(ctx.db, ctx.tenant, ctx.keys.session, user)
    ctx.set_cookie(cookies.SESSION, cookie, cookies.SESSION_MAX_AGE)
    ctx.rotate_csrf()
    ctx.sign_in(user)


def end_browser_session(ctx: RequestContext) -> None:
    end_session(ctx.db, ctx.tenant, ctx.keys.session, ctx.request_cookie(cookies.SESSION))
    ctx.expire_cookie(cookies.SESSION)
    ctx.rotate_csrf()
    ctx.sign_out()
