"""`warren admins`: invite, list and remove console admins; verify the audit chain."""

from __future__ import annotations

import getpass

import click

from warren.cli.common import named_tenant, prepared_runtime

ROLES = ("admin", "support", "moderator", "ops")
# How commands name "every tenant" (ops admins): never a tenant slug.
OPS_SCOPE = "*"


def _operator() -> str:
    """Who ran the command, as audit entries name it."""
    try:
        return f"cli:{getpass.getuser()}"
    except OSError:
        return "cli"


@click.group()
def admins() -> None:
    """Console admins of a tenant (ops: of every tenant) and their audit log."""


@admins.command("add")
@click.argument("tenant")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
def admins_add(tenant: str, email: str, role: str) -> None:
    """Invite EMAIL as a console admin of TENANT; the invitation link opens on TENANT's
    host. With --role ops the admin is for every tenant (TENANT only picks the host the
    invitation is sent from)."""
    from warren.admin.accounts import invite
    from warren.admin.models import AdminRole
    from warren.db.unit_of_work import unit_of_work
    from warren.errors import DomainError

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant)
        try:
            with unit_of_work(runtime.sessions) as db:
                admin = invite(db, found, email, AdminRole(role), _operator())
                address = admin.email
        except DomainError as error:
            raise click.ClickException(error.message) from None
        scope = "every tenant" if role == "ops" else found.name
        click.echo(f"invited {address} as {role} for {scope}; the invitation email is queued")
    finally:
        runtime.close()


@admins.command("list")
@click.argument("tenant", required=False)
def admins_list(tenant: str | None) -> None:
    """The admins of TENANT (ops included), or of every tenant."""
    from warren.admin.accounts import last_seen, list_admins

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant) if tenant else None
        with runtime.sessions() as db:
            listed = list_admins(db, found)
            for admin in listed:
                state = "active" if admin.activated_at else "invited"
                seen = last_seen(db, admin.id)
                click.echo(
                    f"{admin.tenant_id or OPS_SCOPE} {admin.email} {admin.role} {state}"
                    + (f" last seen {seen:%Y-%m-%d %H:%M}Z" if seen else "")
                )
        if not listed:
            click.echo("no admins")
    finally:
        runtime.close()


@admins.command("remove")
@click.argument("tenant")
@click.argument("email")
def admins_remove(tenant: str, email: str) -> None:
    """Remove the admin EMAIL of TENANT (an ops admin: TENANT is "*", as `list` shows
    them); their sessions end at once."""
    from warren.admin.accounts import find_admin, remove
    from warren.db.unit_of_work import unit_of_work
    from warren.errors import DomainError

    runtime = prepared_runtime()
    try:
        found = None if tenant == OPS_SCOPE else named_tenant(runtime, tenant)
        try:
            with unit_of_work(runtime.sessions) as db:
                admin = find_admin(db, found, email)
                ended = remove(db, list(runtime.registry), admin, _operator())
        except DomainError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"removed {email}; {ended} session(s) ended")
    finally:
        runtime.close()


@admins.group("audit")
def admins_audit() -> None:
    """The console's audit log."""


@admins_audit.command("verify")
@click.argument("tenant")
def audit_verify(tenant: str) -> None:
    """Check TENANT's audit hash chain; exit 1 naming the first bad entry."""
    from warren.admin.audit import verify

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant)
        with runtime.sessions() as db:
            result = verify(db, found)
        if not result.ok:
            click.echo(
                f"{found.slug}: audit chain BROKEN at entry {result.broken_at}: {result.problem} "
                f"({result.checked} entries verified before it)",
                err=True,
            )
            raise SystemExit(1)
        click.echo(f"{found.slug}: audit chain intact, {result.checked} entries")
    finally:
        runtime.close()


@admins_audit.command("prune")
@click.argument("tenant")
@click.option("--older-than-days", type=click.IntRange(min=1), required=True)
def audit_prune(tenant: str, older_than_days: int) -> None:
    """Delete TENANT's audit entries older than the given number of days (the one
    deletion the append-only trigger allows; the rest of the chain still verifies)."""
    from datetime import timedelta

    from warren.admin.audit import prune
    from warren.db.base import utcnow
    from warren.db.unit_of_work import unit_of_work

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant)
        with unit_of_work(runtime.sessions) as db:
            deleted = prune(db, found, utcnow() - timedelta(days=older_than_days))
        click.echo(
            f"{found.slug}: {deleted} audit entries older than {older_than_days} days deleted"
        )
    finally:
        runtime.close()
