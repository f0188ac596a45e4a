"""A database of a benchmark's own on the PostgreSQL server DATABASE_URL names: created
for the run and dropped after it, so a benchmark never migrates or fills the database
it was pointed at."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from warren.db.engine import libpq_url


def server_url() -> str | None:
    """DATABASE_URL (or the test suite's WARREN_TEST_DATABASE_URL); None, after saying
    what to set, when neither is."""
    url = os.environ.get("DATABASE_URL") or os.environ.get("WARREN_TEST_DATABASE_URL")
    if not url:
        print("set DATABASE_URL to a PostgreSQL server the benchmark may create a database on")
    return url or None


@contextmanager
def own_database(admin_url: str) -> Iterator[str]:
    """The URL of a new, empty database on ``admin_url``'s server, dropped on exit."""
    name = f"warren_bench_{uuid.uuid4().hex[:8]}"
    base, _, query = admin_url.partition("?")
    url = f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def in_process_warren(admin_url: str) -> Iterator[str]:
    """For a benchmark that runs warren in its own process: a database of its own, a
    data folder, a queue prefix and a deployment secret of the run's own, set in the
    environment warren's settings are read from. Yields the database's URL."""
    with (
        own_database(admin_url) as url,
        tempfile.TemporaryDirectory(prefix="warren-bench-", ignore_cleanup_errors=True) as tmp,
    ):
        os.environ.update(
            {
                "DATABASE_URL": url,
                "WARREN_DATA_DIR": tmp,
                "WARREN_SECRET": "bench-deployment-secret-" + "x" * 32,
                "WARREN_QUEUE_PREFIX": f"bench{uuid.uuid4().hex[:6]}",
                "WARREN_LOG_LEVEL": "WARNING",
            }
        )
        yield url
