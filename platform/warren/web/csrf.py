"""CSRF protection: a random cookie plus a form token that is its HMAC under the tenant key.

A token is accepted only if it equals HMAC(tenant CSRF key, cookie), and only from the
form body or the ``X-CSRF-Token`` header — never from the query string, where it would
leak into logs, history and Referer headers. A cookie planted by a sibling host, or a
token minted for another brand, does not validate.

Multipart bodies (uploads) may be large: they are read only when the request carries a
session cookie signed for this tenant, so an anonymous or cross-site upload (SameSite
cookies are not sent cross-site) is refused before its body is read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from litestar import Request
from litestar.response import Response

from warren.accounts.sessions import verified_token
from warren.i18n import N_
from warren.web.cookies import CSRF, SESSION
from warren.web.edge import edge_context

FIELD = "_csrf"
HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
EXPIRED = N_(
    "This form has expired or did not come from this site. Go back, reload the page and try again."
)
SIGNED_IN_ONLY = N_("Sign in to upload files.")

# Payment gateways' notifications: sent by the gateway's servers, with no cookie of
# warren's, so there is no browser session a forged request could ride. Each is verified
# instead by its gateway's own scheme (signature, or re-fetching the payment).
EXEMPT_PREFIXES = ("/payments/webhook/",)

_COOKIE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def new_cookie_token() -> str:
    return secrets.token_urlsafe(32)


def valid_cookie_token(value: str | None) -> bool:
    """Whether a cookie value is one warren could have minted (anything else is replaced)."""
    return value is not None and _COOKIE_TOKEN.fullmatch(value) is not None


def form_token(key: bytes, cookie_token: str) -> str:
    return hmac.new(key, cookie_token.encode("ascii"), hashlib.sha256).hexdigest()


def _plain(status: int, text: str) -> Response[str]:
    return Response(text + "\n", status_code=status, media_type="text/plain")


async def csrf_guard(request: Request[Any, Any, Any]) -> Response[str] | None:
    """before_request hook: refuse unsafe requests without a valid token."""
    if request.method not in UNSAFE or request.url.path.startswith(EXEMPT_PREFIXES):
        return None
    tenant = edge_context(request.scope).tenant
    keys = request.app.state.runtime.keyring.for_tenant(tenant.slug)
    cookie = request.cookies.get(CSRF)
    if not valid_cookie_token(cookie):
        return _plain(403, EXPIRED)
    assert cookie is not None
    submitted = request.headers.get(HEADER)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data") and (
        verified_token(keys.session, request.cookies.get(SESSION)) is None
    ):
        return _plain(401, SIGNED_IN_ONLY)
    if submitted is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(FIELD)
        submitted = value if isinstance(value, str) else None
    if not submitted or not hmac.compare_digest(
        submitted.encode("utf-8", "surrogateescape"), form_token(keys.csrf, cookie).encode()
    ):
        return _plain(403, EXPIRED)
    return None
