"""Host header to tenant: one pure function over the registry."""

from __future__ import annotations

import re

from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant

# A DNS name (one optional trailing dot) and an optional decimal port. Anything else —
# "songly.localhost:abc", "songly.localhost..", an IPv6 literal — names no brand.
_HOST = re.compile(
    r"^(?P<name>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)\.?(?::(?P<port>[0-9]{1,5}))?$"
)


def tenant_for_host(registry: Registry, host_header: str | None) -> Tenant | None:
    """The tenant a Host header names, or None. Port and one trailing dot are ignored."""
    if not host_header or len(host_header) > 300:
        return None
    match = _HOST.fullmatch(host_header.lower())
    if match is None:
        return None
    port = match.group("port")
    if port is not None and not 0 < int(port) < 65536:
        return None
    return registry.by_host.get(match.group("name"))
