"""Console pages for a brand's users: search, one user, grants, erasure."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response

from warren.admin import refunds, users
from warren.admin.models import AdminRole
from warren.errors import Conflict, InvalidInput
from warren.lifecycle.erasure import AccountHeld
from warren.web.admin_context import AdminPrincipal
from warren.web.context import RequestContext
from warren.web.errors import status_of
from warren.web.forms import text
from warren.web.render import redirect, render


def _user_page(
    ctx: RequestContext,
    admin: AdminPrincipal,
    user_id: uuid.UUID,
    status: int = 200,
    errors: dict[str, str] | None = None,
    done: str = "",
) -> Response[str]:
    return render(
        ctx,
        "admin/user.html",
        status,
        admin=admin,
        view=users.view(ctx.db, ctx.tenant, user_id, actor=admin.actor, ip_value=ctx.ip_value),
        can_change=admin.can(),
        erasure_reasons=[r.value for r in users.ERASURE_REASONS],
        errors=errors or {},
        done=done,
    )


class AdminUsersController(Controller):
    path = "/admin/users"

    @get("/", sync_to_thread=True)
    def search(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        q: FromQuery[str] = "",
    ) -> Response[str]:
        admin.require(AdminRole.SUPPORT)
        found = users.search(ctx.db, ctx.tenant, q)
        return render(ctx, "admin/users.html", admin=admin, q=q, found=found)

    @get("/{user_id:uuid}", sync_to_thread=True)
    def user(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        user_id: FromPath[uuid.UUID],
        done: FromQuery[str] = "",
    ) -> Response[str]:
        admin.require(AdminRole.SUPPORT)
        return _user_page(ctx, admin, user_id, done=done)

    @post("/{user_id:uuid}/points", sync_to_thread=True, status_code=303)
    def points(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        user_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require()
        try:
            users.grant_points(
                ctx.db,
                ctx.tenant,
                user_id,
                text(form, "amount"),
                text(form, "reason"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _user_page(ctx, admin, user_id, 400, invalid.fields)
        return redirect(ctx, f"/admin/users/{user_id}?done=points")

    @post("/{user_id:uuid}/prime", sync_to_thread=True, status_code=303)
    def prime(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        user_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require()
        try:
            users.grant_prime(
                ctx.db,
                ctx.tenant,
                user_id,
                text(form, "days"),
                text(form, "reason"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _user_page(ctx, admin, user_id, 400, invalid.fields)
        return redirect(ctx, f"/admin/users/{user_id}?done=prime")

    @post("/{user_id:uuid}/erase", sync_to_thread=True, status_code=303)
    def erase(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        user_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require()
        if text(form, "confirm") != "erase":
            return _user_page(
                ctx, admin, user_id, 400, {"erase": "Tick the box to confirm the erasure."}
            )
        try:
            users.erase(
                ctx.db,
                ctx.runtime.store,
                ctx.tenant,
                user_id,
                text(form, "reason"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _user_page(ctx, admin, user_id, 400, invalid.fields)
        except AccountHeld as held:
            return _user_page(ctx, admin, user_id, status_of(held), {"erase": held.message})
        return redirect(ctx, "/admin/users?erased=1")

    @post("/{user_id:uuid}/orders/{order_id:uuid}/refund", sync_to_thread=True, status_code=303)
    def refund(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        user_id: FromPath[uuid.UUID],
        order_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require()
        try:
            refunds.refund(
                ctx.db,
                ctx.tenant,
                ctx.runtime.gateways,
                user_id,
                order_id,
                text(form, "reason"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _user_page(ctx, admin, user_id, 400, invalid.fields)
        except Conflict as refused:
            return _user_page(ctx, admin, user_id, 409, {"refund": refused.message})
        return redirect(ctx, f"/admin/users/{user_id}?done=refund")
