"""The outermost ASGI layer: Host → tenant, client address → the tenant's IP value.

It wraps the whole Litestar app, so it sees every request (unmatched routes and errors
included) before anything else does. After it, the raw client address is gone from the
request in hashed mode: ``scope["client"]`` is cleared and forwarding headers are
stripped, so no handler, error report or log call below can read it. It also writes the
access log, with the IP value instead of the address.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from warren.logs import get_logger
from warren.privacy.ip import client_address, ip_value, parse_address, rate_limit_key
from warren.runtime import Runtime
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
access_log = get_logger("warren.access")


@dataclass(frozen=True)
class EdgeContext:
    tenant: Tenant
    ip_value: str
    # What rate limits are keyed by (see privacy.ip.rate_limit_key), hashed like ip_value.
    rate_key: str
    https: bool


def edge_context(scope: Mapping[str, object]) -> EdgeContext:
    context = scope[SCOPE_KEY]
    assert isinstance(context, EdgeContext)
    return context


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in headers if key == name]
    return ",".join(values) if values else None


class Edge:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        if scope["type"] == "http" and scope.get("path") == "/healthz":
            await _plain(send, 200, b"ok\n")
            return
        tenant = tenant_for_host(self.runtime.registry, _header(headers, b"host"))
        if tenant is None:
            # Lists nothing: an unknown host must not learn which brands live here.
            await _plain(send, 404, b"Not found.\n")
            return

        settings = self.runtime.settings
        peer = scope.get("client")
        peer_host = peer[0] if peer else None
        address = client_address(
            peer_host, _header(headers, b"x-forwarded-for"), settings.trusted_proxies
        )
        value = ip_value(
            tenant.ip.mode, self.runtime.keyring.for_tenant(tenant.slug).ip_hash, address
        )
        rate_key = rate_limit_key(
            tenant.ip.mode, self.runtime.keyring.for_tenant(tenant.slug).ip_hash, address
        )
        https = scope.get("scheme") in {"https", "wss"}
        peer_address = parse_address(peer_host)
        if peer_address is not None and any(
            peer_address in net for net in settings.trusted_proxies
        ):
            https = https or (_header(headers, b"x-forwarded-proto") or "").split(",")[0] == "https"

        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in headers if k not in _FORWARDING]
        scope["client"] = None if tenant.hashes_ip or address is None else (address.compressed, 0)
        scope[SCOPE_KEY] = EdgeContext(
            tenant=tenant, ip_value=value, rate_key=rate_key, https=https
        )

        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if scope["type"] == "http":
                access_log.info(
                    "request",
                    tenant=tenant.slug,
                    method=scope.get("method"),
                    path=scope.get("path"),
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 1),
                    ip=value,
                )


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
