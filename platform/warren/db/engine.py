"""Engine and session factory; messages queued in a session go out after it commits."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

# A pooled connection unused for longer than this is checked with a round trip before it
# is handed out: the database may have restarted, or a firewall dropped the connection,
# while nobody was using it. Connections in steady use are handed out as they are.
IDLE_BEFORE_PING_SECONDS = 10.0
# Connections older than this are replaced at checkout, so none outlives a server-side
# or network idle limit or keeps per-connection state for ever.
RECYCLE_SECONDS = 1800
_RETURNED_AT = "warren.returned_at"


def sqlalchemy_url(url: str) -> str:
    """Accept plain postgresql:// URLs and pin the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL: {url.split('://')[0]!r} is not a PostgreSQL URL")


def libpq_url(url: str) -> str:
    """The same URL as psycopg/libpq want it (no SQLAlchemy driver suffix)."""
    return "postgresql://" + sqlalchemy_url(url)[len("postgresql+psycopg://") :]


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    idle_before_ping: float = IDLE_BEFORE_PING_SECONDS,
    on_ping: Callable[[], None] | None = None,
) -> Engine:
    """The process's engine. No round trip per checkout (SQLAlchemy's ``pool_pre_ping``
    cost one on every unit of work): only connections idle for ``idle_before_ping``
    seconds are checked first. A connection found dead while in use raises an error
    SQLAlchemy marks as a disconnect, and the pool then replaces every connection opened
    before it: the unit of work fails once (the web answers 503 with Retry-After, a job's
    message is retried) and the next one runs on a fresh connection. ``on_ping`` is
    called for each check (the process counts them in its metrics)."""
    engine = create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=10,
        pool_recycle=RECYCLE_SECONDS,
        # Statement parameters (emails, password hashes, prompts) stay out of error
        # messages, and so out of logs.
        hide_parameters=True,
    )
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def handed_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < idle_before_ping:
            return
        if on_ping is not None:
            on_ping()
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                # The pool discards this connection and checks out another.
                raise DisconnectionError() from exc
            raise

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
