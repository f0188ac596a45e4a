"""The door in front of password hashing: admitted requests are bounded before they take
a thread, the rest get 429 at once, other routes are unaffected, and every handler that
hashes a password is behind the door."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from anyio import from_thread, to_thread
from litestar import Litestar, get, post

from warren.errors import DomainError
from warren.runtime import Runtime
from warren.web import hashing_admission
from warren.web.app import create_litestar
from warren.web.errors import domain_error
from warren.web.hashing_admission import HASHES_PASSWORD, admit, grow_thread_pool

from conftest import free_port

release = threading.Event()
entered = threading.Event()


@post("/hash", sync_to_thread=True, opt=HASHES_PASSWORD, status_code=200)
def hashing() -> str:
    entered.set()
    release.wait(30)
    return "hashed"


@get("/page", sync_to_thread=True)
def page() -> str:
    return "page"


@pytest.fixture
def door() -> Iterator[str]:
    """A Litestar app with the door, one ticket, behind uvicorn on loopback."""
    before = hashing_admission._tickets.limit
    admit(1)
    release.clear()
    entered.clear()
    app = Litestar(
        route_handlers=[hashing, page],
        middleware=[hashing_admission.hashing_admission],
        exception_handlers={DomainError: domain_error},
        openapi_config=None,
        logging_config=None,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        release.set()
        server.should_exit = True
        thread.join(timeout=10)
        admit(before)


def test_a_second_hashing_request_is_turned_away_while_pages_still_answer(door: str) -> None:
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(httpx.post, f"{door}/hash", timeout=30)
        assert entered.wait(10)

        refused = httpx.post(f"{door}/hash", timeout=5)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "2"

        assert httpx.get(f"{door}/page", timeout=5).text == "page"

        release.set()
        assert first.result().text == "hashed"
    # The ticket came back: the next one is admitted.
    assert httpx.post(f"{door}/hash", timeout=30).status_code == 200


def test_the_thread_pool_grows_by_the_number_of_admitted_requests() -> None:
    before = hashing_admission._tickets.limit
    admit(17)

    async def grow() -> tuple[float, float]:
        limiter = to_thread.current_default_thread_limiter()
        tokens = limiter.total_tokens
        grow_thread_pool()
        return tokens, limiter.total_tokens

    try:
        with from_thread.start_blocking_portal() as portal:
            tokens, grown = portal.call(grow)
    finally:
        admit(before)
    assert grown == tokens + 17


def test_every_handler_that_hashes_a_password_is_behind_the_door(runtime: Runtime) -> None:
    app = create_litestar(runtime)
    marked = {
        (method, route.path)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if handler.opt.get("hashes_password")
        for method in handler.http_methods
    }
    assert marked == {
        ("POST", "/sign-up"),
        ("POST", "/sign-in"),
        ("POST", "/account/password"),
        ("POST", "/account/email"),
        ("POST", "/password-reset/new"),
        ("POST", "/account/delete"),
        ("POST", "/account/two-factor/disable"),
        ("POST", "/admin/invitation"),
        ("POST", "/admin/sign-in"),
    }
