"""CSRF protection: a random cookie plus a form token that is its HMAC under the tenant key.

A form field is accepted only if it equals HMAC(tenant CSRF key, cookie). A cookie planted
by a sibling host, or a token minted for another brand, does not validate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from litestar import Request
from litestar.response import Response

from warren.accounts.sessions import verified_token
from warren.web.cookies import CSRF, SESSION
from warren.web.edge import edge_context
from warren.web.runtime_access import runtime_of

FIELD = "_csrf"
SIGNED_IN_ONLY = "Sign in to upload files."
HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def new_cookie_token() -> str:
    return secrets.token_urlsafe(32)


def form_token(key: bytes, cookie_token: str) -> str:
    return hmac.new(key, cookie_token.encode("ascii"), hashlib.sha256).hexdigest()


async def csrf_guard(request: Request) -> Response[str] | None:  # type: ignore[type-arg]
    """before_request hook: refuse unsafe requests without a valid token."""
    if request.method not in UNSAFE:
        return None
    cookie = request.cookies.get(CSRF)
    # Multipart bodies (uploads) carry the token in the URL, so a forged or anonymous
    # upload is refused before its body is read at all.
    submitted = request.headers.get(HEADER) or request.query_params.get(FIELD)
    if submitted is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        value = (await request.form()).get(FIELD)
        submitted = value if isinstance(value, str) else None
    tenant = edge_context(request.scope).tenant
    key = runtime_of(request).keyring.for_tenant(tenant.slug).csrf
    if not cookie or not submitted or not hmac.compare_digest(submitted, form_token(key, cookie)):
        return Response(
            "This form has expired or did not come from this site. Go back, reload the page and try again.",
            status_code=403,
            media_type="text/plain",
        )
    return None


async def upload_guard(request: Request) -> Response[str] | None:  # type: ignore[type-arg]
    """before_request for uploads: the CSRF check, then a session cookie signed for this
    tenant, both before the (possibly large) body is read. The handler still resolves
    the session properly; this only keeps anonymous bodies out."""
    refused = await csrf_guard(request)
    if refused is not None:
        return refused
    tenant = edge_context(request.scope).tenant
    key = runtime_of(request).keyring.for_tenant(tenant.slug).session
    if verified_token(key, request.cookies.get(SESSION)) is None:
        return Response(SIGNED_IN_ONLY, status_code=401, media_type="text/plain")
    return None
