"""The security findings at the edge, tried from the outside as an attacker would: malformed
requests, security headers, CSRF tokens, redirect targets, HEAD, streamed downloads.

Most go through the served app over HTTP; the fuzzing drives the same ASGI app in
process with hand-built requests, because an HTTP client refuses to send most of the
bytes worth trying.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from asgi_call import call
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.runtime import Runtime
from warren.web.app import create_app
from warren.web.redirects import safe_next

from webclient import BrandClient, field, sign_up, sign_up_and_sign_in

PAGES = ["/", "/privacy", "/sign-in", "/sign-up", "/cookie-settings", "/assistants"]


def raw_request(base_url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are to the served app; the status and the whole answer."""
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    assert parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer


def signed_in(brand: Callable[..., BrandClient], slug: str, name: str) -> BrandClient:
    client = brand(slug)
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    return client


# Finding 3: malformed requests get a 4xx with a plain message, never a 500.


@pytest.mark.parametrize(
    "host",
    [
        b"songly.localhost:abc",
        b"songly.localhost:99999",
        b"songly.localhost..",
        b"songly..localhost",
    ],
)
def test_malformed_hosts_name_no_tenant(server: str, host: bytes) -> None:
    status, answer = raw_request(
        server, b"GET / HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
    )
    assert status == 404
    assert b"songly" not in answer.lower().split(b"\r\n\r\n", 1)[1]


def test_a_well_formed_host_with_port_and_trailing_dot_still_resolves(server: str) -> None:
    status, answer = raw_request(
        server, b"GET / HTTP/1.1\r\nHost: songly.localhost.:8000\r\nConnection: close\r\n\r\n"
    )
    assert status == 200
    assert b"Songly" in answer


@pytest.mark.parametrize("path", PAGES)
def test_a_non_ascii_csrf_cookie_is_replaced_not_a_500(server: str, path: str) -> None:
    cookie = "warren_csrf=пароль-\u00e9\u00e8".encode()
    status, answer = raw_request(
        server,
        b"GET " + path.encode() + b" HTTP/1.1\r\nHost: vizardio.localhost\r\n"
        b"Cookie: " + cookie + b"\r\nConnection: close\r\n\r\n",
    )
    assert status == 200
    # A fresh, well-formed token replaces the unreadable one.
    assert re.search(rb"set-cookie: warren_csrf=[A-Za-z0-9_-]{43};", answer, re.IGNORECASE)


def test_a_non_ascii_session_cookie_is_refused_quietly(server: str) -> None:
    status, _ = raw_request(
        server,
        b"GET /account HTTP/1.1\r\nHost: vizardio.localhost\r\n"
        b"Cookie: warren_session=\xd0\xbf.\xd0\xbf\r\nConnection: close\r\n\r\n",
    )
    assert status == 303


class AsgiClient:
    """The real app, called in process with requests built byte by byte."""

    def __init__(self, runtime: Runtime) -> None:
        self.app = create_app(runtime)
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.close()

    def request(
        self,
        method: str,
        path: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes = b"",
    ) -> tuple[int, dict[bytes, bytes], bytes]:
        status, answer_headers, answer = self.loop.run_until_complete(
            call(self.app, method, path, headers, body)
        )
        return status, dict(answer_headers), answer


@pytest.fixture(scope="module")
def asgi(runtime: Runtime) -> Any:
    client = AsgiClient(runtime)
    yield client
    client.close()


header_bytes = st.binary(min_size=0, max_size=60)
header_names = st.sampled_from(
    [
        b"host",
        b"cookie",
        b"x-forwarded-for",
        b"content-type",
        b"accept",
        b"sec-gpc",
        b"range",
        b"x-csrf-token",
        b"accept-language",
        b"user-agent",
        b"referer",
    ]
)
# A brand's host with something glued on: a port that is no port, dots, brackets, bytes.
host_suffixes = st.one_of(
    header_bytes,
    st.lists(
        st.sampled_from([b":", b".", b"a", b"9", b"[", b"]", b"@", b" ", b"\xff", b"%"]), max_size=8
    ).map(b"".join),
)
hosts = st.one_of(
    header_bytes,
    st.tuples(
        st.sampled_from([b"songly.localhost", b"vizardio.localhost", b"homiwork.localhost"]),
        host_suffixes,
    ).map(lambda t: t[0] + t[1]),
)
paths = st.one_of(
    st.sampled_from([*PAGES, "/library", "/jobs/x", "/brand/../../etc/passwd", "/static/%00"]),
    st.text(min_size=0, max_size=40).map(lambda s: "/" + s),
)


