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


@tenants.command("rehash-ips")
@click.argument("tenant")
def tenants_rehash_ips(tenant: str) -> None:
    """After TENANT switched ip.mode from raw to hashed: rewrite every stored raw IP
    address of it (security events, consent records, the console's audit log) to the
    tenant's keyed hash. Batched and resumable; refused while the tenant is still raw."""
    from warren.admin.audit import rehash_ips as rehash_audit_ips
    from warren.cli.common import named_tenant, prepared_runtime
    from warren.db.unit_of_work import unit_of_work
    from warren.errors import Conflict
    from warren.privacy.rehash import rehash_ips

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant)

        def report(table: str, count: int) -> None:
            click.echo(f"  {table}: {count} rewritten", err=True)

        try:
            counts = rehash_ips(
                runtime.sessions,
                found,
                runtime.keyring.for_tenant(found.slug).ip_hash,
                progress=report,
            )
            with unit_of_work(runtime.sessions) as db:
                counts["admin_audit_log"] = rehash_audit_ips(
                    db, found, runtime.keyring.for_tenant(found.slug).ip_hash
                )
        except Conflict as exc:
            click.echo(f"refused: {exc}", err=True)
            raise SystemExit(1) from None
    finally:
        runtime.close()
    total = sum(counts.values())
    click.echo(f"{found.name}: {total} raw IP value(s) rewritten to hashes ({counts})")


@tenants.command("add")
@click.argument("slug")
@click.option("--domain", required=True, help="The brand's domain, e.g. newbrand.com.")
@click.option("--support-email", required=True, help="Where users write to the brand.")
@click.option("--name", default=None, help="The brand's display name (default: from SLUG).")
def tenants_add(slug: str, domain: str, support_email: str, name: str | None) -> None:
    """Scaffold a brand: its tenants.toml entry and tenants/SLUG/ folder from the
    template folder tenants/_template/, then check the registry."""
    from datetime import UTC, datetime

    from warren.tenancy.registry import TenantConfigError, load_registry
    from warren.tenancy.scaffold import NewBrand, add_brand

    settings = get_settings()
    brand = NewBrand(slug, domain, support_email, name or slug.replace("-", " ").title())
    try:
        made = add_brand(
            settings.tenants_file, settings.tenants_dir, brand, datetime.now(UTC).date()
        )
        registry = load_registry(settings.tenants_file)
    except TenantConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        click.echo(f"{slug}: not added", err=True)
        raise SystemExit(1) from None
    tenant = registry.get(slug)
    click.echo(f"{settings.tenants_file}: added [{slug}]; {len(registry)} tenants, all valid")
    for path in made.files:
        click.echo(f"created {path}")
    click.echo("Now fill in:")
    for placeholder in made.to_fill_in:
        click.echo(f"  {settings.tenants_file} [{slug}]: {placeholder}")
    click.echo(
        f"  {settings.tenants_file} [{slug}]: theme colours, ip.mode, analytics, policy, "
        f"retention and products, as the brand's published privacy policy states them"
    )
    click.echo(f"  {made.folder}/static/logo.svg, theme.css and templates/hero.html")
    click.echo(
        f"Then read http://{tenant.dev_host}:8000/privacy against the brand's policy, "
        "and restart web and workers."
    )
