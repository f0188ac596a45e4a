"""The door in front of password hashing: admitted requests are bounded before they take
a thread, the rest get 429 at once, other routes are unaffected, and every handler that
hashes a password is behind the door."""

from __future__ import annotations

import dataclasses
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
from warren.web.app import create_litestar
from warren.web.errors import domain_error
from warren.web.hashing_admission import HASHES_PASSWORD, HashingDoor

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
    """A Litestar app with a door of one ticket, behind uvicorn on loopback."""
    release.clear()
    entered.clear()
    app = Litestar(
        route_handlers=[hashing, page],
        middleware=[HashingDoor(1).middleware],
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
    async def grow() -> tuple[float, float]:
        limiter = to_thread.current_default_thread_limiter()
        tokens = limiter.total_tokens
        HashingDoor(17).grow_thread_pool()
        return tokens, limiter.total_tokens

    with from_thread.start_blocking_portal() as portal:
        tokens, grown = portal.call(grow)
    assert grown == tokens + 17


def test_each_app_has_its_own_door(runtime: Runtime) -> None:
    """A narrow door built for one app (as a test of the gate builds) leaves the others'
    as they were."""
    wide = create_litestar(runtime)
    narrow_settings = runtime.settings.model_copy(
        update={"password_hashing_running": 1, "password_hashing_waiting": 0}
    )
    narrow = create_litestar(dataclasses.replace(runtime, settings=narrow_settings))
    assert door_of(narrow).tickets == 1
    assert door_of(wide).tickets == (
        runtime.settings.password_hashing_running + runtime.settings.password_hashing_waiting
    )


def door_of(app: Litestar) -> HashingDoor:
    doors = [getattr(m, "__self__", None) for m in app.middleware]
    [door] = [d for d in doors if isinstance(d, HashingDoor)]
    return door


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
