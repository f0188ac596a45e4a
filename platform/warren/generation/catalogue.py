"""Every product and assistant in the registry must name a provider this deployment has."""

from __future__ import annotations

from warren.generation.providers.registry import ProviderRegistry
from warren.tenancy.registry import Registry, TenantConfigError


def check_catalogue(registry: Registry, providers: ProviderRegistry) -> None:
    known = providers.names()
    problems = [
        f"{registry.source}: tenant {tenant.slug!r}: key '{section}.{key}.provider': "
        f"no provider {name!r} is configured (set WARREN_PROVIDER_{name.upper().replace('-', '_')}_URL "
        f"and _KEY, or use 'demo')"
        for tenant in registry
        for section, entries in (("products", tenant.products), ("assistants", tenant.assistants))
        for key, entry in entries.items()
        if (name := entry.provider) not in known
    ]
    if problems:
        raise TenantConfigError(registry.source, problems)
