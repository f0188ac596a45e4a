"""Refunding a paid order (an ops action): the gateway returns the money, the ledger
takes back what the order gave, and the order records the refund — in one transaction.

Points: a refund is refused when the user has already spent part of what the order
bought. The balance may never go negative, and clawing back only the unspent part while
returning all the money would pay the user back for generations that were made (and paid
to providers); a partial settlement is a decision for a person, not for this command.
Prime: the days bought are taken off the expiry, never before now.

The gateway is called with an idempotency key derived from the order, so a run that
crashed after the gateway refunded and before warren committed refunds nothing twice
when repeated.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.billing.gateways.base import Gateway, GatewayError
from warren.billing.ledger import balance_for_update, record
from warren.billing.models import Order, OrderState
from warren.billing.orders import lock_order
from warren.db.base import utcnow
from warren.errors import Conflict, NotFound, Unavailable
from warren.tenancy.tenant import Tenant


def refund_order(db: Session, tenant: Tenant, gateway: Gateway, order_id: uuid.UUID) -> Order:
    lock_order(db, order_id)
    order = db.scalar(
        select(Order).where(Order.id == order_id, Order.tenant_id == tenant.slug).with_for_update()
    )
    if order is None:
        raise NotFound(f"tenant {tenant.slug!r} has no order {order_id}")
    if order.state != OrderState.PAID or order.gateway_payment_id is None:
        raise Conflict(
            f"order {order_id} is {order.state.value}; only a paid order can be refunded"
        )
    if order.gateway != gateway.name:
        raise Conflict(f"order {order_id} was paid through {order.gateway}, not {gateway.name}")
    user = None
    if order.user_id is not None:
        user = db.scalar(
            select(User)
            .where(User.id == order.user_id, User.tenant_id == tenant.slug)
            .with_for_update()
        )
    if user is not None and order.item_kind == "points":
        left = balance_for_update(db, tenant, user.id)
        if left < order.points:
            raise Conflict(
                f"order {order_id}: the user has spent {order.points - left} of its "
                f"{order.points} points (balance {left}); refund refused"
            )
    try:
        order.refund_id = gateway.refund(
            order.gateway_payment_id, order.amount, order.currency, f"refund-{order.id}"
        )
    except GatewayError as exc:
        raise Unavailable(str(exc)) from None
    if user is not None and order.item_kind == "points":
        record(
            db,
            tenant,
            user.id,
            "reversal",
            -order.points,
            order_id=order.id,
            note=f"refund of order {order.id}",
        )
    elif user is not None and user.prime_until is not None:
        now = utcnow()
        user.prime_until = max(now, user.prime_until - timedelta(days=order.prime_days))
    order.state = OrderState.REFUNDED
    order.refunded_at = utcnow()
    return order
