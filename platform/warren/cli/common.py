"""What several commands share: preparing the database, finding a tenant's user, the
environment handed to child processes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from warren.settings import Settings, get_settings

if TYPE_CHECKING:
    from warren.accounts.models import User
    from warren.runtime import Runtime
    from warren.tenancy.tenant import Tenant


def prepare(settings: Settings) -> str:
    """Logging, the database (embedded if unconfigured) and migrations."""
    from warren.db.migrate import upgrade
    from warren.db.resolve import resolve_database_url
    from warren.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    check_registry(settings.tenants_file)
    if not settings.database_url:
        click.echo(f"starting the embedded PostgreSQL in {settings.data_dir / 'pg'} …", err=True)
    url = resolve_database_url(settings)
    click.echo("applying migrations …", err=True)
    upgrade(url)
    return url


def check_registry(path: Path) -> None:
    from warren.tenancy.registry import TenantConfigError, load_registry

    try:
        load_registry(path)
    except TenantConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise SystemExit(2) from None


def child_environment(database_url: str) -> dict[str, str]:
    """This process's environment for a child, with the database it resolved."""
    return {**os.environ, "DATABASE_URL": database_url}


def exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def prepared_runtime() -> Runtime:
    from warren.runtime import build_runtime

    settings = get_settings()
    return build_runtime(settings, prepare(settings))


def named_tenant(runtime: Runtime, slug: str) -> Tenant:
    """The tenant a command names, or a usage error (exit 2) naming the registry file."""
    tenant = runtime.registry.tenants.get(slug)
    if tenant is None:
        raise click.UsageError(f"no tenant {slug!r} in {runtime.settings.tenants_file}")
    return tenant


def tenant_and_user(slug: str, login: str) -> tuple[Runtime, Tenant, User]:
    """The runtime, the tenant and the user an admin command names, or a clear exit."""
    from warren.accounts.lookup import find_user

    runtime = prepared_runtime()
    tenant = runtime.registry.tenants.get(slug)
    if tenant is None:
        raise click.UsageError(f"no tenant {slug!r} in {runtime.settings.tenants_file}")
    with runtime.sessions() as db:
        user = find_user(db, tenant, login)
    if user is None:
        raise click.UsageError(f"no user {login!r} on {tenant.name}")
    return runtime, tenant, user
