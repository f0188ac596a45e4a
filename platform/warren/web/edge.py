"""The outermost ASGI layer: Host → tenant, client address → the tenant's IP value.

It wraps the whole Litestar app, so it sees every request (unmatched routes and errors
included) before anything else does. After it, the raw client address is gone from the
request in hashed mode: ``scope["client"]`` is cleared and forwarding headers are
stripped, so no handler, error report or log call below can read it. It also

- refuses requests whose Host, path or headers cannot be read (400, plain text), so
  nothing below meets bytes it would choke on;
- answers HEAD wherever GET is answered (the GET runs, its body is dropped);
- puts the security headers on every response — pages, static files, downloads,
  redirects and errors alike;
- writes the access log, with the IP value instead of the address, and binds the tenant
  and a request id to every log line written while the request is served;
- records each request's metrics under its route template;
- answers the ops endpoints before any tenant is resolved, on every host, unlogged:
  ``/healthz`` (the process is up), ``/readyz`` (database, broker and storage answer)
  and ``/metrics`` (Prometheus, for a bearer of the metrics token).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio.to_thread
import structlog

from warren.logs import get_logger
from warren.ops import metrics
from warren.ops.readiness import problems
from warren.ops.scrape import exposition
from warren.privacy.consent import ANALYTICS_ORIGINS, analytics_allowed, parse_cookie
from warren.privacy.ip import client_address, ip_value_and_rate_key, parse_address
from warren.queue.broker import queue_name
from warren.runtime import Runtime
from warren.settings import Settings
from warren.tenancy.resolve import tenant_for_host
from warren.tenancy.tenant import Tenant

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# Loose on purpose: Litestar types its own scopes as TypedDicts.
ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]

SCOPE_KEY = "warren"
_FORWARDING = {b"x-forwarded-for", b"x-forwarded-proto", b"x-real-ip", b"forwarded"}
_MAX_HEADER_BYTES = 16 * 1024
# A request id a trusted proxy passes on is kept only if it is short and plain.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
_PROMETHEUS_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
access_log = get_logger("warren.access")


@dataclass(frozen=True)
class EdgeContext:
    tenant: Tenant
    ip_value: str
    # What rate limits are keyed by (see privacy.ip.ip_value_and_rate_key), hashed like ip_value.
    rate_key: str
    https: bool
    # A fresh value per response: the one inline script/style tag warren writes carries it.
    nonce: str


def edge_context(scope: Mapping[str, object]) -> EdgeContext:
    context = scope[SCOPE_KEY]
    assert isinstance(context, EdgeContext)
    return context


def edge_context_or_none(scope: Mapping[str, object]) -> EdgeContext | None:
    context = scope.get(SCOPE_KEY)
    return context if isinstance(context, EdgeContext) else None


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in headers if key == name]
    return ",".join(values) if values else None


def _readable(scope: Scope, headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request's path and headers are text warren can handle safely."""
    path = scope.get("path", "")
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 4096:
        return False
    if any(ch in path for ch in "\x00\r\n") or any(0xD800 <= ord(ch) <= 0xDFFF for ch in path):
        return False
    # A NUL in a query parameter would reach PostgreSQL's text (a search, a cursor) and
    # fail the statement; no link warren makes has one.
    query = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:
        return False
    return all(len(value) <= _MAX_HEADER_BYTES for _, value in headers)


def content_security_policy(nonce: str, analytics_origins: tuple[str, ...]) -> str:
    extra = "".join(f" {origin}" for origin in analytics_origins)
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'{extra}; "
        f"style-src 'self' 'nonce-{nonce}'; "
        f"img-src 'self' data:{extra}; "
        f"connect-src 'self'{extra}; "
        "media-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def security_headers(csp: str, https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        (b"x-frame-options", b"DENY"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


_REPLACED = {name for name, _ in security_headers("", True)}


