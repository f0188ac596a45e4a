"""Signed-in account security: password, email address, and the list of sessions."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response

from warren.accounts.credentials import change_password, confirm_email_change, request_email_change
from warren.accounts.models import User
from warren.accounts.security_log import record_event
from warren.accounts.sessions import current_session_id, end_one_session, end_sessions, sessions_of
from warren.errors import InvalidInput, NotFound
from warren.i18n import N_, translator
from warren.web import cookies
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.hashing_admission import HASHES_PASSWORD
from warren.web.render import redirect, render
from warren.web.signing_in import end_browser_session
from warren.web.throttle import TOO_MANY, throttled, too_many

EMAIL_TOO_OFTEN = N_("We have sent several links recently. Wait a while, then try again.")


def _this_session(ctx: RequestContext) -> uuid.UUID | None:
    return current_session_id(
        ctx.db, ctx.tenant, ctx.keys.session, ctx.request_cookie(cookies.SESSION)
    )


class AccountSecurityController(Controller):
    @get("/account/password", sync_to_thread=True)
    def password_page(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        saved: FromQuery[str] = "",
    ) -> Response[str]:
        return render(ctx, "account_password.html", errors={}, saved=saved == "1")

    @post("/account/password", sync_to_thread=True, status_code=303, opt=HASHES_PASSWORD)
    def password(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        # Guessing the current password here is guessing it at sign-in.
        wait = throttled(ctx, "sign_in")
        if wait is not None:
            page = render(ctx, "account_password.html", 429, errors={"form": TOO_MANY}, saved=False)
            return too_many(page, wait)
        try:
            change_password(
                ctx.db,
                ctx.tenant,
                user,
                text(form, "current"),
                text(form, "password"),
                ctx.ip_value,
                _this_session(ctx),
            )
        except InvalidInput as invalid:
            return render(ctx, "account_password.html", 400, errors=invalid.fields, saved=False)
        return redirect(ctx, "/account/password?saved=1")

    @get("/account/email", sync_to_thread=True)
    def email_page(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        sent: FromQuery[str] = "",
    ) -> Response[str]:
        return render(ctx, "account_email.html", errors={}, email="", sent=sent == "1")

    @post("/account/email", sync_to_thread=True, status_code=303, opt=HASHES_PASSWORD)
    def email(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        typed = text(form, "email")
        wait = throttled(ctx, "email_link", f"user:{user.id}")
        if wait is not None:
            page = render(
                ctx,
                "account_email.html",
                429,
                errors={"form": EMAIL_TOO_OFTEN},
                email=typed,
                sent=False,
            )
            return too_many(page, wait)
        try:
            request_email_change(
                ctx.db, ctx.tenant, user, text(form, "current"), typed, ctx.ip_value
            )
        except InvalidInput as invalid:
            return render(
                ctx, "account_email.html", 400, errors=invalid.fields, email=typed, sent=False
            )
        return redirect(ctx, "/account/email?sent=1")

    @get("/account/email/confirm", sync_to_thread=True)
    def confirm_page(
        self, ctx: NamedDependency[RequestContext], token: FromQuery[str] = ""
    ) -> Response[str]:
        words = translator(ctx.language)
        return render(
            ctx,
            "link_confirm.html",
            heading=words.gettext("Confirm your new email address"),
            explanation=words.gettext(
                "Make this the address of your %(brand)s account.", brand=ctx.tenant.name
            ),
            action="/account/email/confirm",
            button=words.gettext("Use this address"),
            token=token,
        )

    @post("/account/email/confirm", sync_to_thread=True, status_code=303)
    def confirm(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Redirect:
        confirm_email_change(ctx.db, ctx.tenant, ctx.keys.tokens, text(form, "token"), ctx.ip_value)
        return redirect(ctx, "/account?email_changed=1" if ctx.user else "/sign-in")

    @get("/account/sessions", sync_to_thread=True)
    def sessions(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User]
    ) -> Response[str]:
        return render(
            ctx,
            "account_sessions.html",
            sessions=sessions_of(ctx.db, ctx.tenant, user.id),
            current=_this_session(ctx),
        )

    @post("/account/sessions/{session_id:uuid}/end", sync_to_thread=True, status_code=303)
    def end_one(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        session_id: FromPath[uuid.UUID],
    ) -> Redirect:
        if session_id == _this_session(ctx):
            end_browser_session(ctx)
            return redirect(ctx, "/sign-in")
        if not end_one_session(ctx.db, ctx.tenant, user.id, session_id):
            raise NotFound(N_("This session has already ended."))
        record_event(ctx.db, ctx.tenant, "session_ended", ctx.ip_value, user.id)
        return redirect(ctx, "/account/sessions")

    @post("/account/sessions/end-all", sync_to_thread=True, status_code=303)
    def end_all(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User]
    ) -> Redirect:
        ended = end_sessions(ctx.db, ctx.tenant, user.id)
        record_event(
            ctx.db, ctx.tenant, "signed_out_everywhere", ctx.ip_value, user.id, sessions_ended=ended
        )
        end_browser_session(ctx)
        return redirect(ctx, "/sign-in")
