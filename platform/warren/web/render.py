"""Turning a handler's outcome into a response: a page of the tenant's templates, or a
redirect. Cookies the context collected (rotations, expiries) ride along on both."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Redirect, Response

from warren.privacy.consent import analytics_allowed, parse_cookie
from warren.privacy.policy import policy_version
from warren.web.context import RequestContext
from warren.web.cookies import CONSENT
from warren.web.csrf import FIELD
from warren.web.edge import edge_context_or_none
from warren.web.templating import Templates

# Litestar appends "; charset=utf-8" to text types itself.
HTML = "text/html"


def page_context(ctx: RequestContext) -> dict[str, Any]:
    """What every template may use."""
    return {
        "user": ctx.viewer,
        "consent": ctx.consent,
        "analytics_allowed": analytics_allowed(ctx.tenant, ctx.consent),
        "csrf_token": ctx.csrf_token,
        "csrf_field": FIELD,
        "csp_nonce": ctx.nonce,
        "path": ctx.path,
        "policy_version": policy_version(ctx.tenant),
    }


def render(
    ctx: RequestContext, template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    html = ctx.templates.render(ctx.tenant, template, {**page_context(ctx), **context})
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
    consent = parse_cookie(request.cookies.get(CONSENT), request.headers.get("sec-gpc") == "1")
    templates: Templates = request.app.state.templates
    html = templates.render(
        edge.tenant,
        template,
        {
            "user": None,
            "consent": consent,
            "analytics_allowed": analytics_allowed(edge.tenant, consent),
            "csrf_token": "",
            "csrf_field": FIELD,
            "csp_nonce": edge.nonce,
            "path": request.url.path,
            "policy_version": policy_version(edge.tenant),
            **context,
        },
    )
    return Response(
        html, status_code=status_code, media_type=HTML, headers={"Cache-Control": "no-store"}
    )


def redirect(ctx: RequestContext, path: str) -> Redirect:
    # 303 so that a POST is followed by a GET.
    return Redirect(path, status_code=303, cookies=ctx.cookies)
