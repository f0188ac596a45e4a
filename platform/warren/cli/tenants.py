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
@click.option(
    "--dir",
    "tenants_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The brands' folders (default: WARREN_TENANTS_DIR).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as problems too.")
def tenants_check(path: Path | None, tenants_dir: Path | None, strict: bool) -> None:
    """Validate tenants.toml: types and ranges, then render every brand's policy and home
    page, check the providers, gateway keys, policy template and brand files it names,
    and warn about settings that contradict each other. Exits non-zero on any problem."""
    from warren.cli.tenant_check import check_tenants

    settings = get_settings()
    path = path or settings.tenants_file
    report = check_tenants(
        path,
        tenants_dir or settings.tenants_dir,
        {name: value.get_secret_value() for name, value in settings.provider_variables.items()},
        {name: value.get_secret_value() for name, value in settings.payment_variables.items()},
    )
    for problem in report.errors:
        click.echo(problem, err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    failed = len(report.errors) + (len(report.warnings) if strict else 0)
    if failed or report.registry is None:
        click.echo(f"{failed} problem(s) in {path}", err=True)
        raise SystemExit(1)
    for tenant in report.registry:
        click.echo(
            f"{tenant.slug}: {tenant.name} at {', '.join(tenant.hosts)}; ip={tenant.ip.mode}, "
            f"analytics={tenant.analytics.consent}, {len(tenant.products)} products, "
            f"serves {', '.join(tenant.policy.jurisdictions) or 'no GDPR/CCPA users'}"
        )
    click.echo(
        f"{path}: {len(report.registry)} tenants, all valid; policies and home pages render"
        + (f"; {len(report.warnings)} warning(s)" if report.warnings else "")
    )


@tenants.command("promises")
@click.argument("tenant")
@click.option("--file", "path", type=click.Path(path_type=Path), default=None)
@click.option("--all", "everything", is_flag=True, help="Also keys the policy does not use.")
def tenants_promises(tenant: str, path: Path | None, everything: bool) -> None:
    """What keeps each config value TENANT's policy states true: the code enforcing it
    and the tests proving it, or why it is text only (warren.privacy.promises)."""
    from warren.privacy.promises import report
    from warren.tenancy.registry import TenantConfigError, load_registry

    path = path or get_settings().tenants_file
    try:
        registry = load_registry(path)
    except TenantConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from None
    if tenant not in registry.tenants:
        raise click.UsageError(f"no tenant {tenant!r} in {path}")
    for line in report(registry.get(tenant), everything=everything):
        click.echo(line)


@tenants.command("publish-bootstrap")
@click.argument("tenant", required=False)
def tenants_publish_bootstrap(tenant: str | None) -> None:
    """Publish tenants.toml's admin-owned keys as version 1 of each brand (or TENANT) that
    has never published; for a brand that has, turn admin-owned keys the file changed
    since into a draft its admins review and publish in the console."""
    from warren.cli.common import named_tenant, prepared_runtime
    from warren.db.unit_of_work import unit_of_work
    from warren.privacy.ip import UNKNOWN
    from warren.publishing.service import sync_from_file

    runtime = prepared_runtime()
    try:
        bootstrap = runtime.bootstrap or runtime.registry
        chosen = [named_tenant(runtime, tenant)] if tenant else list(runtime.registry)
        for current in chosen:
            with unit_of_work(runtime.sessions) as db:
                outcome = sync_from_file(db, bootstrap.get(current.slug), current, ip_value=UNKNOWN)
            click.echo(f"{current.name}: {outcome}")
    finally:
        runtime.close()


@tenants.command("rehash-ips")
@click.argument("tenant")
def tenants_rehash_ips(tenant: str) -> None:
    """After TENANT switched ip.mode from raw to hashed: rewrite every stored raw IP
    address of it (security events, consent records, moderation reports, the console's audit log) to the
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
        f"  {settings.tenants_file} [{slug}]: theme colours, ip.mode, analytics, policy "
        f"(jurisdictions: whose users it serves), retention, media.upload_kinds and "
        f"products, as the brand's published privacy policy states them; "
        f"[{slug}.operator] only if a company other than [defaults.operator] runs it"
    )
    click.echo(f"  then: warren tenants check, and warren tenants promises {slug}")
    click.echo(f"  {made.folder}/static/logo.svg, theme.css and templates/hero.html")
    click.echo(
        f"Then read http://{tenant.dev_host}:8000/privacy against the brand's policy, "
        "and restart web and workers."
    )
