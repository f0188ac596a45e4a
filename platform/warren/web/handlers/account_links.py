"""Pages behind the links warren emails: confirming an address, setting a new password.

Opening a link shows a page with one button; only the button (a POST) uses the link,
so a mail scanner that fetches every link in a message cannot spend it.
"""

from __future__ import annotations

import hashlib

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Response

from warren.accounts.models import User
from warren.accounts.password_reset import (
    request_reset,
    reset_address,
    reset_holder,
    reset_password,
)
from warren.accounts.verification import request_verification_email, verify_email
from warren.errors import InvalidInput
from warren.i18n import N_, translator
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.hashing_admission import HASHES_PASSWORD
from warren.web.render import redirect, render
from warren.web.signing_in import end_browser_session, start_browser_session
from warren.web.throttle import TOO_MANY, throttled, too_many

RESEND_TOO_SOON = N_("We have sent several links recently. Wait a while, then try again.")


def _address_key(email: str) -> str:
    # Rate-limit keys may sit in a shared store: an address is kept there only as a hash.
    return hashlib.sha256(email.encode()).hexdigest()


class AccountLinkController(Controller):
    @get("/verify-email", sync_to_thread=True)
    def verify_page(
        self, ctx: NamedDependency[RequestContext], token: FromQuery[str] = ""
    ) -> Response[str]:
        words = translator(ctx.language)
        return render(
            ctx,
            "link_confirm.html",
            heading=words.gettext("Confirm your email address"),
            explanation=words.gettext(
                "Confirm that this address is yours and sign in to %(brand)s.",
                brand=ctx.tenant.name,
            ),
            action="/verify-email",
            button=words.gettext("Confirm my address"),
            token=token,
        )

    @post("/verify-email", sync_to_thread=True, status_code=303)
    def verify(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Redirect:
        user = verify_email(ctx.db, ctx.tenant, ctx.keys.tokens, text(form, "token"), ctx.ip_value)
        # The link proves control of the address, not of a second factor.
        if user.has_two_factor:
            return redirect(ctx, "/sign-in?verified=1")
        if ctx.user is None or ctx.user.id != user.id:
            start_browser_session(ctx, user)
        return redirect(ctx, "/account?verified=1")

    @post("/account/verify-email/resend", sync_to_thread=True, status_code=303)
    def resend(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User]
    ) -> Response[str] | Redirect:
        if user.is_verified:
            return redirect(ctx, "/account")
        wait = throttled(ctx, "email_link", f"user:{user.id}")
        if wait is not None:
            return too_many(
                render(ctx, "error.html", 429, message=RESEND_TOO_SOON, status=429), wait
            )
        request_verification_email(ctx.db, ctx.tenant, user, ctx.ip_value)
        return redirect(ctx, "/account?resent=1")

    @get("/password-reset", sync_to_thread=True)
    def reset_request_page(self, ctx: NamedDependency[RequestContext]) -> Response[str]:
        return render(ctx, "password_reset_request.html", email="", errors={})

    @post("/password-reset", sync_to_thread=True, status_code=303)
    def reset_request(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        typed = text(form, "email")
        wait = throttled(ctx, "password_reset")
        if wait is not None:
            return too_many(
                render(
                    ctx, "password_reset_request.html", 429, email=typed, errors={"form": TOO_MANY}
                ),
                wait,
            )
        try:
            email = reset_address(typed)
        except InvalidInput as invalid:
            return render(
                ctx, "password_reset_request.html", 400, email=typed, errors=invalid.fields
            )
        # Counted per address whether or not it has an account, so the limit says nothing.
        wait = throttled(ctx, "email_link", f"reset:{_address_key(email)}")
        if wait is not None:
            return too_many(
                render(
                    ctx,
                    "password_reset_request.html",
                    429,
                    email=typed,
                    errors={"form": RESEND_TOO_SOON},
                ),
                wait,
            )
        request_reset(ctx.db, ctx.tenant, email, ctx.ip_value)
        return redirect(ctx, "/password-reset/sent")

    @get("/password-reset/sent", sync_to_thread=True)
    def reset_sent(self, ctx: NamedDependency[RequestContext]) -> Response[str]:
        return render(ctx, "password_reset_sent.html")

    @get("/password-reset/new", sync_to_thread=True)
    def new_password_page(
        self, ctx: NamedDependency[RequestContext], token: FromQuery[str] = ""
    ) -> Response[str]:
        reset_holder(ctx.db, ctx.tenant, ctx.keys.tokens, token)
        return render(ctx, "password_reset_form.html", token=token, errors={})

    @post("/password-reset/new", sync_to_thread=True, status_code=303, opt=HASHES_PASSWORD)
    def new_password(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        token = text(form, "token")
        try:
            reset_password(
                ctx.db, ctx.tenant, ctx.keys.tokens, token, text(form, "password"), ctx.ip_value
            )
        except InvalidInput as invalid:
            return render(ctx, "password_reset_form.html", 400, token=token, errors=invalid.fields)
        if ctx.user is not None:
            end_browser_session(ctx)
        return redirect(ctx, "/sign-in?reset=1")
