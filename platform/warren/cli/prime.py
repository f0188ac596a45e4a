"""`warren prime`: Prime status, granted by admins until payments exist."""

from __future__ import annotations

import click

from warren.cli.common import tenant_and_user


@click.group()
def prime() -> None:
    """Prime status (until payments exist, admins grant it here)."""


@prime.command("grant")
@click.argument("tenant")
@click.argument("login")
@click.option("--days", type=click.IntRange(min=1), required=True)
def prime_grant(tenant: str, login: str, days: int) -> None:
    """Give the user LOGIN of TENANT Prime for DAYS more days."""
    from warren.billing.prime import extend_prime

    runtime, found, user = tenant_and_user(tenant, login)
    with runtime.sessions() as db:
        until = extend_prime(db, found, user.id, days)
        db.commit()
    click.echo(f"{user.username} on {found.name}: Prime until {until:%Y-%m-%d %H:%M} UTC")
    runtime.close()
