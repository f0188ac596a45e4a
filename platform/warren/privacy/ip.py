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
import socket
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


def _text(address: IPAddress) -> str:
    """The address's canonical text (what ``compressed`` gives), made by the C library:
    ``compressed`` spends most of the per-request hashing time on IPv6 in Python."""
    if address.version == 4:
        return socket.inet_ntop(socket.AF_INET, address.packed)
    text = socket.inet_ntop(socket.AF_INET6, address.packed)
    # inet_ntop writes IPv4-compatible forms dotted ("::1.2.3.4"); ipaddress does not.
    return text if "." not in text else address.compressed


def _hashed(key: bytes, text: str) -> str:
    # The one-shot C HMAC: the same digest as hmac.new(...).hexdigest(), without the
    # Python object around it.
    return HASH_PREFIX + hmac.digest(key, text.encode("ascii"), "sha256").hex()


def ip_value(mode: str, key: bytes, address: IPAddress | None) -> str:
    """The tenant's IP value: the address itself in raw mode, its keyed hash in hashed mode."""
    if address is None:
        return UNKNOWN
    text = _text(address)
    return text if mode == "raw" else _hashed(key, text)


# The prefix of a hashed IPv6 rate-limit key: keyed BLAKE2b of the /64, a MAC as sound as
# the HMAC and a third of its cost on the per-request path. Rate-limit keys live only in
# the limiter's short windows, so their format is free to differ from stored IP values.
RATE_PREFIX = "b2-64:"


def ip_value_and_rate_key(mode: str, key: bytes, address: IPAddress | None) -> tuple[str, str]:
    """What the edge needs for every request: the IP value, and the value rate limits
    count under — the address for IPv4, its /64 for IPv6 (one subscriber is routinely
    given a whole /64 and may pick any address in it, so counting per address would let
    one client rotate past every limit). In hashed mode both are keyed hashes: the
    limiter's storage never holds a raw address or prefix."""
    if address is None:
        return UNKNOWN, UNKNOWN
    text = _text(address)
    value = text if mode == "raw" else _hashed(key, text)
    if address.version == 4:
        return value, value
    prefix = address.packed[:8]
    if mode == "raw":
        # As ipaddress writes the network ("2001:db8::/64"); its last 64 bits are zero,
        # so inet_ntop never writes it dotted.
        return value, socket.inet_ntop(socket.AF_INET6, prefix + bytes(8)) + "/64"
    mac = hashlib.blake2b(prefix, key=key[:64], digest_size=16).hexdigest()
    return value, RATE_PREFIX + mac
