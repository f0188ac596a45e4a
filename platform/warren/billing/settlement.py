"""Settling an order from what its gateway says: one transaction changes the order's
state and credits the ledger, exactly once.

Whoever learns of a payment — a notification (possibly repeated, replayed or out of
order), the payer's return to the success page, or reconciliation — calls ``settle``.
It takes the order's lock (waiting for the unit of work that created it, if that has not
committed yet) and a row lock, then moves the state only forward: a payment that was
taken is credited once however often it is reported, and a late "failed" or "cancelled"
never undoes it. The ledger's unique (order, kind) index is the last guard.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.billing.gateways.base import GatewayPayment, PaymentStatus
from warren.billing.ledger import record
from warren.billing.models import OPEN_STATES, Order, OrderState
from warren.billing.orders import lock_order
from warren.billing.prime import extend_prime
from warren.db.base import utcnow
from warren.errors import Conflict
from warren.logs import get_logger
from warren.queue.port import enqueue_after_commit
from warren.tenancy.tenant import Tenant

RECEIPT_ACTOR = "send_payment_receipt"
log = get_logger("warren.billing")


def settle(db: Session, tenant: Tenant, gateway_name: str, payment: GatewayPayment) -> Order | None:
    """The order after applying ``payment``; None when this tenant has no such order."""
    if payment.order_id is None:
        return None
    lock_order(db, payment.order_id)
    order = db.scalar(
        select(Order)
        .where(
            Order.id == payment.order_id,
            Order.tenant_id == tenant.slug,
            Order.gateway == gateway_name,
        )
        .with_for_update()
    )
    if order is None:
        return None
    if order.gateway_payment_id not in (None, payment.payment_id):
        raise Conflict("The payment does not belong to this order.")
    if payment.status == PaymentStatus.PAID:
        _mark_paid(db, tenant, order, payment)
    elif payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
        if order.state in OPEN_STATES:
            order.state = (
                OrderState.FAILED
                if payment.status == PaymentStatus.FAILED
                else OrderState.CANCELLED
            )
            order.gateway_payment_id = payment.payment_id
    elif payment.status == PaymentStatus.PENDING and order.state == OrderState.CREATED:
        order.state = OrderState.PENDING
        order.gateway_payment_id = payment.payment_id
    return order


def _mark_paid(db: Session, tenant: Tenant, order: Order, payment: GatewayPayment) -> None:
    if order.state in (OrderState.PAID, OrderState.REFUNDED):
        return
    if (payment.amount, payment.currency.upper()) != (order.amount, order.currency):
        log.error(
            "payment amount differs from the order",
            tenant=tenant.slug,
            order=str(order.id),
            gateway=order.gateway,
        )
        raise Conflict("The payment's amount does not match the order.")
    order.state = OrderState.PAID
    order.gateway_payment_id = payment.payment_id
    order.confirmation = payment.confirmation
    order.paid_at = utcnow()
    if order.user_id is None:
        # The account was deleted while the payer was at the gateway: nothing to credit;
        # the order stays as the accounting record (and ops can refund it).
        log.warning("paid order without an account", tenant=tenant.slug, order=str(order.id))
        return
    if order.item_kind == "points":
        record(
            db,
            tenant,
            order.user_id,
            "purchase",
            order.points,
            order_id=order.id,
            note=f"order {order.id}",
        )
    else:
        extend_prime(db, tenant, order.user_id, order.prime_days)
    enqueue_after_commit(db, RECEIPT_ACTOR, tenant.slug, str(order.id))
    log.info("order paid", tenant=tenant.slug, order=str(order.id), gateway=order.gateway)
