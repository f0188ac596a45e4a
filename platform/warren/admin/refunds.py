"""Refunding a user's order from the console: the same refund as `warren payments refund`
(through the order's own gateway, refused when the points were spent), with who asked and
why in the audit log."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.admin import audit
from warren.admin.users import find
from warren.billing.gateways.registry import GatewayRegistry
from warren.billing.models import Order
from warren.billing.refunds import refund_order
from warren.errors import Conflict, InvalidInput, NotFound
from warren.tenancy.tenant import Tenant


def refund(
    db: Session,
    tenant: Tenant,
    gateways: GatewayRegistry,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    reason: str,
    *,
    actor: str,
    ip_value: str,
) -> Order:
    why = reason.strip()
    if not why:
        raise InvalidInput(
            {"refund": "Say why the order is refunded (it goes into the audit log)."}
        )
    user = find(db, tenant, user_id)
    order = db.scalar(
        select(Order).where(
            Order.tenant_id == tenant.slug, Order.user_id == user.id, Order.id == order_id
        )
    )
    if order is None:
        raise NotFound(f"{user.username} has no such order.")
    gateway = gateways.get(tenant, order.gateway)
    if gateway is None:
        raise Conflict(
            f"This order was paid through {order.gateway}, which {tenant.name} no longer uses; "
            "refund it in that gateway's dashboard."
        )
    before = order.state.value
    refunded = refund_order(db, tenant, gateway, order.id)
    audit.record(
        db,
        tenant,
        actor=actor,
        action="order_refunded",
        subject=f"order:{order.id}",
        before={"state": before, "user": f"user:{user.id}"},
        after={
            "state": refunded.state.value,
            "amount": f"{refunded.amount} {refunded.currency}",
            "refund_id": refunded.refund_id,
            "reason": why[:500],
        },
        ip_value=ip_value,
    )
    return refunded
