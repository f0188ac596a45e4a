"""Database connections without a round trip per checkout: connections in steady use are
handed out as they are, idle ones are checked first, and one found dead in use fails its
unit of work once (503 on the web) while the pool replaces it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from warren.db.engine import make_engine
from warren.runtime import build_runtime
from warren.settings import Settings

from conftest import serving
from webclient import BrandClient, new_address


class Pings:
    """Counts the dialect's pings, whichever path makes them (ours or pool_pre_ping)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        ping = engine.dialect.do_ping

        def counted(dbapi_connection: object) -> bool:
            self.count += 1
            return ping(dbapi_connection)

        engine.dialect.do_ping = counted  # type: ignore[method-assign]


def _pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_backend_pid()")) or 0)


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
        deadline = time.monotonic() + 30
        while conn.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ):
            assert time.monotonic() < deadline, f"backend {pid} still running"
            conn.rollback()


@pytest.fixture
def admin(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


def test_connections_in_steady_use_are_not_pinged(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=2)
    pings = Pings(engine)
    try:
        for _ in range(50):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        assert pings.count == 0
    finally:
        engine.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    database_url: str, admin: Engine
) -> None:
    checked: list[None] = []
    engine = make_engine(
        database_url, pool_size=1, idle_before_ping=0, on_ping=lambda: checked.append(None)
    )
    try:
        first = _pid(engine)
        _terminate(admin, first)
        # Handed out after the check found it dead: a new connection, and no error.
        assert _pid(engine) != first
        assert checked
    finally:
        engine.dispose()


def test_a_connection_found_dead_in_use_fails_once_then_the_pool_recovers(
    database_url: str, admin: Engine
) -> None:
    engine = make_engine(database_url, pool_size=1, idle_before_ping=3600)
    try:
        _terminate(admin, _pid(engine))
        with pytest.raises(DBAPIError) as failed:
            _pid(engine)
        assert failed.value.connection_invalidated
        assert _pid(engine) > 0
    finally:
        engine.dispose()


def test_the_web_answers_try_again_once_and_then_serves(
    settings: Settings, database_url: str, admin: Engine, clean_db: None
) -> None:
    # Its own runtime, so only its pool is touched; no registry polling to find the dead
    # connection before the request does.
    quiet = settings.model_copy(update={"registry_poll_seconds": 3600})
    runtime = build_runtime(quiet, database_url)
    try:
        with serving(runtime) as url:
            client = BrandClient(url, "songly.localhost", new_address())
            token = client.csrf("/sign-in")
            form = {"_csrf": token, "login": "nobody@example.com", "password": "guess"}
            assert client.post("/sign-in", data=form).status_code == 401
            runtime.engine.dispose()
            _terminate(admin, _pid(runtime.engine))
            dropped = client.post("/sign-in", data=form)
            assert dropped.status_code == 503, dropped.text
            assert dropped.headers["retry-after"] == "1"
            assert "Please try again" in dropped.text
            assert client.post("/sign-in", data=form).status_code == 401
            client.close()
    finally:
        runtime.close()
