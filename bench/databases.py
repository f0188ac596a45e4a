"""A database of a benchmark's own on the PostgreSQL server DATABASE_URL names: created
for the run and dropped after it, so a benchmark never migrates or fills the database
it was pointed at."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from warren.db.engine import libpq_url


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
