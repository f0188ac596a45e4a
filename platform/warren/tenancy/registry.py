"""Loading and validating ``tenants.toml``: one table per brand, keyed by its slug.

One top-level name is reserved: ``[defaults]`` holds what brands share unless they say
otherwise (today the operator's identity, ``[defaults.operator]``). It is not a tenant,
and no brand can take its name (scaffold refuses it as a slug).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from warren.tenancy.tenant import Tenant

DEFAULTS = "defaults"
# Sections of [defaults] a brand inherits, each merged key by key under its own table.
_INHERITED = ("operator",)


class TenantConfigError(Exception):
    """tenants.toml is wrong; ``problems`` lists each as 'file: tenant: key: reason'."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class PublishedState:
    """What the database adds to a brand's configuration (warren.publishing)."""

    # The published version in force; None while tenants.toml is the brand's source.
    version: int | None = None
    # Analytics consent given before this version was in force is asked again (0: never).
    consent_epoch: int = 0
    # A material change announced by a notice on the site: its version and when it
    # takes (or took) effect.
    notice_version: int | None = None
    notice_effective_at: datetime | None = None


@dataclass(frozen=True)
class Registry:
    tenants: Mapping[str, Tenant]
    source: Path
    by_host: Mapping[str, Tenant] = field(repr=False)
    published: Mapping[str, PublishedState] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[Tenant]:
        return iter(self.tenants.values())

    def __len__(self) -> int:
        return len(self.tenants)

    def get(self, slug: str) -> Tenant:
        return self.tenants[slug]

    def state(self, slug: str) -> PublishedState:
        return self.published.get(slug) or PublishedState()

    def with_published(
        self, tenants: Mapping[str, Tenant], published: Mapping[str, PublishedState]
    ) -> Registry:
        """The same brands with their effective configurations (hosts are ops-owned and
        do not change, but each host must name the new Tenant object)."""
        by_host = {host: tenants[t.slug] for host, t in self.by_host.items()}
        return replace(self, tenants=dict(tenants), by_host=by_host, published=dict(published))


def load_registry(path: Path) -> Registry:
    """Read and validate the registry; every problem found is reported at once."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TenantConfigError(path, [f"{path}: file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise TenantConfigError(path, [f"{path}: not valid TOML: {exc}"]) from None
    return parse_registry(raw, path)


def parse_registry(raw: Mapping[str, Any], path: Path) -> Registry:
    problems: list[str] = []
    tenants: dict[str, Tenant] = {}
    defaults = raw.get(DEFAULTS, {})
    if not isinstance(defaults, dict):
        problems.append(f"{path}: {DEFAULTS}: must be a table ([{DEFAULTS}])")
        defaults = {}
    for key in defaults:
        if key not in _INHERITED:
            problems.append(
                f"{path}: [{DEFAULTS}]: key {key!r}: unknown key "
                f"(brands inherit only {', '.join(_INHERITED)})"
            )
    brands = {slug: table for slug, table in raw.items() if slug != DEFAULTS}
    if not brands:
        problems.append(f"{path}: no tenants defined")
    for slug, table in brands.items():
        if not isinstance(table, dict):
            problems.append(f"{path}: {slug}: must be a table ([{slug}])")
            continue
        if "slug" in table:
            problems.append(
                f"{path}: tenant {slug!r}: key 'slug': is the table name, do not repeat it"
            )
            continue
        try:
            tenants[slug] = Tenant.model_validate({"slug": slug, **merge_defaults(defaults, table)})
        except ValidationError as exc:
            problems.extend(_describe(path, slug, exc))

    by_host: dict[str, Tenant] = {}
    for tenant in tenants.values():
        for host in tenant.hosts:
            other = by_host.get(host)
            if other is not None:
                problems.append(
                    f"{path}: tenant {tenant.slug!r}: key 'domain'/'aliases': "
                    f"{host!r} is already claimed by tenant {other.slug!r}"
                )
            else:
                by_host[host] = tenant

    if problems:
        raise TenantConfigError(path, problems)
    return Registry(tenants=tenants, source=path, by_host=by_host)


def merge_defaults(defaults: Mapping[str, Any], table: Mapping[str, Any]) -> dict[str, Any]:
    """The brand's table with each inherited section of ``[defaults]`` under its own keys."""
    merged = dict(table)
    for section in _INHERITED:
        shared = defaults.get(section)
        own = table.get(section)
        if isinstance(shared, dict) and (own is None or isinstance(own, dict)):
            merged[section] = {**shared, **(own or {})}
    return merged


def _describe(path: Path, slug: str, exc: ValidationError) -> Iterator[str]:
    for key, reason in describe_errors(exc):
        yield f"{path}: tenant {slug!r}: key {key!r}: {reason}"


def describe_errors(exc: ValidationError) -> Iterator[tuple[str, str]]:
    """Each problem as (dotted key, reason), worded as `tenants check` words it."""
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"]) or "(table)"
        if error["type"] == "extra_forbidden":
            reason = "unknown key"
        elif error["type"] == "missing":
            reason = "missing key"
        else:
            reason = error["msg"]
            if error["type"] != "value_error" and "input" in error:
                reason = f"{reason} (got {error['input']!r})"
        yield key, reason
