"""Console pages for the data-subject request queue (support and admin)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Response

from warren.admin import requests
from warren.admin.models import AdminRole
from warren.db.base import utcnow
from warren.errors import Conflict, Forbidden, InvalidInput
from warren.rights.deadlines import Jurisdiction
from warren.rights.models import RequestKind
from warren.web.admin_context import AdminPrincipal
from warren.web.context import RequestContext
from warren.web.errors import status_of
from warren.web.forms import text
from warren.web.render import redirect, render

BASE = "/admin/requests"


def _queue_page(
    ctx: RequestContext,
    admin: AdminPrincipal,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    now = utcnow()
    return render(
        ctx,
        "admin/requests.html",
        status,
        admin=admin,
        open_rows=requests.open_queue(ctx.db, ctx.tenant, now),
        closed_rows=requests.closed_recently(ctx.db, ctx.tenant, now),
        kinds=[k.value for k in RequestKind],
        jurisdictions=[j.value for j in Jurisdiction],
        errors=errors or {},
        typed=typed or {},
    )


def _request_page(
    ctx: RequestContext,
    admin: AdminPrincipal,
    request_id: uuid.UUID,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Response[str]:
    return render(
        ctx,
        "admin/request.html",
        status,
        admin=admin,
        view=requests.detail(ctx.db, ctx.tenant, request_id),
        errors=errors or {},
    )


def _act(
    ctx: RequestContext,
    admin: AdminPrincipal,
    request_id: uuid.UUID,
    action: Callable[[], None],
) -> Response[str] | Redirect:
    """Run one transition; a refused one shows the request again with the reason."""
    try:
        action()
    except InvalidInput as invalid:
        return _request_page(ctx, admin, request_id, 400, invalid.fields)
    except (Conflict, Forbidden) as refused:
        return _request_page(ctx, admin, request_id, status_of(refused), {"form": refused.message})
    return redirect(ctx, f"{BASE}/{request_id}")


class AdminRequestsController(Controller):
    path = BASE

    @get("/", sync_to_thread=True)
    def queue(
        self, ctx: NamedDependency[RequestContext], admin: NamedDependency[AdminPrincipal]
    ) -> Response[str]:
        admin.require(AdminRole.SUPPORT)
        return _queue_page(ctx, admin)

    @post("/", sync_to_thread=True, status_code=303)
    def log(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require(AdminRole.SUPPORT)
        typed = {name: text(form, name) for name in ("kind", "email", "jurisdiction")}
        try:
            logged = requests.log_email_request(
                ctx.db,
                ctx.tenant,
                typed["kind"],
                typed["email"],
                typed["jurisdiction"],
                actor=admin.actor,
                ip_value=ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _queue_page(ctx, admin, 400, invalid.fields, typed)
        return redirect(ctx, f"{BASE}/{logged.id}")

    @get("/{request_id:uuid}", sync_to_thread=True)
    def one(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        request_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        admin.require(AdminRole.SUPPORT)
        return _request_page(ctx, admin, request_id)

    @post("/{request_id:uuid}/assign", sync_to_thread=True, status_code=303)
    def assign(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        request_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require(AdminRole.SUPPORT)
        return _act(
            ctx,
            admin,
            request_id,
            lambda: requests.assign(
                ctx.db,
                ctx.tenant,
                request_id,
                text(form, "admin"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            ),
        )

    @post("/{request_id:uuid}/extend", sync_to_thread=True, status_code=303)
    def extend(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        request_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require(AdminRole.SUPPORT)
        return _act(
            ctx,
            admin,
            request_id,
            lambda: requests.extend(
                ctx.db,
                ctx.tenant,
                request_id,
                text(form, "reason"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            ),
        )

    @post("/{request_id:uuid}/verified", sync_to_thread=True, status_code=303)
    def verified(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        request_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require(AdminRole.SUPPORT)
        return _act(
            ctx,
            admin,
            request_id,
            lambda: requests.identity_verified(
                ctx.db,
                ctx.tenant,
                request_id,
                text(form, "note"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            ),
        )

    @post("/{request_id:uuid}/complete", sync_to_thread=True, status_code=303)
    def complete(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        request_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require(AdminRole.SUPPORT)
        return _act(
            ctx,
            admin,
            request_id,
            lambda: requests.complete(
                ctx.db,
                ctx.runtime.store,
                ctx.tenant,
                request_id,
                text(form, "note"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            ),
        )

    @post("/{request_id:uuid}/refuse", sync_to_thread=True, status_code=303)
    def refuse(
        self,
        ctx: NamedDependency[RequestContext],
        admin: NamedDependency[AdminPrincipal],
        request_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        admin.require(AdminRole.SUPPORT)
        return _act(
            ctx,
            admin,
            request_id,
            lambda: requests.refuse(
                ctx.db,
                ctx.tenant,
                request_id,
                text(form, "reason"),
                actor=admin.actor,
                ip_value=ctx.ip_value,
            ),
        )
