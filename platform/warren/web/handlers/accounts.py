"""Sign up, sign in, sign out and the account page."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Response

from warren.accounts.models import User
from warren.accounts.pending_sign_in import issue_pending, read_pending
from warren.accounts.preferences import (
    ConsentContext,
    consent_history,
    set_language,
    set_marketing,
    withdraw_consents,
)
from warren.accounts.security_log import record_event
from warren.accounts.signin import (
    AccountBlocked,
    AccountThrottled,
    authenticate,
    complete_two_factor,
)
from warren.accounts.signup import SignUpForm, sign_up
from warren.accounts.two_factor import WRONG_CODE
from warren.accounts.verification import NotVerified
from warren.billing.ledger import balance
from warren.billing.orders import user_orders
from warren.db.base import utcnow
from warren.errors import InvalidInput
from warren.i18n import N_
from warren.privacy.consent import analytics_allowed, cookie_value
from warren.privacy.policy import policy_version
from warren.rights.export import latest_export
from warren.web import cookies
from warren.web.context import ENROL_PATH, RequestContext
from warren.web.forms import text
from warren.web.hashing_admission import HASHES_PASSWORD
from warren.web.redirects import safe_next
from warren.web.render import redirect, render
from warren.web.signing_in import end_browser_session, start_browser_session
from warren.web.throttle import TOO_MANY, throttled, too_many

AFTER_SIGN_IN = "/account"
CHECK_EMAIL = "/sign-up/check-email"


def after_sign_in(ctx: RequestContext, user: User, back: str) -> str:
    """Where a fresh sign-in goes: enrolment first when the tenant requires two-factor."""
    if ctx.tenant.accounts.require_two_factor and not user.has_two_factor:
        return f"{ENROL_PATH}?required=1"
    return back


class AccountController(Controller):
    @get("/sign-up", sync_to_thread=True)
    def sign_up_form(self, ctx: NamedDependency[RequestContext]) -> Response[str] | Redirect:
        if ctx.user is not None:
            return redirect(ctx, AFTER_SIGN_IN)
        return render(ctx, "sign_up.html", form=SignUpForm(), errors={})

    @post("/sign-up", sync_to_thread=True, status_code=200, opt=HASHES_PASSWORD)
    def sign_up_submit(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        data = SignUpForm(
            email=text(form, "email"),
            username=text(form, "username").strip(),
            password=text(form, "password"),
            adult=text(form, "adult") == "yes",
            policy_version=text(form, "policy_version"),
            language=ctx.language,
        )
        wait = throttled(ctx, "sign_up")
        if wait is not None:
            return too_many(
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
        self,
        ctx: NamedDependency[RequestContext],
        next: FromQuery[str] = AFTER_SIGN_IN,
        reset: FromQuery[str] = "",
        verified: FromQuery[str] = "",
    ) -> Response[str] | Redirect:
        back = safe_next(next, AFTER_SIGN_IN)
        if ctx.user is not None:
            return redirect(ctx, back)
        notice = None
        if reset == "1":
            notice = N_(
                "Your new password is set, and every device was signed out. Sign in with it."
            )
        elif verified == "1":
            notice = N_("Your email address is confirmed. Sign in to continue.")
        return render(ctx, "sign_in.html", login="", error=None, next=back, notice=notice)

    @post("/sign-in", sync_to_thread=True, status_code=200, opt=HASHES_PASSWORD)
    def sign_in_submit(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        login = text(form, "login")
        back = safe_next(text(form, "next"), AFTER_SIGN_IN)
        wait = throttled(ctx, "sign_in")
        if wait is not None:
            return too_many(
                render(ctx, "sign_in.html", 429, login=login, error=TOO_MANY, next=back), wait
            )
        try:
            user = authenticate(ctx.db, ctx.tenant, login, text(form, "password"), ctx.ip_value)
        except AccountThrottled as refused:
            # Rendered, not raised: the refusal is recorded, so this unit of work commits.
            return too_many(
                render(ctx, "sign_in.html", 429, login=login, error=refused.message, next=back),
                refused.retry_after,
            )
        except AccountBlocked as blocked:
            # Rendered, not raised, for the same reason: the refusal is recorded.
            return render(ctx, "sign_in.html", 403, login=login, error=blocked.message, next=back)
        if user is None:
            return render(
                ctx,
                "sign_in.html",
                401,
                login=login,
                error=N_("The email, username or password is wrong."),
                next=back,
            )
        if user.has_two_factor:
            return render(
                ctx,
                "sign_in_code.html",
                pending=issue_pending(ctx.keys.tokens, user.id, utcnow()),
                next=back,
                error=None,
            )
        start_browser_session(ctx, user)
        return redirect(ctx, after_sign_in(ctx, user, back))

    @post("/sign-in/code", sync_to_thread=True, status_code=200)
    def sign_in_code(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        pending = text(form, "pending")
        back = safe_next(text(form, "next"), AFTER_SIGN_IN)
        user_id = read_pending(ctx.keys.tokens, pending, utcnow())
        if user_id is None:
            return render(
                ctx,
                "sign_in.html",
                400,
                login="",
                error=N_("This sign-in took too long. Enter your password again."),
                next=back,
            )
        wait = throttled(ctx, "two_factor")
        if wait is not None:
            page = render(ctx, "sign_in_code.html", 429, pending=pending, next=back, error=TOO_MANY)
            return too_many(page, wait)
        try:
            user = complete_two_factor(
                ctx.db, ctx.tenant, ctx.keys, user_id, text(form, "code"), ctx.ip_value
            )
        except AccountThrottled as refused:
            page = render(
                ctx, "sign_in_code.html", 429, pending=pending, next=back, error=refused.message
            )
            return too_many(page, refused.retry_after)
        except AccountBlocked as blocked:
            return render(ctx, "sign_in.html", 403, login="", error=blocked.message, next=back)
        if user is None:
            return render(
                ctx, "sign_in_code.html", 401, pending=pending, next=back, error=WRONG_CODE
            )
        start_browser_session(ctx, user)
        return redirect(ctx, back)

    @post("/sign-out", sync_to_thread=True, status_code=303)
    def sign_out(self, ctx: NamedDependency[RequestContext]) -> Redirect:
        if ctx.user is not None:
            record_event(ctx.db, ctx.tenant, "sign_out", ctx.ip_value, ctx.user.id)
        end_browser_session(ctx)
        return redirect(ctx, "/")

    @get("/account", sync_to_thread=True)
    def account(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        verified: FromQuery[str] = "",
        resent: FromQuery[str] = "",
        saved: FromQuery[str] = "",
        orders_after: FromQuery[str] = "",
    ) -> Response[str]:
        return _account_page(
            ctx,
            user,
            orders_after=orders_after or None,
            notice=(
                N_("Your email address is confirmed.")
                if verified == "1"
                else N_("A new confirmation link is on its way.")
                if resent == "1"
                else N_("Saved.")
                if saved == "1"
                else None
            ),
        )

    @post("/account/preferences", sync_to_thread=True, status_code=303)
    def preferences(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        try:
            set_language(ctx.tenant, user, text(form, "language"))
            set_marketing(
                ctx.db, ctx.tenant, user, text(form, "marketing") == "yes", _consent_context(ctx)
            )
        except InvalidInput as invalid:
            return _account_page(ctx, user, 400, errors=invalid.fields)
        except NotVerified as unverified:
            return _account_page(ctx, user, 403, errors={"marketing": unverified.message})
        return redirect(ctx, "/account?saved=1")

    @post("/account/consent/withdraw", sync_to_thread=True, status_code=303)
    def withdraw(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User]
    ) -> Redirect:
        where = _consent_context(ctx)
        withdraw_consents(ctx.db, ctx.tenant, user, where)
        if ctx.tenant.analytics.consent == "opt_in":
            epoch = ctx.runtime.registry.state(ctx.tenant.slug).consent_epoch
            ctx.set_cookie(
                cookies.CONSENT,
                cookie_value(where.visitor_id, False, epoch),
                cookies.CONSENT_MAX_AGE,
            )
        return redirect(ctx, "/account?saved=1")


def _consent_context(ctx: RequestContext) -> ConsentContext:
    return ConsentContext(
        visitor_id=ctx.consent.visitor_id or uuid.uuid4(),
        policy_version=policy_version(ctx.tenant),
        ip_value=ctx.ip_value,
    )


def _account_page(
    ctx: RequestContext,
    user: User,
    status: int = 200,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    orders_after: str | None = None,
) -> Response[str]:
    return render(
        ctx,
        "account.html",
        status,
        account=user,
        balance=balance(ctx.db, ctx.tenant, user.id),
        prime_until=user.prime_until if user.has_prime(utcnow()) else None,
        analytics_on=analytics_allowed(ctx.tenant, ctx.consent),
        consents=consent_history(ctx.db, ctx.tenant, user)[:10],
        orders=user_orders(ctx.db, ctx.tenant, user.id, orders_after),
        export=latest_export(ctx.db, ctx.tenant, user),
        notice=notice,
        errors=errors or {},
    )
