"""`warren tenants rehash-ips`: after a tenant switched from raw to hashed IPs, no raw
address of it is left anywhere in the database; other tenants are untouched."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w
from dramatiq.brokers.stub import StubBroker
from retention_world import World, days_ago
from sqlalchemy import select
from test_retention_rules import make_world

from warren.accounts.models import SecurityEvent
from warren.moderation.models import Report
from warren.privacy.consent_models import ConsentRecord
from warren.privacy.ip import ip_value, parse_address
from warren.settings import Settings

from infra import address_spellings, database_contents

VIZARDIO_ADDRESSES = ["198.51.100.23", "2001:db8::77", "192.0.2.200"]
OTHER_TENANT_VALUE = "203.0.113.50"


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    settings: Settings,
    database_url: str,
    stub_broker: StubBroker,
) -> Iterator[World]:
    yield from make_world("local", request, tmp_path, settings, database_url, stub_broker)


def _switch_to_hashed(path: Path) -> None:
    data = tomllib.loads(path.read_text())
    data["vizardio"]["ip"]["mode"] = "hashed"
    path.write_bytes(tomli_w.dumps(data).encode())


def test_raw_history_is_rewritten_to_hashes(world: World, database_url: str) -> None:
    user = world.user("vizardio", "raw")
    item = world.item(user, created=days_ago(3))
    for address in VIZARDIO_ADDRESSES:
        world.event("vizardio", created=days_ago(3), ip=address, user=user)
        world.consent("vizardio", created=days_ago(3), ip=address)
        world.report(item, created=days_ago(3), ip=address)
    world.event("vizardio", created=days_ago(1), ip="unknown")
    other = world.event("songly", created=days_ago(1), ip=OTHER_TENANT_VALUE)

    refused = world.warren("tenants", "rehash-ips", "vizardio")
    assert refused.returncode == 1
    assert 'ip.mode = "raw"' in refused.stderr
    assert world.warren("tenants", "rehash-ips", "nosuch").returncode == 2

    _switch_to_hashed(Path(world.env["WARREN_TENANTS_FILE"]))
    done = world.warren("tenants", "rehash-ips", "vizardio")
    assert done.returncode == 0, world.explain()
    assert "9 raw IP value(s) rewritten" in done.stdout

    stored = database_contents(database_url)
    for address in VIZARDIO_ADDRESSES:
        texts, packed = address_spellings(address)
        for needle in (*texts, *packed):
            assert stored.where(needle) == [], (address, needle)
    key = world.runtime.keyring.for_tenant("vizardio").ip_hash
    expected = {ip_value("hashed", key, parse_address(a)) for a in VIZARDIO_ADDRESSES}
    with world.runtime.sessions() as db:
        events = set(
            db.scalars(select(SecurityEvent.ip_value).where(SecurityEvent.tenant_id == "vizardio"))
        )
        consents = set(
            db.scalars(select(ConsentRecord.ip_value).where(ConsentRecord.tenant_id == "vizardio"))
        )
        reports = set(db.scalars(select(Report.ip_value).where(Report.tenant_id == "vizardio")))
        untouched = db.scalar(select(SecurityEvent.ip_value).where(SecurityEvent.id == other.id))
    # The same value the choke point computes now: old and new rows of one address match.
    assert events == expected | {"unknown"}
    assert consents == expected
    assert reports == expected
    assert untouched == OTHER_TENANT_VALUE
    # Resumable and idempotent: a second run finds nothing raw.
    again = world.warren("tenants", "rehash-ips", "vizardio")
    assert "0 raw IP value(s) rewritten" in again.stdout