@example(method="GET", path="/", host=b"songly.localhost:abc", extra=[], body=b"")
@example(method="GET", path="/", host=b"songly.localhost..", extra=[], body=b"")
@example(
    method="GET",
    path="/",
    host=b"vizardio.localhost",
    extra=[(b"cookie", "warren_csrf=é".encode())],
    body=b"",
)
@example(
    method="POST",
    path="/sign-in",
    host=b"songly.localhost",
    extra=[(b"content-type", b"application/x-www-form-urlencoded")],
    body=b"_csrf=\xff\xfe&login=%ff",
)
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
    path=paths,
    host=hosts,
    extra=st.lists(st.tuples(header_names, header_bytes), max_size=6),
    body=st.binary(max_size=200),
)
def test_no_request_bytes_make_the_edge_fail(
    asgi: AsgiClient,
    clean_db: None,
    method: str,
    path: str,
    host: bytes,
    extra: list[tuple[bytes, bytes]],
    body: bytes,
) -> None:
    headers = [(b"host", host), *extra]
    status, _response_headers, answer = asgi.request(method, path, headers, body)
    assert status < 500, (method, path, headers, body, answer[:300])
    assert b"Traceback" not in answer


# Finding 5: security headers on every response.


def _csp(response_headers: Any) -> str:
    value = response_headers["content-security-policy"]
    assert isinstance(value, str)
    return value


