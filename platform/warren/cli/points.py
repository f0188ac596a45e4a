"""`warren points`: energy points granted by admins, and the balance check."""

from __future__ import annotations

import sys

import click

from warren.cli.common import named_tenant, prepared_runtime, tenant_and_user


@click.group()
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

    runtime, found, user = tenant_and_user(tenant, login)
    with runtime.sessions() as db:
        grant(db, found, user.id, amount, note)
        db.commit()
        click.echo(
            f"{user.username} on {found.name}: +{amount}, balance {balance(db, found, user.id)}"
        )
    runtime.close()


@points.command("check")
@click.argument("tenant", required=False)
@click.option("--batch", default=1000, show_default=True, help="Users per query.")
def points_check(tenant: str | None, batch: int) -> None:
    """Compare every user's stored balance with the sum of their ledger; print each
    mismatch (tenant, user, stored, ledger) and exit 1 if there is any."""
    from sqlalchemy import func, select

    from warren.accounts.models import User
    from warren.billing.ledger import run_check

    runtime = prepared_runtime()
    found_any = False
    try:
        tenants = [named_tenant(runtime, tenant)] if tenant else list(runtime.registry)
        for one in tenants:
            with runtime.sessions() as db:
                total = db.scalar(
                    select(func.count()).select_from(User).where(User.tenant_id == one.slug)
                )
                with click.progressbar(
                    length=int(total or 0), label=f"{one.slug}: users", file=sys.stderr
                ) as bar:
                    result = run_check(db, one, batch, bar.update)
                db.commit()
            for mismatch in result.mismatches:
                found_any = True
                click.echo(
                    f"{one.slug} user {mismatch.user_id}: stored {mismatch.stored}, "
                    f"ledger {mismatch.ledger} (difference {mismatch.stored - mismatch.ledger})"
                )
            click.echo(
                f"{one.slug}: {result.users} users checked, {len(result.mismatches)} mismatches"
            )
    finally:
        runtime.close()
    if found_any:
        raise SystemExit(1)
