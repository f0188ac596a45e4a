"""`warren payments`: refunds and reconciliation of a tenant's orders (ops)."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from warren.cli.common import prepared_runtime

if TYPE_CHECKING:
    from sqlalchemy import Select

    from warren.runtime import Runtime
    from warren.tenancy.tenant import Tenant


@click.group()
def payments() -> None:
    """Orders paid through the brands' payment gateways."""


def _tenant(runtime: Runtime, slug: str) -> Tenant:
    tenant = runtime.registry.tenants.get(slug)
    if tenant is None:
        raise click.UsageError(f"no tenant {slug!r} in {runtime.settings.tenants_file}")
    return tenant


@payments.command("refund")
@click.argument("tenant")
@click.argument("order")
def payments_refund(tenant: str, order: str) -> None:
    """Refund ORDER (its id) of TENANT in full through its gateway and take back what it
    gave. Refused when the user has already spent some of the order's points."""
    from warren.billing.refunds import refund_order
    from warren.db.unit_of_work import unit_of_work
    from warren.errors import DomainError

    try:
        order_id = uuid.UUID(order)
    except ValueError:
        raise click.UsageError(f"{order!r} is not an order id") from None
    runtime = prepared_runtime()
    found = _tenant(runtime, tenant)
    try:
        with unit_of_work(runtime.sessions) as db:
            gateway_name = db.scalar(_gateway_of(order_id, found.slug))
            gateway = runtime.gateways.get(found, gateway_name or found.payments.gateway)
            if gateway is None:
                raise click.ClickException(
                    f"{found.slug}: order {order_id} used gateway {gateway_name!r}, which has no keys now"
                )
            refunded = refund_order(db, found, gateway, order_id)
            click.echo(
                f"{found.slug}: order {refunded.id} refunded ({refunded.amount} {refunded.currency}, "
                f"gateway refund {refunded.refund_id})"
            )
    except DomainError as exc:
        raise click.ClickException(f"{found.slug}: {exc.message}") from None
    finally:
        runtime.close()


def _gateway_of(order_id: uuid.UUID, slug: str) -> Select[tuple[str]]:
    from sqlalchemy import select

    from warren.billing.models import Order

    return select(Order.gateway).where(Order.id == order_id, Order.tenant_id == slug)


@payments.command("reconcile")
@click.argument("tenant")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="Only orders created on or after this date (UTC).",
)
@click.option(
    "--after-minutes",
    type=click.IntRange(min=0),
    default=None,
    help="Only orders pending for longer than this (default: WARREN_PAYMENTS_RECONCILE_AFTER_MINUTES).",
)
def payments_reconcile(tenant: str, since: datetime | None, after_minutes: int | None) -> None:
    """Ask TENANT's gateway about orders still pending and settle them (lost notifications)."""
    from warren.billing.reconcile import reconcile, stale_orders
    from warren.db.base import utcnow

    runtime = prepared_runtime()
    found = _tenant(runtime, tenant)
    after = timedelta(
        minutes=runtime.settings.payments_reconcile_after_minutes
        if after_minutes is None
        else after_minutes
    )
    since_utc = since.replace(tzinfo=UTC) if since else None
    with runtime.sessions() as db:
        total = len(stale_orders(db, found, utcnow() - after, since_utc))
    with click.progressbar(
        length=total, label=f"{found.slug}: reconciling", file=sys.stderr
    ) as bar:

        def advance(n: int) -> None:
            bar.update(n)

        result = reconcile(
            runtime.sessions,
            runtime.gateways,
            found,
            after=after,
            since=since_utc,
            progress=advance,
        )
    states = ", ".join(f"{n} {state}" for state, n in sorted(result.settled.items())) or "none"
    click.echo(f"{found.slug}: {result.checked} pending order(s) checked; now {states}")
    for error in result.errors:
        click.echo(f"{found.slug}: {error}", err=True)
    runtime.close()
    if result.errors:
        raise SystemExit(1)
