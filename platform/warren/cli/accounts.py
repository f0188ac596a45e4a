"""`warren accounts`: acting on one account as ops."""

from __future__ import annotations

import click

from warren.cli.common import tenant_and_user

REASONS = ("child", "data_subject_request", "self_service")


@click.group()
def accounts() -> None:
    """Accounts of a tenant."""


@accounts.command("erase")
@click.argument("tenant")
@click.argument("login")
@click.option("--reason", type=click.Choice(REASONS), required=True)
def accounts_erase(tenant: str, login: str, reason: str) -> None:
    """Erase the account LOGIN (email or username) of TENANT now, whatever its clocks:
    the account, its content, uploads and files, chats, sessions, consent records and
    security events. Transactions stay, without the user reference. Only the fact of
    the erasure is recorded. A held account is not erased (exit 1)."""
    from warren.db.unit_of_work import unit_of_work
    from warren.lifecycle.erasure import AccountHeld, erase_account
    from warren.lifecycle.models import ErasureReason

    runtime, found, user = tenant_and_user(tenant, login)
    try:
        with unit_of_work(runtime.sessions) as db:
            erase_account(db, runtime.store, found, user.id, ErasureReason(reason))
    except AccountHeld as exc:
        click.echo(f"not erased: {exc}", err=True)
        raise SystemExit(1) from None
    finally:
        runtime.close()
    click.echo(f"erased the account {login!r} on {found.name} (reason: {reason})")
