"""The IP choke point: the one place a client address becomes the tenant's IP value.

Everything that stores or logs an address (security events, consent records, rate-limit
keys, the access log) uses the value computed here. In hashed mode that value is
HMAC-SHA256 of the normalised address keyed with the tenant's secret, and the raw
address is dropped from the request before any handler runs.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"
HASH_PREFIX = "hmac-sha256:"


def parse_address(value: str | None) -> IPAddress | None:
    """An address in canonical form; IPv4-mapped IPv6 becomes IPv4, zone ids are dropped."""
    if not value:
        return None
    text = value.strip().strip("[]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress, proxies: Iterable[IPNetwork]) -> bool:
    return any(address in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[IPNetwork]
) -> IPAddress | None:
    """The client's address, believing X-Forwarded-For only as far as trusted proxies go.

    The header is read right to left: each hop appended by a trusted proxy is skipped,
    and the first address not in a trusted network is the client.
    """
    proxies = tuple(trusted_proxies)
    address = parse_address(peer)
    if address is None or not forwarded_for or not _trusted(address, proxies):
        return address
    for hop in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        hop_address = parse_address(hop)
        if hop_address is None:
            # A garbled hop means nothing to its left can be trusted.
            return address
        address = hop_address
        if not _trusted(address, proxies):
            return address
    return address


def ip_value(mode: str, key: bytes, address: IPAddress | None) -> str:
    """The tenant's IP value: the address itself in raw mode, its keyed hash in hashed mode."""
    if address is None:
        return UNKNOWN
    if mode == "raw":
        return address.compressed
    digest = hmac.new(key, address.compressed.encode("ascii"), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest


def rate_limit_key(mode: str, key: bytes, address: IPAddress | None) -> str:
    """The value rate limits count under: the address for IPv4, its /64 for IPv6.

    One IPv6 subscriber is routinely given a whole /64 and may pick any address in it, so
    counting per address would let one client rotate past every limit. In hashed mode the
    subject is hashed with the same key as the IP value: the limiter's storage never holds
    a raw address or prefix.
    """
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        subject = ipaddress.IPv6Network((address, 64), strict=False).compressed
    else:
        subject = address.compressed
    if mode == "raw":
        return subject
    digest = hmac.new(key, subject.encode("ascii"), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest
