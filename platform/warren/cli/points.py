"""`warren points`: energy points, granted by admins until payments exist."""

from __future__ import annotations

import click

from warren.cli.common import tenant_and_user


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
