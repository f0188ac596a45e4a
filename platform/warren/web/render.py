"""Turning a handler's outcome into a response: a page of the tenant's templates, or a
redirect. Cookies the context collected (rotations, expiries) ride along on both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.response import Redirect, Response

from warren.i18n import negotiate
from warren.privacy.consent import ConsentState, analytics_allowed, parse_cookie
from warren.privacy.policy import policy_version
from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant
from warren.web.context import RequestContext, Viewer
from warren.web.cookies import CONSENT, LANGUAGE
from warren.web.csrf import FIELD
from warren.web.edge import edge_context_or_none
from warren.web.templating import Templates

# Litestar appends "; charset=utf-8" to text types itself.
HTML = "text/html"


@dataclass(frozen=True)
class SiteNotice:
    """A material change the brand announces on every page (policy.changes.notify_by)."""

    version: int
    day: str
    upcoming: bool


def site_notice(registry: Registry, tenant: Tenant) -> SiteNotice | None:
    state = registry.state(tenant.slug)
    if state.notice_version is None or state.notice_effective_at is None:
        return None
    at = state.notice_effective_at
    return SiteNotice(
        version=state.notice_version,
        day=f"{at:%B} {at.day}, {at.year}",
        upcoming=at > datetime.now(UTC),
    )


def _page_vars(
    tenant: Tenant,
    viewer: Viewer | None,
    consent: ConsentState,
    csrf_token: str,
    nonce: str,
    path: str,
    notice: SiteNotice | None = None,
) -> dict[str, Any]:
    """What every template may use."""
    return {
        "site_notice": notice,
        "user": viewer,
        "consent": consent,
        "analytics_allowed": analytics_allowed(tenant, consent),
        "csrf_token": csrf_token,
        "csrf_field": FIELD,
        "csp_nonce": nonce,
        "path": path,
        "policy_version": policy_version(tenant),
    }


def render(
    ctx: RequestContext, template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    page = _page_vars(
        ctx.tenant,
        ctx.viewer,
        ctx.consent,
        ctx.csrf_token,
        ctx.nonce,
        ctx.path,
        site_notice(ctx.runtime.registry, ctx.tenant),
    )
    html = ctx.templates.render(ctx.tenant, template, {**page, **context}, ctx.language)
    return Response(
        html,
        status_code=status_code,
        media_type=HTML,
        cookies=ctx.cookies,
        headers={"Cache-Control": "no-store"},
    )


def render_without_context(
    request: Request[Any, Any, Any], template: str, status_code: int, **context: Any
) -> Response[str] | None:
    """A page for a request that never got a context (no route matched, or it failed
    before one was built): the brand's look, nobody signed in. None outside a tenant."""
    edge = edge_context_or_none(request.scope)
    if edge is None:
        return None
    registry: Registry = request.app.state.runtime.registry
    consent = parse_cookie(
        request.cookies.get(CONSENT),
        request.headers.get("sec-gpc") == "1",
        registry.state(edge.tenant.slug).consent_epoch,
    )
    templates: Templates = request.app.state.templates
    page = _page_vars(edge.tenant, None, consent, "", edge.nonce, request.url.path)
    language = negotiate(
        edge.tenant.languages,
        user_choice=None,
        cookie=request.cookies.get(LANGUAGE),
        accept_language=request.headers.get("accept-language"),
    )
    html = templates.render(edge.tenant, template, {**page, **context}, language)
    return Response(
        html, status_code=status_code, media_type=HTML, headers={"Cache-Control": "no-store"}
    )


def render_preview(
    ctx: RequestContext, tenant: Tenant, template: str, **context: Any
) -> Response[str]:
    """A brand page as a first-time visitor would see it if ``tenant`` (a draft
    configuration) were in force: banner or notice included, no analytics loaded."""
    first_visit = ConsentState(None, None, gpc=False)
    page = _page_vars(tenant, None, first_visit, ctx.csrf_token, ctx.nonce, ctx.path)
    page["analytics_allowed"] = False
    html = ctx.templates.render(tenant, template, {**page, "preview": True, **context})
    return Response(
        html,
        status_code=200,
        media_type=HTML,
        cookies=ctx.cookies,
        headers={"Cache-Control": "no-store"},
    )


def redirect(ctx: RequestContext, path: str) -> Redirect:
    # 303 so that a POST is followed by a GET.
    return Redirect(path, status_code=303, cookies=ctx.cookies)