def test_every_kind_of_response_carries_the_security_headers(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = signed_in(brand, "songly", "headers")
    tenant = runtime.registry.get("songly")
    with runtime.sessions() as db:
        user = find_user(db, tenant, "headers")
        assert user is not None
        grant(db, tenant, user.id, 10, "test")
        db.commit()
    responses = {
        "page": client.get("/"),
        "static": client.get("/static/warren.css"),
        "brand asset": client.get("/brand/logo.svg"),
        "redirect": brand("songly").get("/library"),
        "not found": client.get("/no-such-page"),
        "domain error": client.get("/create/no-such-product"),
        "policy download": client.get("/privacy.md"),
        "json": client.get(
            "/jobs/00000000-0000-0000-0000-000000000000/status",
            headers={"Accept": "application/json"},
        ),
        "unknown host": httpx_get(client, "/", "nobody.example"),
        "csrf refusal": client.post("/consent", data={"choice": "allow"}),
    }
    for name, response in responses.items():
        headers = response.headers
        csp = _csp(headers)
        assert "unsafe-inline" not in csp, name
        assert "frame-ancestors 'none'" in csp, name
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "same-origin", name
        assert headers["permissions-policy"] == "camera=(), microphone=(), geolocation=()", name
        # Plain HTTP: no HSTS (it would pin the local development hosts to HTTPS).
        assert "strict-transport-security" not in headers, name
        content_type = headers.get("content-type", "")
        assert content_type.count("charset") <= 1, (name, content_type)
    assert responses["page"].headers["content-type"] == "text/html; charset=utf-8"
    assert responses["not found"].status_code == 404
    # Branded: the brand's page, not a bare message.
    assert "Songly" in responses["not found"].text
    assert responses["domain error"].status_code == 404


def httpx_get(client: BrandClient, path: str, host: str) -> Any:
    return client.get(path, headers={"Host": host})


def test_hsts_is_sent_when_the_request_came_over_https(brand: Callable[..., BrandClient]) -> None:
    # The test client talks through loopback, a trusted proxy, so X-Forwarded-Proto counts.
    response = brand("vizardio").get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_inline_code_runs_only_with_the_response_nonce(brand: Callable[..., BrandClient]) -> None:
    client = brand("vizardio")
    first, second = client.get("/"), client.get("/")
    nonces = [re.search(r"'nonce-([^']+)'", _csp(r.headers)) for r in (first, second)]
    assert all(nonces)
    assert nonces[0]
    assert nonces[1]
    assert nonces[0].group(1) != nonces[1].group(1)
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", first.text):
        if "src=" in tag:
            continue
        assert f'nonce="{nonces[0].group(1)}"' in tag, tag
    assert not re.search(r"\son[a-z]+=", first.text), "inline event handlers need unsafe-inline"


def test_analytics_origin_is_allowed_only_when_consent_loads_it(
    brand: Callable[..., BrandClient],
) -> None:
    visitor = brand("vizardio")
    assert "mc.yandex.ru" not in _csp(visitor.get("/").headers)
    token = visitor.csrf("/")
    visitor.post("/consent", data={"_csrf": token, "choice": "allow", "source": "banner"})
    allowed = visitor.get("/")
    assert "mc.yandex.ru" in allowed.text
    assert "https://mc.yandex.ru" in _csp(allowed.headers)
    # Sec-GPC is a refusal: the origin goes with the script.
    assert "mc.yandex.ru" not in _csp(visitor.get("/", headers={"Sec-GPC": "1"}).headers)


# Finding 6: CSRF token from the body or a header only; cookies rotate at sign-in/out.


def test_a_csrf_token_in_the_query_string_is_refused(brand: Callable[..., BrandClient]) -> None:
    client = brand("vizardio")
    token = client.csrf("/cookie-settings")
    refused = client.post(f"/consent?_csrf={token}", data={"choice": "allow", "source": "settings"})
    assert refused.status_code == 403
    in_header = client.post(
        "/consent", data={"choice": "allow", "source": "settings"}, headers={"X-CSRF-Token": token}
    )
    assert in_header.status_code == 303


def test_session_and_csrf_cookies_rotate_at_sign_in_and_sign_out(
    brand: Callable[..., BrandClient],
) -> None:
    client = signed_in(brand, "homiwork", "rotator")
    signed_out = client.post_form("/sign-out", {}, form_page="/account")
    assert signed_out.status_code == 303
    csrf_before = client.cookies["warren_csrf"]
    old_token = field(client.get("/sign-in").text, "_csrf")
    response = client.post(
        "/sign-in",
        data={"_csrf": old_token, "login": "rotator", "password": "correct horse battery"},
    )
    assert response.status_code == 303
    assert "warren_session" in response.cookies
    assert client.cookies["warren_csrf"] != csrf_before
    # The token from before sign-in no longer validates.
    stale = client.post("/consent", data={"_csrf": old_token, "choice": "decline"})
    assert stale.status_code == 403
    session_before = client.cookies["warren_session"]
    csrf_signed_in = client.cookies["warren_csrf"]
    out = client.post_form("/sign-out", {}, form_page="/account")
    assert out.status_code == 303
    assert client.cookies.get("warren_session") in (None, "")
    assert client.cookies["warren_csrf"] != csrf_signed_in
    # The old session cookie, replayed, is not a session any more.
    replay = brand("homiwork")
    replay.cookies.set("warren_session", session_before)
    assert replay.get("/account").status_code == 303


# Finding 8: redirect targets are same-site relative paths only.

HOSTILE_TARGETS = [
    "//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "/%5C%5Cevil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/\tevil",
    "/\r\nSet-Cookie: x=y",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_hostile_return_paths_fall_back(target: str) -> None:
    assert safe_next(target, "/account") == "/account"


@pytest.mark.parametrize("target", ["/library", "/create/portrait?ref=1", "/jobs/abc"])
def test_local_return_paths_are_kept(target: str) -> None:
    assert safe_next(target, "/account") == target


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "/%2F%2Fevil.example"])
def test_sign_in_never_sends_a_user_off_site(
    brand: Callable[..., BrandClient], target: str
) -> None:
    client = brand("songly")
    assert sign_up(client, "away@example.com", "away").status_code == 303
    token = field(client.get("/sign-in").text, "_csrf")
    response = client.post(
        "/sign-in",
        data={"_csrf": token, "login": "away", "password": "correct horse battery", "next": target},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    consent = brand("vizardio")
    answer = consent.post(
        "/consent",
        data={"_csrf": consent.csrf("/"), "choice": "decline", "source": "banner", "next": target},
    )
    assert answer.headers["location"] == "/"


def test_sign_in_returns_to_the_page_the_user_wanted(brand: Callable[..., BrandClient]) -> None:
    client = brand("songly")
    assert sign_up(client, "back@example.com", "back").status_code == 303
    bounced = client.get("/library")
    assert bounced.status_code == 303
    login_page = client.get(bounced.headers["location"])
    assert field(login_page.text, "next") == "/library"
    response = client.post(
        "/sign-in",
        data={
            "_csrf": field(login_page.text, "_csrf"),
            "login": "back",
            "password": "correct horse battery",
            "next": field(login_page.text, "next"),
        },
    )
    assert response.headers["location"] == "/library"


# Finding 9: HEAD is answered wherever GET is.


@pytest.mark.parametrize("path", [*PAGES, "/static/warren.css", "/brand/logo.svg", "/privacy.md"])
def test_head_is_answered_like_get_without_a_body(
    brand: Callable[..., BrandClient], path: str
) -> None:
    client = brand("homiwork")
    get = client.get(path)
    head = client.head(path)
    assert get.status_code == 200
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


# Downloads stream, with byte ranges for players.


def test_downloads_stream_with_byte_ranges(
    brand: Callable[..., BrandClient], runtime: Runtime, drain: Callable[[], None]
) -> None:
    client = signed_in(brand, "songly", "listener")
    tenant = runtime.registry.get("songly")
    with runtime.sessions() as db:
        user = find_user(db, tenant, "listener")
        assert user is not None
        grant(db, tenant, user.id, 100, "test")
        db.commit()
    product = next(k for k, p in tenant.products.items() if p.category == "song")
    token = client.csrf(f"/create/{product}")
    ordered = client.post(f"/create/{product}", data={"_csrf": token, "prompt": "A song for Ann"})
    assert ordered.status_code == 303
    drain()
    state = client.get(
        ordered.headers["location"] + "/status", headers={"Accept": "application/json"}
    ).json()
    download = state["item"]["download"]
    whole = client.get(download)
    assert whole.status_code == 200
    size = len(whole.content)
    assert whole.headers["content-length"] == str(size)
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(download, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == whole.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{size}"
    tail = client.get(download, headers={"Range": "bytes=-5"})
    assert tail.content == whole.content[-5:]
    beyond = client.get(download, headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    # Someone else asking for the same range gets nothing.
    stranger = signed_in(brand, "songly", "stranger")
    assert stranger.get(download, headers={"Range": "bytes=0-9"}).status_code == 404
