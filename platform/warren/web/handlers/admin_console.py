"""The console's shell: invitation acceptance, sign-in and sign-out, the dashboard."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Response

from warren.admin import accounts
from warren.admin.audit import record
from warren.admin.dashboard import counts
from warren.errors import InvalidInput
from warren.web.admin_context import (
    SIGN_IN_PATH,
    AdminPrincipal,
    admin_cookie,
    current_admin,
    expired_admin_cookie,
)
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.hashing_admission import HASHES_PASSWORD
from warren.web.redirects import safe_next
from warren.web.render import redirect, render
from warren.web.throttle import TOO_MANY, throttled, too_many


def _invitation_page(
    ctx: RequestContext, token: str, status: int = 200, errors: dict[str, str] | None = None
) -> Response[str]:
    enrolment = accounts.invitation_enrolment(ctx.db, ctx.tenant, ctx.runtime.keyring, token)
    return render(
        ctx,
        "admin/invitation.html",
        status,
        token=token,
        email=enrolment.email,
        secret=enrolment.secret,
        qr=enrolment.qr_data_uri,
        errors=errors or {},
    )


def _sign_in_page(
    ctx: RequestContext, next_path: str, status: int = 200, errors: dict[str, str] | None = None
) -> Response[str]:
    return render(
        ctx, "admin/sign_in.html", status, next=next_path, errors=errors or {}, welcome=False
    )


class AdminConsoleController(Controller):
    @get(accounts.INVITATION_PATH, sync_to_thread=True)
    def invitation(
        self, ctx: NamedDependency[RequestContext], token: FromQuery[str] = ""
    ) -> Response[str]:
        current_admin(ctx)
        return _invitation_page(ctx, token)

    @post(accounts.INVITATION_PATH, sync_to_thread=True, status_code=303, opt=HASHES_PASSWORD)
    def accept(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        current_admin(ctx)
        token = text(form, "token")
        wait = throttled(ctx, "two_factor", f"admin:{ctx.rate_key}")
        if wait is not None:
            return too_many(_invitation_page(ctx, token, 429, {"code": TOO_MANY}), wait)
        try:
            accounts.accept_invitation(
                ctx.db,
                ctx.tenant,
                ctx.runtime.keyring,
                token,
                text(form, "password"),
                text(form, "confirm"),
                text(form, "code"),
                ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _invitation_page(ctx, token, 400, invalid.fields)
        return redirect(ctx, f"{SIGN_IN_PATH}?welcome=1")

    @get(SIGN_IN_PATH, sync_to_thread=True)
    def sign_in_page(
        self,
        ctx: NamedDependency[RequestContext],
        next: FromQuery[str] = "",
        welcome: FromQuery[str] = "",
    ) -> Response[str] | Redirect:
        if current_admin(ctx) is not None:
            return redirect(ctx, safe_next(next, "/admin"))
        return render(ctx, "admin/sign_in.html", next=next, errors={}, welcome=welcome == "1")

    @post(SIGN_IN_PATH, sync_to_thread=True, status_code=303, opt=HASHES_PASSWORD)
    def sign_in(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        current_admin(ctx)
        next_path = text(form, "next")
        email = text(form, "email").strip().lower()
        for key in (f"admin:{ctx.rate_key}", f"admin-email:{email}"):
            wait = throttled(ctx, "sign_in", key)
            if wait is not None:
                return too_many(_sign_in_page(ctx, next_path, 429, {"form": TOO_MANY}), wait)
        try:
            admin = accounts.authenticate(
                ctx.db,
                ctx.tenant,
                ctx.runtime.keyring,
                email,
                text(form, "password"),
                text(form, "code"),
                ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _sign_in_page(ctx, next_path, 400, invalid.fields)
        value = accounts.start_session(ctx.db, ctx.tenant, ctx.runtime.keyring, admin)
        ctx.cookies.append(admin_cookie(ctx, value))
        ctx.rotate_csrf()
        return redirect(ctx, safe_next(next_path, "/admin"))

    @post("/admin/sign-out", sync_to_thread=True, status_code=303)
    def sign_out(
        self, ctx: NamedDependency[RequestContext], admin: NamedDependency[AdminPrincipal]
    ) -> Redirect:
        accounts.end_session(ctx.db, admin.session_id)
        record(
            ctx.db,
            ctx.tenant,
            actor=admin.actor,
            action="sign_out",
            subject=admin.actor,
            before=None,
            after=None,
            ip_value=ctx.ip_value,
        )
        ctx.cookies.append(expired_admin_cookie(ctx))
        ctx.rotate_csrf()
        return redirect(ctx, SIGN_IN_PATH)

    @get("/admin", sync_to_thread=True)
    def dashboard(
        self, ctx: NamedDependency[RequestContext], admin: NamedDependency[AdminPrincipal]
    ) -> Response[str]:
        return render(ctx, "admin/dashboard.html", admin=admin, counts=counts(ctx.db, ctx.tenant))
