"""The IP choke point: which address is the client's, and what the tenant keeps of it."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import pytest

from warren.privacy.ip import HASH_PREFIX, UNKNOWN, client_address, ip_value, parse_address

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
KEY = b"k" * 32


def test_forwarded_for_is_ignored_from_untrusted_peers() -> None:
    assert str(client_address("203.0.113.9", "198.51.100.1", LOOPBACK)) == "203.0.113.9"


def test_forwarded_for_is_believed_from_trusted_proxies() -> None:
    assert str(client_address("127.0.0.1", "198.51.100.1", LOOPBACK)) == "198.51.100.1"


def test_spoofed_hops_left_of_the_first_untrusted_address_are_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; two trusted proxies appended after it.
    header = "1.2.3.4, 198.51.100.7, 10.0.0.5"
    assert str(client_address("10.0.0.6", header, PROXIES)) == "198.51.100.7"


def test_garbage_hop_stops_the_walk() -> None:
    assert str(client_address("10.0.0.6", "198.51.100.7, not-an-ip", PROXIES)) == "10.0.0.6"


def test_unparseable_peer_is_unknown() -> None:
    assert client_address("testclient", None, LOOPBACK) is None
    assert ip_value("raw", KEY, None) == UNKNOWN


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:198.51.100.3", "198.51.100.3"),
        (" 198.51.100.3 ", "198.51.100.3"),
    ],
)
def test_addresses_are_normalised(text: str, canonical: str) -> None:
    address = parse_address(text)
    assert address is not None
    assert address.compressed == canonical


def test_raw_mode_keeps_the_address() -> None:
    assert ip_value("raw", KEY, parse_address("2001:DB8::1")) == "2001:db8::1"


def test_hashed_mode_is_hmac_sha256_of_the_normalised_address() -> None:
    expected = hmac.new(KEY, b"2001:db8::1", hashlib.sha256).hexdigest()
    for spelling in ["2001:DB8:0::1", "2001:db8:0:0:0:0:0:1", "[2001:db8::1]"]:
        assert ip_value("hashed", KEY, parse_address(spelling)) == HASH_PREFIX + expected


def test_hash_depends_on_the_key_and_does_not_contain_the_address() -> None:
    address = parse_address("198.51.100.3")
    one = ip_value("hashed", b"a" * 32, address)
    two = ip_value("hashed", b"b" * 32, address)
    assert one != two
    assert "198.51.100.3" not in one
    # An unkeyed SHA-256 (guessable over the whole IPv4 space) is not what is stored.
    assert hashlib.sha256(b"198.51.100.3").hexdigest() not in one
