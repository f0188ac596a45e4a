"""Reconciliation: asking the gateway about orders still pending after a while, for
notifications that were lost or failed (a crash between the gateway's confirmation and
warren's credit leaves exactly such an order). Each order is settled in its own unit of
work through ``settle``, so a run can stop anywhere and the next one carries on, and an
order a notification settles meanwhile is not credited twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from warren.billing.gateways.base import GatewayError
from warren.billing.gateways.registry import GatewayRegistry
from warren.billing.models import OPEN_STATES, CheckoutDraft, Order
from warren.billing.settlement import settle
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.errors import Conflict
from warren.logs import get_logger
from warren.tenancy.tenant import Tenant

DRAFT_HOURS = 24
log = get_logger("warren.billing")


@dataclass
class ReconcileResult:
    checked: int = 0
    settled: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def stale_orders(
    db: Session, tenant: Tenant, older_than: datetime, since: datetime | None
) -> list[uuid.UUID]:
    query = select(Order.id).where(
        Order.tenant_id == tenant.slug,
        Order.state.in_([s.value for s in OPEN_STATES]),
        Order.created_at <= older_than,
    )
    if since is not None:
        query = query.where(Order.created_at >= since)
    return list(db.scalars(query.order_by(Order.created_at)))


def reconcile(
    sessions: sessionmaker[Session],
    gateways: GatewayRegistry,
    tenant: Tenant,
    *,
    after: timedelta,
    since: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReconcileResult:
    result = ReconcileResult()
    with sessions() as db:
        ids = stale_orders(db, tenant, utcnow() - after, since)
    for order_id in ids:
        result.checked += 1
        try:
            with unit_of_work(sessions) as db:
                order = db.get(Order, order_id)
                gateway = gateways.get(tenant, order.gateway) if order else None
                if order is None or gateway is None or order.gateway_payment_id is None:
                    result.errors.append(f"order {order_id}: no gateway payment to ask about")
                    continue
                payment = gateway.fetch_payment(order.gateway_payment_id)
                settled = settle(db, tenant, gateway.name, payment)
                state = settled.state.value if settled else "unknown"
                result.settled[state] = result.settled.get(state, 0) + 1
        except (GatewayError, Conflict) as exc:
            log.warning(
                "order not reconciled", tenant=tenant.slug, order=str(order_id), error=str(exc)
            )
            result.errors.append(f"order {order_id}: {exc}")
        if progress is not None:
            progress(1)
    return result


def purge_drafts(db: Session, now: datetime | None = None) -> int:
    """Drafts older than a day go: the order form they kept is stale by then."""
    cutoff = (now or utcnow()) - timedelta(hours=DRAFT_HOURS)
    result = db.execute(delete(CheckoutDraft).where(CheckoutDraft.created_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
