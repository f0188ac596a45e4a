"""Shared fixtures: a fresh PostgreSQL database migrated by Alembic, the real app served
over HTTP by uvicorn, and clients that speak to it as a given brand from a given address.

The database is the machine's PostgreSQL when WARREN_TEST_DATABASE_URL names one
(CI sets it), otherwise an embedded PostgreSQL started from the pgserver package in a
temporary directory. Each run creates its own database and drops it afterwards.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dramatiq
import psycopg
import pytest
import uvicorn
from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import text

from warren.db.engine import libpq_url
from warren.db.migrate import upgrade
from warren.logs import configure_logging
from warren.queue.broker import QUEUE_NAME
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings
from warren.web.app import create_app

from webclient import BrandClient, new_address

ROOT = Path(__file__).resolve().parents[1]
TEST_SECRET = "test-deployment-secret-" + "x" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session", autouse=True)
def production_logging() -> None:
    """Log exactly as a deployed process does (JSON lines, no locals in tracebacks)."""
    configure_logging("INFO")


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("WARREN_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    import pgserver

    # A short path: PostgreSQL's Unix socket path must stay under ~100 bytes.
    pgdata = Path("/tmp") / f"warren-test-pg-{uuid.uuid4().hex[:8]}"
    server = pgserver.get_server(pgdata, cleanup_mode="delete")
    yield f"postgresql://postgres@/postgres?host={pgdata}"
    server.cleanup()


def _with_database(admin_url: str, name: str) -> str:
    """The admin URL pointing at database ``name`` instead."""
    base, _, query = admin_url.partition("?")
    head = base.rsplit("/", 1)[0]
    return f"{head}/{name}" + (f"?{query}" if query else "")


@contextmanager
def new_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the server of ``admin_url``, dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin_url, name)
    finally:
        with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A new database on the server of ``admin_url``, migrated to head, dropped after."""
    with new_database(admin_url, prefix) as url:
        upgrade(url)
        yield url


@pytest.fixture
def empty_database(pg_admin_url: str) -> Iterator[str]:
    """A database with none of warren's tables: not the server's maintenance database,
    which a run of something else may have migrated."""
    with new_database(pg_admin_url, "warren_empty") as url:
        yield url


@pytest.fixture(scope="session")
def database_url(pg_admin_url: str) -> Iterator[str]:
    with migrated_database(pg_admin_url, "warren_test") as url:
        yield url


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warren-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret=TEST_SECRET,
        rate_limit_sign_in="8/minute",
        rate_limit_sign_up="8/minute",
    )


@pytest.fixture(scope="session")
def stub_broker() -> StubBroker:
    broker = StubBroker()
    broker.emit_after("process_boot")
    broker.declare_queue(QUEUE_NAME)
    # Set before workers.actors is imported, which would otherwise build a broker from
    # the environment.
    dramatiq.set_broker(broker)
    return broker


@pytest.fixture(scope="session")
def runtime(settings: Settings, database_url: str, stub_broker: StubBroker) -> Iterator[Runtime]:
    rt = build_runtime(settings, database_url, broker=stub_broker)
    yield rt
    rt.stop_watching()
    rt.engine.dispose()


@contextmanager
def worker_for(runtime: Runtime, broker: StubBroker) -> Iterator[Callable[[], None]]:
    """A Dramatiq worker running the real actors against ``runtime``; call the yielded
    function to wait until every queued message has been processed."""
    import workers.actors
    from workers.runtime import use_runtime

    workers.actors.bind(broker)
    use_runtime(runtime)
    # Started on first use, so a test can look at a job before any worker has seen it.
    worker = Worker(broker, worker_timeout=50, worker_threads=2)
    started = False

    def run() -> None:
        nonlocal started
        if not started:
            worker.start()
            started = True
        broker.join(QUEUE_NAME, fail_fast=True, timeout=60_000)
        worker.join()

    try:
        yield run
        if started:
            # What the test queued after its last drain is processed by this worker, with
            # this test's runtime: a worker stopped with a message fetched but not
            # finished leaves the stub queue's unfinished count up, and every later drain
            # in the process would wait on it until its timeout.
            run()
    finally:
        if started:
            worker.stop()


@pytest.fixture
def drain(runtime: Runtime, stub_broker: StubBroker) -> Iterator[Callable[[], None]]:
    with worker_for(runtime, stub_broker) as run:
        yield run


@contextmanager
def serving(runtime: Runtime) -> Iterator[str]:
    """The real ASGI app for ``runtime`` behind uvicorn on a free loopback port."""
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime),
        host="127.0.0.1",
        port=port,
        access_log=False,
        proxy_headers=False,
        log_config=None,
        lifespan="off",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(runtime: Runtime) -> Iterator[str]:
    with serving(runtime) as url:
        yield url


@pytest.fixture
def clean_db(runtime: Runtime, stub_broker: StubBroker) -> Iterator[None]:
    yield
    with runtime.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE users, auth_sessions, security_events, consent_records, admin_accounts, "
                "admin_audit_log RESTART IDENTITY CASCADE"
            )
        )
    stub_broker.flush_all()


@pytest.fixture
def brand(server: str, clean_db: None) -> Iterator[Callable[..., BrandClient]]:
    clients: list[BrandClient] = []

    def make(slug: str, address: str | None = None) -> BrandClient:
        client = BrandClient(server, f"{slug}.localhost", address or new_address())
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
