"""A database and runtime of their own for publishing tests: a published version is
immutable and changes a brand for every later test, so these tests never publish into
the session's shared database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import update

from warren.accounts.models import User
from warren.db.engine import libpq_url
from warren.db.migrate import upgrade
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings

from conftest import _with_database


@pytest.fixture(scope="module")
def own_database(pg_admin_url: str) -> Iterator[str]:
    name = f"warren_pub_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(pg_admin_url, name)
    upgrade(url)
    yield url
    with psycopg.connect(libpq_url(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def own_settings(settings: Settings, own_database: str) -> Settings:
    return settings.model_copy(update={"database_url": own_database, "registry_poll_seconds": 0.2})


@pytest.fixture(scope="module")
def pub_runtime(
    own_settings: Settings, own_database: str, stub_broker: StubBroker
) -> Iterator[Runtime]:
    runtime = build_runtime(own_settings, own_database, broker=stub_broker)
    yield runtime
    runtime._stop.set()
    runtime.engine.dispose()


def verify_all(runtime: Runtime, slug: str) -> None:
    """Mark every account of ``slug`` verified (as its welcome link would)."""
    with runtime.engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.tenant_id == slug, User.email_verified_at.is_(None))
            .values(email_verified_at=datetime.now(UTC))
        )
