"""Sign up, sign in, sign out and the account page."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.response import Redirect, Response

from warren.accounts.models import User
from warren.accounts.security_log import record_event
from warren.accounts.sessions import end_session, start_session
from warren.accounts.signin import AccountThrottled, authenticate
from warren.accounts.signup import SignUpForm, sign_up
from warren.billing.ledger import balance
from warren.billing.orders import user_orders
from warren.db.base import utcnow
from warren.privacy.policy import policy_version
from warren.web import cookies
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.redirects import safe_next
from warren.web.render import redirect, render

TOO_MANY = "Too many attempts from your network. Wait a minute and try again."
AFTER_SIGN_IN = "/account"
CHECK_EMAIL = "/sign-up/check-email"


def _throttled(ctx: RequestContext, action: str) -> int | None:
    """Seconds to wait when the network has made too many attempts, else None (and the
    attempt is counted)."""
    limiter = ctx.runtime.rate_limiter
    if limiter.hit(ctx.tenant.slug, action, ctx.rate_key):
        return None
    record_event(ctx.db, ctx.tenant, f"{action}_throttled", ctx.ip_value)
    return limiter.retry_after(ctx.tenant.slug, action, ctx.rate_key)


def _too_many(response: Response[str], retry_after: int) -> Response[str]:
    response.headers["Retry-After"] = str(retry_after)
    return response


def _start_session(ctx: RequestContext, user: User) -> None:
    """A fresh session token and CSRF secret: nothing planted before sign-in survives it."""
    end_session(ctx.db, ctx.tenant, ctx.keys.session, ctx.request_cookie(cookies.SESSION))
    cookie = start_session(ctx.db, ctx.tenant, ctx.keys.session, user)
    ctx.set_cookie(cookies.SESSION, cookie, cookies.SESSION_MAX_AGE)
    ctx.rotate_csrf()
    ctx.sign_in(user)


class AccountController(Controller):
    @get("/sign-up", sync_to_thread=True)
    def sign_up_form(self, ctx: NamedDependency[RequestContext]) -> Response[str] | Redirect:
        if ctx.user is not None:
            return redirect(ctx, AFTER_SIGN_IN)
        return render(ctx, "sign_up.html", form=SignUpForm(), errors={})

    @post("/sign-up", sync_to_thread=True, status_code=200)
    def sign_up_submit(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        data = SignUpForm(
            email=text(form, "email"),
            username=text(form, "username").strip(),
            password=text(form, "password"),
            adult=text(form, "adult") == "yes",
            policy_version=text(form, "policy_version"),
        )
        wait = _throttled(ctx, "sign_up")
        if wait is not None:
            return _too_many(
                render(ctx, "sign_up.html", 429, form=data, errors={"form": TOO_MANY}), wait
            )
        result = sign_up(ctx.db, ctx.tenant, data, policy_version(ctx.tenant), ctx.ip_value)
        if result.errors:
            status = 409 if result.conflict else 400
            return render(ctx, "sign_up.html", status, form=data, errors=result.errors)
        # The same answer whether the address was new or already had an account, and no
        # session either way: the new user signs in once the welcome email arrives.
        return redirect(ctx, CHECK_EMAIL)

    @get(CHECK_EMAIL, sync_to_thread=True)
    def check_email(self, ctx: NamedDependency[RequestContext]) -> Response[str]:
        return render(ctx, "check_email.html")

    @get("/sign-in", sync_to_thread=True)
    def sign_in_form(
        self, ctx: NamedDependency[RequestContext], next: str = AFTER_SIGN_IN
    ) -> Response[str] | Redirect:
        back = safe_next(next, AFTER_SIGN_IN)
        if ctx.user is not None:
            return redirect(ctx, back)
        return render(ctx, "sign_in.html", login="", error=None, next=back)

    @post("/sign-in", sync_to_thread=True, status_code=200)
    def sign_in_submit(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        login = text(form, "login")
        back = safe_next(text(form, "next"), AFTER_SIGN_IN)
        wait = _throttled(ctx, "sign_in")
        if wait is not None:
            return _too_many(
                render(ctx, "sign_in.html", 429, login=login, error=TOO_MANY, next=back), wait
            )
        try:
            user = authenticate(ctx.db, ctx.tenant, login, text(form, "password"), ctx.ip_value)
        except AccountThrottled as throttled:
            # Rendered, not raised: the refusal is recorded, so this unit of work commits.
            return _too_many(
                render(ctx, "sign_in.html", 429, login=login, error=throttled.message, next=back),
                throttled.retry_after,
            )
        if user is None:
            return render(
                ctx,
                "sign_in.html",
                401,
                login=login,
                error="The email, username or password is wrong.",
                next=back,
            )
        _start_session(ctx, user)
        return redirect(ctx, back)

    @post("/sign-out", sync_to_thread=True, status_code=303)
    def sign_out(self, ctx: NamedDependency[RequestContext]) -> Redirect:
        if ctx.user is not None:
            record_event(ctx.db, ctx.tenant, "sign_out", ctx.ip_value, ctx.user.id)
        end_session(ctx.db, ctx.tenant, ctx.keys.session, ctx.request_cookie(cookies.SESSION))
        ctx.expire_cookie(cookies.SESSION)
        ctx.rotate_csrf()
        ctx.sign_out()
        return redirect(ctx, "/")

    @get("/account", sync_to_thread=True)
    def account(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User]
    ) -> Response[str]:
        return render(
            ctx,
            "account.html",
            balance=balance(ctx.db, ctx.tenant, user.id),
            prime_until=user.prime_until if user.has_prime(utcnow()) else None,
            orders=user_orders(ctx.db, ctx.tenant, user.id),
        )
