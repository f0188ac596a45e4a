"""The ``admin`` dependency: who is signed in to the console on this brand's host.

Admins have their own cookie (``warren_admin``: HttpOnly, SameSite=Strict, Path=/admin,
Secure over HTTPS) and server-side sessions (warren.admin.accounts). A handler that
declares ``admin: AdminPrincipal`` is for admins only:

- nobody signed in: a GET is redirected to ``/admin/sign-in?next=…``, anything else 401;
- an admin of another brand (their cookie carried here), or a session that is not good
  here: 404 — the console of a brand one does not administer does not exist;
- ``admin.require(...)``: 403 unless the role is one of those named (ops and admin
  always pass).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.response import Redirect, Response

from warren.admin.accounts import resolve_session
from warren.admin.models import AdminRole
from warren.errors import Forbidden, NotFound
from warren.tenancy.tenant import Tenant
from warren.web.context import RequestContext, context_of
from warren.web.errors import error_response

COOKIE = "warren_admin"
COOKIE_PATH = "/admin"
SIGN_IN_PATH = "/admin/sign-in"
NOT_FOUND = "There is nothing here."


class AdminSignInRequired(Exception):
    """A console page was reached without an admin session."""


@dataclass(frozen=True)
class AdminPrincipal:
    account_id: uuid.UUID
    email: str
    role: AdminRole
    # The brand whose host the request came to (ops act for it on its host).
    tenant: Tenant
    session_id: uuid.UUID

    @property
    def actor(self) -> str:
        return f"admin:{self.email}"

    def can(self, *roles: AdminRole) -> bool:
        return self.role in (AdminRole.OPS, AdminRole.ADMIN) or self.role in roles

    def require(self, *roles: AdminRole) -> None:
        if not self.can(*roles):
            raise Forbidden("Your admin role does not include this page.")


def admin_cookie(ctx: RequestContext, value: str) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=value,
        path=COOKIE_PATH,
        secure=ctx.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def expired_admin_cookie(ctx: RequestContext) -> Cookie:
    return Cookie(
        key=COOKIE,
        value="",
        max_age=0,
        path=COOKIE_PATH,
        secure=ctx.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def current_admin(ctx: RequestContext) -> AdminPrincipal | None:
    """The admin signed in on this host, None when nobody is; raises NotFound for an
    admin of another brand."""
    found = resolve_session(
        ctx.db,
        ctx.tenant,
        ctx.runtime.keyring,
        list(ctx.runtime.registry),
        ctx.request_cookie(COOKIE),
    )
    if found is None:
        return None
    role = AdminRole(found.admin.role)
    if found.signed_for != ctx.tenant.slug or (
        role is not AdminRole.OPS and found.admin.tenant_id != ctx.tenant.slug
    ):
        raise NotFound(NOT_FOUND)
    return AdminPrincipal(
        account_id=found.admin.id,
        email=found.admin.email,
        role=role,
        tenant=ctx.tenant,
        session_id=found.session.id,
    )


def require_admin(ctx: NamedDependency[RequestContext]) -> AdminPrincipal:
    """The ``admin`` dependency."""
    admin = current_admin(ctx)
    if admin is None:
        raise AdminSignInRequired()
    return admin


def admin_sign_in_required(
    request: Request[Any, Any, Any], exc: AdminSignInRequired
) -> Response[Any]:
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        ctx = context_of(request)
        return Redirect(
            f"{SIGN_IN_PATH}?next={quote(target, safe='/')}",
            status_code=303,
            cookies=ctx.cookies if ctx else [],
        )
    return error_response(request, 401, "Sign in to the console first.")
