"""Sign up, sign in, sign out and the account page."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Response

from warren.accounts.security_log import record_event
from warren.accounts.sessions import end_session, start_session
from warren.accounts.signin import AccountThrottled, authenticate
from warren.accounts.signup import SignUpForm, sign_up
from warren.billing.ledger import balance
from warren.db.base import utcnow
from warren.web import cookies
from warren.web.edge import edge_context
from warren.web.forms import FormData
from warren.web.page import Page

TOO_MANY = "Too many attempts from your network. Wait a minute and try again."
CHECK_EMAIL = "/sign-up/check-email"


def _rate_key(page: Page) -> str:
    return edge_context(page.request.scope).rate_key


def _too_many(response: Response[str], retry_after: int) -> Response[str]:
    response.headers["Retry-After"] = str(retry_after)
    return response


class AccountController(Controller):
    include_in_schema = False

    @get("/sign-up", sync_to_thread=True)
    def sign_up_form(self, page: NamedDependency[Page]) -> Response[str] | Redirect:
        if page.user is not None:
            return page.redirect("/account")
        return page.render(
            "sign_up.html", form=SignUpForm(), errors={}, policy_version=page.policy_version
        )

    @post("/sign-up", sync_to_thread=True, status_code=200)
    def sign_up_submit(
        self, page: NamedDependency[Page], data: FormData
    ) -> Response[str] | Redirect:
        form = SignUpForm(
            email=data.get("email", ""),
            username=data.get("username", "").strip(),
            password=data.get("password", ""),
            adult=data.get("adult") == "yes",
            policy_version=data.get("policy_version", ""),
        )
        current = page.policy_version
        limiter, key = page.runtime.rate_limiter, _rate_key(page)
        if not limiter.hit(page.tenant.slug, "sign_up", key):
            record_event(page.db, page.tenant, "sign_up_throttled", page.ip_value)
            page.db.commit()
            return _too_many(
                page.render(
                    "sign_up.html",
                    429,
                    form=form,
                    errors={"form": TOO_MANY},
                    policy_version=current,
                ),
                limiter.retry_after(page.tenant.slug, "sign_up", key),
            )
        result = sign_up(page.db, page.tenant, form, current, page.ip_value)
        if result.errors:
            status = 409 if result.conflict else 400
            return page.render(
                "sign_up.html", status, form=form, errors=result.errors, policy_version=current
            )
        page.db.commit()
        # The same answer whether the address was new or already had an account, and no
        # session either way: the new user signs in once the welcome email arrives.
        return page.redirect(CHECK_EMAIL)

    @get(CHECK_EMAIL, sync_to_thread=True)
    def check_email(self, page: NamedDependency[Page]) -> Response[str]:
        return page.render("check_email.html")

    @get("/sign-in", sync_to_thread=True)
    def sign_in_form(self, page: NamedDependency[Page]) -> Response[str] | Redirect:
        if page.user is not None:
            return page.redirect("/account")
        return page.render("sign_in.html", login="", error=None)

    @post("/sign-in", sync_to_thread=True, status_code=200)
    def sign_in_submit(
        self, page: NamedDependency[Page], data: FormData
    ) -> Response[str] | Redirect:
        login = data.get("login", "")
        limiter, key = page.runtime.rate_limiter, _rate_key(page)
        if not limiter.hit(page.tenant.slug, "sign_in", key):
            record_event(page.db, page.tenant, "sign_in_throttled", page.ip_value)
            page.db.commit()
            return _too_many(
                page.render("sign_in.html", 429, login=login, error=TOO_MANY),
                limiter.retry_after(page.tenant.slug, "sign_in", key),
            )
        try:
            user = authenticate(
                page.db, page.tenant, login, data.get("password", ""), page.ip_value
            )
        except AccountThrottled as throttled:
            page.db.commit()
            return _too_many(
                page.render("sign_in.html", 429, login=login, error=throttled.message),
                throttled.retry_after,
            )
        if user is None:
            page.db.commit()
            return page.render(
                "sign_in.html", 401, login=login, error="The email, username or password is wrong."
            )
        # A fresh token on every sign-in: a session planted earlier is never promoted.
        end_session(
            page.db, page.tenant, page.keys.session, page.request.cookies.get(cookies.SESSION)
        )
        cookie = start_session(page.db, page.tenant, page.keys.session, user)
        page.db.commit()
        page.set_cookie(cookies.SESSION, cookie, cookies.SESSION_MAX_AGE)
        return page.redirect("/account")

    @post("/sign-out", sync_to_thread=True, status_code=303)
    def sign_out(self, page: NamedDependency[Page]) -> Redirect:
        if page.user is not None:
            record_event(page.db, page.tenant, "sign_out", page.ip_value, page.user.id)
        end_session(
            page.db, page.tenant, page.keys.session, page.request.cookies.get(cookies.SESSION)
        )
        page.db.commit()
        page.expire_cookie(cookies.SESSION)
        return page.redirect("/")

    @get("/account", sync_to_thread=True)
    def account(self, page: NamedDependency[Page]) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        return page.render(
            "account.html",
            balance=balance(page.db, page.tenant, page.user.id),
            prime_until=page.user.prime_until if page.user.has_prime(utcnow()) else None,
        )
