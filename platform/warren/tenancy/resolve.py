"""Host header to tenant: one pure function over the registry."""

from __future__ import annotations

from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant


def tenant_for_host(registry: Registry, host_header: str | None) -> Tenant | None:
    """The tenant a Host header names, or None. Port and trailing dot are ignored."""
    if not host_header:
        return None
    host = host_header.strip().lower()
    if host.startswith("["):
        # An IPv6 literal never names a brand.
        return None
    host = host.rsplit(":", 1)[0] if ":" in host else host
    return registry.by_host.get(host.rstrip("."))
