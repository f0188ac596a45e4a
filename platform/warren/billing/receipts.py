"""warren's own receipt for a paid order (besides the gateway's), sent by a worker."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.billing.models import Order, OrderState
from warren.db.base import utcnow
from warren.mail.base import Mailer
from warren.mail.message import build_message
from warren.tenancy.tenant import Tenant


def send_receipt(db: Session, mailer: Mailer, tenant: Tenant, order_id: uuid.UUID) -> bool:
    """Send once; False when there is nothing to send (not paid, already sent, or the
    account is gone). The caller commits the ``receipt_sent_at`` mark."""
    order = db.scalar(
        select(Order).where(Order.id == order_id, Order.tenant_id == tenant.slug).with_for_update()
    )
    if order is None or order.state != OrderState.PAID or order.receipt_sent_at is not None:
        return False
    user = db.scalar(select(User).where(User.id == order.user_id, User.tenant_id == tenant.slug))
    if user is None:
        return False
    paid = order.paid_at or order.created_at
    text = (
        f"Hello {user.username},\n\n"
        f"Thank you for your payment to {tenant.name}.\n\n"
        f"Order: {order.id}\n"
        f"Item: {order.title}\n"
        f"Amount: {order.amount} {order.currency}\n"
        f"Paid: {paid.strftime('%Y-%m-%d %H:%M UTC')}\n"
        f"Payment reference: {order.gateway_payment_id}\n\n"
        f"Your orders are listed on your account page: https://{tenant.domain}/account.\n"
        f"Card details were handled by the payment service only; {tenant.name} never "
        f"sees them. Questions: {tenant.support_email}.\n\n"
        f"— {tenant.name}\n"
    )
    mailer.send(
        build_message(
            from_address=tenant.support_email,
            from_name=tenant.name,
            to=user.email,
            subject=f"Your {tenant.name} receipt: {order.title}",
            text=text,
        )
    )
    order.receipt_sent_at = utcnow()
    return True
