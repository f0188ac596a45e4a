"""Network rate limits count an IPv6 client by its /64, and never store a raw address."""

from __future__ import annotations

import ipaddress
import os
import secrets

import pytest
import redis

from warren.privacy.ip import HASH_PREFIX, RATE_PREFIX
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings

from conftest import serving
from webclient import BrandClient

LIMIT = 8  # conftest's rate_limit_sign_in


def random_64() -> ipaddress.IPv6Network:
    """A /64 in the documentation range that no earlier run has used (limits outlive runs
    in a shared Redis)."""
    return ipaddress.IPv6Network((0x20010DB8 << 96 | secrets.randbits(32) << 64, 64))


def address_in(network: ipaddress.IPv6Network, n: int) -> str:
    return str(network[n * 0x1_0001_0001 + 1])


def try_sign_in(base_url: str, slug: str, address: str) -> int:
    with BrandClient(base_url, f"{slug}.localhost", address) as client:
        return client.post_form(
            "/sign-in", {"login": "nobody", "password": "some guess or other"}
        ).status_code


@pytest.mark.parametrize("slug", ["vizardio", "songly"])
def test_rotating_addresses_inside_one_64_does_not_escape_the_limit(
    server: str, clean_db: None, slug: str
) -> None:
    network = random_64()
    statuses = [try_sign_in(server, slug, address_in(network, n)) for n in range(LIMIT + 2)]
    assert statuses == [401] * LIMIT + [429, 429]
    # Another /64 is another client, and so is the same /64 on another brand.
    neighbour = ipaddress.IPv6Network((int(network.network_address) + (1 << 64), 64))
    assert try_sign_in(server, slug, address_in(neighbour, 0)) == 401
    assert try_sign_in(server, "homiwork", address_in(network, 0)) == 401


def test_ipv4_addresses_are_limited_one_by_one(server: str, clean_db: None) -> None:
    first, second = "192.0.2.77", "192.0.2.78"
    assert [try_sign_in(server, "vizardio", first) for _ in range(LIMIT + 1)][-1] == 429
    assert try_sign_in(server, "vizardio", second) == 401


def test_hashed_tenants_keep_only_keyed_hashes_in_the_limiter_storage(
    settings: Settings, database_url: str, runtime: Runtime, clean_db: None
) -> None:
    url = os.environ.get("WARREN_TEST_REDIS_URL")
    if not url:
        pytest.skip("WARREN_TEST_REDIS_URL is not set (no Redis to hold the limits)")
    shared = build_runtime(
        settings.model_copy(update={"rate_limit_storage": url}), database_url, runtime.broker
    )
    network = random_64()
    v4 = f"203.0.113.{secrets.randbelow(250) + 1}"
    try:
        with serving(shared) as base_url:
            for slug in ["songly", "homiwork"]:
                for n in range(3):
                    assert try_sign_in(base_url, slug, address_in(network, n)) == 401
                assert try_sign_in(base_url, slug, v4) == 401
    finally:
        shared.engine.dispose()
    client = redis.Redis.from_url(url)
    keys = [key.decode() for key in client.scan_iter(match="*sign_in*")]
    ours = [key for key in keys if "/songly/" in key or "/homiwork/" in key]
    assert ours, keys
    # IPv4 counts under its HMAC IP value, an IPv6 /64 under a keyed BLAKE2b of its bytes.
    assert all(HASH_PREFIX in key or RATE_PREFIX in key for key in ours)
    assert any(RATE_PREFIX in key for key in ours)
    prefix = network.compressed.split("::")[0]
    assert not [key for key in keys if prefix in key or v4 in key]
