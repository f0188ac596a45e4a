"""The `warren` command: serve, worker, scheduler, migrate, tenants, points, prime, jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from warren.settings import Settings, get_settings

if TYPE_CHECKING:
    from warren.accounts.models import User
    from warren.runtime import Runtime
    from warren.tenancy.tenant import Tenant


@click.group()
def main() -> None:
    """warren: the brand sites, their workers and their tenants."""


def _prepare(settings: Settings) -> str:
    """Logging, the database (embedded if unconfigured) and migrations."""
    from warren.db.migrate import upgrade
    from warren.db.resolve import resolve_database_url
    from warren.logs import configure_logging

    configure_logging(settings.log_level)
    _check_registry(settings.tenants_file)
    if not settings.database_url:
        click.echo(f"starting the embedded PostgreSQL in {settings.data_dir / 'pg'} …", err=True)
    url = resolve_database_url(settings)
    click.echo("applying migrations …", err=True)
    upgrade(url)
    return url


def _check_registry(path: Path) -> None:
    from warren.tenancy.registry import TenantConfigError, load_registry

    try:
        load_registry(path)
    except TenantConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise SystemExit(2) from None


@main.command()
@click.option("--host", default=None, help="Interface to bind (WARREN_HOST, default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (WARREN_PORT, default 8000).")
@click.option(
    "--no-worker", is_flag=True, help="Run the web server only (no worker, no scheduler)."
)
def serve(host: str | None, port: int | None, no_worker: bool) -> None:
    """Run the whole product: database (embedded by default), migrations, web, worker, scheduler."""
    import uvicorn

    from warren.db.resolve import stop_embedded_database
    from warren.runtime import build_runtime
    from warren.web.app import create_app

    settings = get_settings()
    url = _prepare(settings)
    helpers = [] if no_worker else [_spawn(url, "worker"), _spawn(url, "scheduler")]
    runtime = build_runtime(settings, url)
    host = host or settings.host
    port = port or settings.port
    for tenant in runtime.registry:
        click.echo(f"  {tenant.name:<12} http://{tenant.dev_host}:{port}/", err=True)
    # uvicorn re-raises SIGTERM after its graceful shutdown; turning it into SystemExit
    # lets the worker and the embedded database below be stopped cleanly too.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        uvicorn.run(
            create_app(runtime),
            host=host,
            port=port,
            # warren's edge decides which proxies to believe and writes the access log
            # with the tenant's IP value; uvicorn's own would print raw addresses.
            access_log=False,
            proxy_headers=False,
            server_header=False,
            log_config=None,
        )
    finally:
        for helper in helpers:
            helper.send_signal(signal.SIGTERM)
        for helper in helpers:
            helper.wait(timeout=60)
        stop_embedded_database()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _spawn(database_url: str, command: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.Popen([sys.executable, "-m", "warren.cli", command], env=env)


@main.command()
@click.option("--processes", default=1, show_default=True)
@click.option("--threads", default=4, show_default=True)
def worker(processes: int, threads: int) -> None:
    """Run Dramatiq workers for the queued jobs."""
    settings = get_settings()
    url = _prepare(settings)
    env = {**os.environ, "DATABASE_URL": url}
    # exec, not a child: signals sent to `warren worker` reach Dramatiq's own handling.
    command = [
        sys.executable,
        "-m",
        "dramatiq",
        "workers.actors",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
    ]
    os.execve(sys.executable, command, env)  # noqa: S606 - argv list, no shell on purpose


@main.command()
def scheduler() -> None:
    """Run periodic housekeeping (recovering stalled jobs). Run one per deployment."""
    from warren.runtime import build_runtime
    from warren.scheduler import run_scheduler

    settings = get_settings()
    url = _prepare(settings)
    runtime = build_runtime(settings, url)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        run_scheduler(runtime)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        runtime.close()


@main.command()
def migrate() -> None:
    """Apply database migrations (the only way warren's schema is made)."""
    _prepare(get_settings())
    click.echo("database is at the latest revision", err=True)


@main.group()
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


def _tenant_and_user(slug: str, login: str) -> tuple[Runtime, Tenant, User]:
    """The runtime, the tenant and the user an admin command names, or a clear exit."""
    from warren.accounts.lookup import find_user
    from warren.runtime import build_runtime

    settings = get_settings()
    runtime = build_runtime(settings, _prepare(settings))
    tenant = runtime.registry.tenants.get(slug)
    if tenant is None:
        raise click.UsageError(f"no tenant {slug!r} in {settings.tenants_file}")
    with runtime.sessions() as db:
        user = find_user(db, tenant, login)
    if user is None:
        raise click.UsageError(f"no user {login!r} on {tenant.name}")
    return runtime, tenant, user


@main.group()
def points() -> None:
    """Energy points (until payments exist, admins grant them here)."""


@points.command("grant")
@click.argument("tenant")
@click.argument("login")
@click.argument("amount", type=click.IntRange(min=1))
@click.option("--note", default="granted by an admin")
def points_grant(tenant: str, login: str, amount: int, note: str) -> None:
    """Grant AMOUNT energy points to the user LOGIN (email or username) of TENANT."""
    from warren.billing.ledger import balance, grant

    runtime, found, user = _tenant_and_user(tenant, login)
    with runtime.sessions() as db:
        grant(db, found, user.id, amount, note)
        db.commit()
        click.echo(
            f"{user.username} on {found.name}: +{amount}, balance {balance(db, found, user.id)}"
        )
    runtime.close()


@main.group()
def prime() -> None:
    """Prime status (until payments exist, admins grant it here)."""


@prime.command("grant")
@click.argument("tenant")
@click.argument("login")
@click.option("--days", type=click.IntRange(min=1), required=True)
def prime_grant(tenant: str, login: str, days: int) -> None:
    """Give the user LOGIN of TENANT Prime for DAYS more days."""
    from warren.billing.prime import extend_prime

    runtime, found, user = _tenant_and_user(tenant, login)
    with runtime.sessions() as db:
        until = extend_prime(db, found, user.id, days)
        db.commit()
    click.echo(f"{user.username} on {found.name}: Prime until {until:%Y-%m-%d %H:%M} UTC")
    runtime.close()


@main.group()
def jobs() -> None:
    """Generation jobs."""


@jobs.command("recover")
def jobs_recover() -> None:
    """Re-enqueue jobs whose message was lost or whose worker died (the scheduler does this every minute)."""
    from warren.generation.recovery import recover_stale_jobs
    from warren.runtime import build_runtime

    settings = get_settings()
    runtime = build_runtime(settings, _prepare(settings))
    with runtime.sessions() as db:
        count = recover_stale_jobs(db, runtime.registry)
    click.echo(f"{count} stale job(s) recovered")
    runtime.close()


@main.group()
def uploads() -> None:
    """Uploaded reference files."""


@uploads.command("purge")
def uploads_purge() -> None:
    """Delete uploads past their upload period or their trash period (the scheduler does this every ten minutes)."""
    from warren.media.expiry import purge_expired_uploads
    from warren.runtime import build_runtime

    settings = get_settings()
    runtime = build_runtime(settings, _prepare(settings))

    def report(tenant: str, count: int) -> None:
        click.echo(f"  {tenant}: {count} deleted")

    with runtime.sessions() as db:
        total = purge_expired_uploads(db, runtime.store, runtime.registry, progress=report)
    click.echo(f"{total} expired upload(s) deleted")
    runtime.close()


if __name__ == "__main__":
    main()
