"""A database and runtime of their own for publishing tests: a published version is
immutable and changes a brand for every later test, so these tests never publish into
the session's shared database."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from dramatiq.brokers.stub import StubBroker

from warren.accounts.models import User
from warren.db.unit_of_work import unit_of_work
from warren.publishing.ownership import admin_document, value_at
from warren.publishing.sections import fields, section
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings
from warren.tenancy.tenant import Tenant

from conftest import migrated_database, serving
from webclient import BrandClient, new_address


@pytest.fixture(scope="module")
def own_database(pg_admin_url: str) -> Iterator[str]:
    with migrated_database(pg_admin_url, "warren_pub") as url:
        yield url


@pytest.fixture(scope="module")
def own_settings(settings: Settings, own_database: str) -> Settings:
    return settings.model_copy(update={"database_url": own_database, "registry_poll_seconds": 0.2})


@pytest.fixture(scope="module")
def pub_runtime(
    own_settings: Settings, own_database: str, stub_broker: StubBroker
) -> Iterator[Runtime]:
    runtime = build_runtime(own_settings, own_database, broker=stub_broker)
    yield runtime
    runtime.stop_watching()
    runtime.engine.dispose()


def make_users(runtime: Runtime, slug: str, count: int) -> list[str]:
    """``count`` verified accounts of ``slug`` (and one unverified, never mailed)."""
    made: list[str] = []
    with unit_of_work(runtime.sessions) as db:
        for n in range(count + 1):
            email = f"{slug}-{n}-{uuid.uuid4().hex[:6]}@example.com"
            db.add(
                User(
                    tenant_id=slug,
                    email=email,
                    username=f"u{uuid.uuid4().hex[:12]}",
                    password_hash="x",
                    adult_confirmed_at=datetime.now(UTC),
                    accepted_policy_version="v",
                    email_verified_at=datetime.now(UTC) if n < count else None,
                )
            )
            if n < count:
                made.append(email)
    return made


def section_values(tenant: Tenant, name: str) -> dict[str, list[str]]:
    """A section's form as the console fills it from ``tenant``'s configuration."""
    document = admin_document(tenant)
    values: dict[str, list[str]] = {}
    for found in fields(section(name)):
        value = value_at(document, found.key)
        if found.kind in {"choices", "optional_choices"}:
            values[found.key] = list(value or [])
        elif found.kind == "bool":
            values[found.key] = ["on"] if value else []
        else:
            values[found.key] = ["" if value is None else str(value)]
    return values


@pytest.fixture(scope="module")
def pub_server(pub_runtime: Runtime) -> Iterator[str]:
    with serving(pub_runtime) as url:
        yield url


@pytest.fixture
def brand(pub_server: str) -> Iterator[Callable[..., BrandClient]]:
    """Clients of the module's own server (the one with its own database)."""
    clients: list[BrandClient] = []

    def make(slug: str, address: str | None = None) -> BrandClient:
        client = BrandClient(pub_server, f"{slug}.localhost", address or new_address())
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
