"""`warren tenants`: the brand registry."""

from __future__ import annotations

from pathlib import Path

import click

from warren.settings import get_settings


@click.group()
def tenants() -> None:
    """The brand registry (tenants.toml)."""


@tenants.command("check")
@click.option("--file", "path", type=click.Path(path_type=Path), default=None)
def tenants_check(path: Path | None) -> None:
    """Validate tenants.toml; print every problem and exit non-zero if there are any."""
    from warren.tenancy.registry import TenantConfigError, load_registry

    path = path or get_settings().tenants_file
    try:
        registry = load_registry(path)
    except TenantConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {path}", err=True)
        raise SystemExit(1) from None
    for tenant in registry:
        click.echo(
            f"{tenant.slug}: {tenant.name} at {', '.join(tenant.hosts)}; ip={tenant.ip.mode}, "
            f"analytics={tenant.analytics.consent}, {len(tenant.products)} products"
        )
    click.echo(f"{path}: {len(registry)} tenants, all valid")