class Edge:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # No websockets are served; lifespan goes straight through.
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        if scope.get("path") in _OPS_PATHS:
            await _OPS_PATHS[scope["path"]](self, headers, send)
            return
        tenant = tenant_for_host(self.runtime.registry, _header(headers, b"host"))
        if tenant is None:
            # Lists nothing: an unknown host must not learn which brands live here.
            await _plain(
                send, 404, b"Not found.\n", security_headers(content_security_policy("", ()), False)
            )
            return

        settings = self.runtime.settings
        peer = scope.get("client")
        peer_host = peer[0] if peer else None
        address = client_address(
            peer_host, _header(headers, b"x-forwarded-for"), settings.trusted_proxies
        )
        value, rate_key = ip_value_and_rate_key(
            tenant.ip.mode, self.runtime.keyring.for_tenant(tenant.slug).ip_hash, address
        )
        https = scope.get("scheme") == "https"
        peer_address = parse_address(peer_host)
        if _trusted(peer_address, settings):
            https = https or (_header(headers, b"x-forwarded-proto") or "").split(",")[0] == "https"

        nonce = secrets.token_urlsafe(18)
        consent = parse_cookie(
            _cookie(headers, "warren_consent"),
            _header(headers, b"sec-gpc") == "1",
            self.runtime.registry.state(tenant.slug).consent_epoch,
        )
        origins = (
            ANALYTICS_ORIGINS[tenant.analytics.provider]
            if analytics_allowed(tenant, consent)
            else ()
        )
        extra_headers = security_headers(content_security_policy(nonce, origins), https)

        method = scope.get("method")
        head = method == "HEAD"
        started = time.perf_counter()
        status = 500
        forwarded_id = (
            _header(headers, b"x-request-id") if _trusted(peer_address, settings) else None
        )
        request_id = (
            forwarded_id if forwarded_id and _REQUEST_ID.match(forwarded_id) else uuid.uuid4().hex
        )
        extra_headers.append((b"x-request-id", request_id.encode()))

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
                message = {**message, "headers": kept + extra_headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        log_context = structlog.contextvars.bound_contextvars(
            tenant=tenant.slug, request_id=request_id
        )
        log_context.__enter__()
        try:
            if not _readable(scope, headers):
                await _plain(
                    send_wrapper,
                    400,
                    b"This request could not be read: its address or headers are malformed.\n",
                )
                return
            if not _notification_source_allowed(scope.get("path", ""), address, settings):
                await _plain(
                    send_wrapper,
                    403,
                    b"Notifications for this gateway are accepted only from its networks.\n",
                )
                return
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in headers if k not in _FORWARDING]
            scope["client"] = (
                None if tenant.hashes_ip or address is None else (address.compressed, 0)
            )
            scope[SCOPE_KEY] = EdgeContext(
                tenant=tenant, ip_value=value, rate_key=rate_key, https=https, nonce=nonce
            )
            if head:
                scope["method"] = "GET"
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            access_log.info(
                "request",
                method=method,
                path=scope.get("path"),
                status=status,
                ms=round(elapsed * 1000, 1),
                ip=value,
            )
            log_context.__exit__(None, None, None)
            route = scope.get("path_template")
            metrics.record_request(
                tenant.slug,
                route if isinstance(route, str) else metrics.UNMATCHED,
                method if method in _METHODS else "OTHER",
                status,
                elapsed,
            )

    async def healthz(self, headers: list[tuple[bytes, bytes]], send: Send) -> None:
        await _plain(send, 200, b"ok\n", _OPS_HEADERS)

    async def readyz(self, headers: list[tuple[bytes, bytes]], send: Send) -> None:
        runtime = self.runtime
        found = await anyio.to_thread.run_sync(
            lambda: problems(
                runtime.engine,
                runtime.broker,
                runtime.store,
                runtime.settings.readiness_timeout_seconds,
            )
        )
        if not found:
            await _plain(send, 200, b"ready\n", _OPS_HEADERS)
            return
        lines = "".join(f"{name}: {problem}\n" for name, problem in sorted(found.items()))
        await _plain(send, 503, f"not ready\n{lines}".encode(), _OPS_HEADERS)

    async def metrics(self, headers: list[tuple[bytes, bytes]], send: Send) -> None:
        settings = self.runtime.settings
        if settings.metrics_token is None:
            await _plain(send, 404, b"Not found.\n", _OPS_HEADERS)
            return
        expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
        given = (_header(headers, b"authorization") or "").encode("latin-1")
        if not hmac.compare_digest(given, expected):
            await _plain(
                send,
                401,
                b"Metrics need the metrics token: Authorization: Bearer <token>.\n",
                [*_OPS_HEADERS, (b"www-authenticate", b"Bearer")],
            )
            return
        body = await anyio.to_thread.run_sync(
            lambda: exposition(
                self.runtime.engine,
                self.runtime.broker,
                queue_name(settings.queue_prefix),
                settings.prometheus_multiproc_dir,
                tuple(self.runtime.registry),
                timedelta(hours=settings.retention_check_grace_hours),
            )
        )
        await _plain(send, 200, body, _OPS_HEADERS, _PROMETHEUS_TYPE)


def _notification_source_allowed(
    path: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, settings: Settings
) -> bool:
    """A gateway notification from outside the networks ops listed for that gateway is
    refused here, at the one place that sees the sender's address."""
    if path != YOOKASSA_WEBHOOK or not settings.payments_yookassa_networks:
        return True
    return address is not None and any(
        address in network for network in settings.payments_yookassa_networks
    )


_OpsHandler = Callable[[Edge, list[tuple[bytes, bytes]], Send], Awaitable[None]]
_OPS_PATHS: dict[str, _OpsHandler] = {
    "/healthz": Edge.healthz,
    "/readyz": Edge.readyz,
    "/metrics": Edge.metrics,
}
YOOKASSA_WEBHOOK = "/payments/webhook/yookassa"
_OPS_HEADERS = security_headers(content_security_policy("", ()), False)


def _trusted(
    peer: ipaddress.IPv4Address | ipaddress.IPv6Address | None, settings: Settings
) -> bool:
    return peer is not None and any(peer in net for net in settings.trusted_proxies)


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    raw = _header(headers, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _plain(
    send: Send,
    status: int,
    body: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
    content_type: bytes = b"text/plain; charset=utf-8",
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
