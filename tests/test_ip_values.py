"""The IP value is the same string ipaddress would write (hashed: its HMAC), for every
address: stored hashes of old rows keep matching new ones (one address, one value),
however the text is produced. The rate-limit key is the address for IPv4 and its /64 for
IPv6, keyed-hashed in hashed mode. Property-based over IPv4, IPv6 and their odd corners."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from warren.privacy.ip import (
    HASH_PREFIX,
    RATE_PREFIX,
    IPAddress,
    ip_value,
    ip_value_and_rate_key,
    parse_address,
)

KEY = b"k" * 32

# Zero-heavy groups, so runs of zeros (where "::" goes) are common.
_group = st.one_of(st.just(0), st.integers(0, 15), st.integers(0, 0xFFFF))
ipv6 = st.lists(_group, min_size=8, max_size=8).map(
    lambda groups: ipaddress.IPv6Address(b"".join(g.to_bytes(2, "big") for g in groups))
)
ipv4 = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
# IPv4-compatible (::a.b.c.d) and IPv4-mapped forms, written dotted by some libraries.
compatible = st.integers(1, 2**32 - 1).map(ipaddress.IPv6Address)


def expected(mode: str, address: IPAddress) -> tuple[str, str]:
    def hashed(text: str) -> str:
        return HASH_PREFIX + hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()

    text = address.compressed
    if isinstance(address, ipaddress.IPv4Address):
        return (text, text) if mode == "raw" else (hashed(text), hashed(text))
    network = ipaddress.IPv6Network((address, 64), strict=False)
    if mode == "raw":
        return text, network.compressed
    prefix = network.network_address.packed[:8]
    mac = hashlib.blake2b(prefix, key=KEY, digest_size=16).hexdigest()
    return hashed(text), RATE_PREFIX + mac


@given(address=st.one_of(ipv4, ipv6, compatible), mode=st.sampled_from(["raw", "hashed"]))
def test_values_match_what_ipaddress_writes(address: IPAddress, mode: str) -> None:
    value, rate_key = expected(mode, address)
    assert ip_value(mode, KEY, address) == value
    assert ip_value_and_rate_key(mode, KEY, address) == (value, rate_key)


def test_spellings_of_one_address_give_one_value() -> None:
    spellings = ["2001:DB8::1", "2001:0db8:0000::0001", "[2001:db8::1]", "2001:db8::1%eth0"]
    values = {ip_value("hashed", KEY, parse_address(text)) for text in spellings}
    assert len(values) == 1
    mapped = parse_address("::ffff:203.0.113.9")
    assert ip_value("raw", KEY, mapped) == "203.0.113.9"
    assert ip_value_and_rate_key("hashed", KEY, None) == ("unknown", "unknown")


def test_one_ipv6_subscriber_is_one_rate_key() -> None:
    same = [parse_address(f"2001:db8:aa:bb::{n:x}") for n in (1, 2, 0xFFFF)]
    other = parse_address("2001:db8:aa:bc::1")
    keys = {ip_value_and_rate_key("hashed", KEY, a)[1] for a in same}
    assert len(keys) == 1
    assert ip_value_and_rate_key("hashed", KEY, other)[1] not in keys
    # Hashed keys name no address or prefix.
    assert not any("2001" in key or "db8" in key for key in keys)
