"""Turning two-factor sign-in on and off from the account."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Response

from warren.accounts import two_factor
from warren.accounts.models import User
from warren.errors import InvalidInput
from warren.web.context import ENROL_PATH, RequestContext
from warren.web.forms import text
from warren.web.hashing_admission import HASHES_PASSWORD
from warren.web.render import redirect, render
from warren.web.throttle import TOO_MANY, throttled, too_many


def _page(
    ctx: RequestContext,
    user: User,
    status: int = 200,
    errors: dict[str, str] | None = None,
    required: bool = False,
) -> Response[str]:
    if user.has_two_factor:
        return render(
            ctx,
            "two_factor.html",
            status,
            enabled=True,
            codes_left=two_factor.recovery_codes_left(ctx.db, ctx.tenant, user),
            errors=errors or {},
            required=required,
        )
    enrolment = two_factor.start_enrolment(ctx.db, ctx.tenant, ctx.keys, user)
    return render(
        ctx,
        "two_factor.html",
        status,
        enabled=False,
        secret=enrolment.secret,
        qr=enrolment.qr_data_uri,
        errors=errors or {},
        required=required,
    )


class TwoFactorController(Controller):
    @get(ENROL_PATH, sync_to_thread=True)
    def page(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        required: FromQuery[str] = "",
    ) -> Response[str]:
        return _page(ctx, user, required=required == "1" or ctx.tenant.accounts.require_two_factor)

    @post(f"{ENROL_PATH}/confirm", sync_to_thread=True, status_code=200)
    def confirm(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str]:
        wait = throttled(ctx, "two_factor")
        if wait is not None:
            return too_many(_page(ctx, user, 429, {"code": TOO_MANY}), wait)
        try:
            codes = two_factor.confirm_enrolment(
                ctx.db, ctx.tenant, ctx.keys, user, text(form, "code"), ctx.ip_value
            )
        except InvalidInput as invalid:
            return _page(ctx, user, 400, invalid.fields)
        return render(ctx, "recovery_codes.html", codes=codes)

    @post(f"{ENROL_PATH}/disable", sync_to_thread=True, status_code=303, opt=HASHES_PASSWORD)
    def disable(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        if ctx.tenant.accounts.require_two_factor:
            return _page(
                ctx, user, 403, {"form": f"{ctx.tenant.name} requires two-factor sign-in."}
            )
        wait = throttled(ctx, "two_factor")
        if wait is not None:
            return too_many(_page(ctx, user, 429, {"form": TOO_MANY}), wait)
        try:
            two_factor.disable(
                ctx.db,
                ctx.tenant,
                ctx.keys,
                user,
                text(form, "current"),
                text(form, "code"),
                ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _page(ctx, user, 400, invalid.fields)
        return redirect(ctx, ENROL_PATH)
