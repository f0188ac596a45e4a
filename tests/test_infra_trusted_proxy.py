"""X-Forwarded-For and X-Forwarded-Proto are believed only from a trusted proxy.

Every other test talks to warren from 127.0.0.1, a trusted peer by default. Here the real
ASGI app is driven from a routable peer address (httpx's ASGI transport sets the TCP
peer the app sees), and what the app recorded is read back: the security events of a
failed sign-in, the consent record, and the Secure flag of the cookies it set.
"""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import Iterator

import httpx
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import text

from warren.privacy.ip import ip_value, parse_address
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings
from warren.web.app import create_app

from webclient import field

PEER = "203.0.113.7"
FORWARDED = "198.51.100.200"
SPOOFED = "192.0.2.66"


@pytest.fixture
def behind_proxy(
    settings: Settings, database_url: str, stub_broker: StubBroker
) -> Iterator[Runtime]:
    """A deployment whose proxies live in 203.0.113.0/24."""
    proxied = settings.model_copy(
        update={
            "trusted_proxies": (
                ipaddress.ip_network("127.0.0.0/8"),
                ipaddress.ip_network("203.0.113.0/24"),
            )
        }
    )
    runtime = build_runtime(proxied, database_url, stub_broker)
    yield runtime
    runtime.engine.dispose()


def client(runtime: Runtime, slug: str, headers: dict[str, str]) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(runtime), client=(PEER, 40000))
    return httpx.AsyncClient(
        transport=transport, base_url=f"http://{slug}.localhost", headers=headers
    )


async def _fail_sign_in(runtime: Runtime, slug: str, headers: dict[str, str]) -> str:
    """A failed sign-in for a login nobody has; returns that login."""
    login = f"nobody-{uuid.uuid4().hex[:8]}"
    async with client(runtime, slug, headers) as http:
        page = await http.get("/sign-in")
        assert page.status_code == 200
        answer = await http.post(
            "/sign-in",
            data={"login": login, "password": "wrong", "_csrf": field(page.text, "_csrf")},
        )
        assert answer.status_code == 401
    return login


def recorded_sign_in_failure(runtime: Runtime, slug: str, headers: dict[str, str]) -> str:
    """The IP value warren stored with the failed sign-in."""
    with runtime.engine.connect() as conn:
        before = conn.execute(
            text("SELECT count(*) FROM security_events WHERE tenant_id = :t"), {"t": slug}
        ).scalar_one()
    asyncio.run(_fail_sign_in(runtime, slug, headers))
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ip_value FROM security_events WHERE tenant_id = :t "
                "AND kind = 'sign_in_failed' ORDER BY created_at DESC"
            ),
            {"t": slug},
        ).all()
        after = conn.execute(
            text("SELECT count(*) FROM security_events WHERE tenant_id = :t"), {"t": slug}
        ).scalar_one()
    assert after == before + 1
    return str(rows[0].ip_value)


async def _consent(runtime: Runtime, headers: dict[str, str]) -> None:
    async with client(runtime, "vizardio", headers) as http:
        page = await http.get("/cookie-settings")
        answer = await http.post(
            "/consent",
            data={"choice": "allow", "source": "settings", "_csrf": field(page.text, "_csrf")},
        )
        assert answer.status_code == 303, answer.text


def recorded_consent(runtime: Runtime, headers: dict[str, str]) -> list[str]:
    with runtime.engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM consent_records")).scalar()
    asyncio.run(_consent(runtime, headers))
    with runtime.engine.connect() as conn:
        return [
            str(value)
            for value in conn.execute(
                text("SELECT ip_value FROM consent_records WHERE id > :id"), {"id": before}
            ).scalars()
        ]


def hashed(runtime: Runtime, slug: str, address: str) -> str:
    tenant = runtime.registry.get(slug)
    return ip_value(
        tenant.ip.mode, runtime.keyring.for_tenant(slug).ip_hash, parse_address(address)
    )


def secure_cookies(runtime: Runtime, headers: dict[str, str]) -> list[bool]:
    """For each cookie the sign-in page sets: is it marked Secure?"""

    async def fetch() -> httpx.Response:
        async with client(runtime, "vizardio", headers) as http:
            return await http.get("/sign-in")

    answer = asyncio.run(fetch())
    cookies = answer.headers.get_list("set-cookie")
    assert cookies, "the sign-in page sets its CSRF cookie"
    return ["secure" in [part.strip().lower() for part in c.split(";")] for c in cookies]


XFF = {"X-Forwarded-For": f"{SPOOFED}, {FORWARDED}"}


def test_forwarded_for_from_an_untrusted_peer_is_ignored(runtime: Runtime, clean_db: None) -> None:
    assert recorded_sign_in_failure(runtime, "vizardio", XFF) == PEER
    assert recorded_sign_in_failure(runtime, "songly", XFF) == hashed(runtime, "songly", PEER)
    assert recorded_consent(runtime, XFF) == [PEER]


def test_forwarded_for_from_a_trusted_proxy_is_believed(
    behind_proxy: Runtime, clean_db: None
) -> None:
    assert recorded_sign_in_failure(behind_proxy, "vizardio", XFF) == FORWARDED
    assert recorded_sign_in_failure(behind_proxy, "songly", XFF) == hashed(
        behind_proxy, "songly", FORWARDED
    )
    assert recorded_consent(behind_proxy, XFF) == [FORWARDED]
    # Without the header, the proxy's own address is what there is.
    assert recorded_sign_in_failure(behind_proxy, "vizardio", {}) == PEER


def test_forwarded_proto_is_believed_only_from_a_trusted_proxy(
    runtime: Runtime, behind_proxy: Runtime
) -> None:
    https = {"X-Forwarded-Proto": "https"}
    assert not any(secure_cookies(runtime, https))
    assert all(secure_cookies(behind_proxy, https))
    assert not any(secure_cookies(behind_proxy, {}))
