"""warren's own receipt for a paid order (besides the gateway's), sent by a worker."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.billing.models import Order, OrderState
from warren.db.base import utcnow
from warren.i18n import translator
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
    language = user.language if user.language in tenant.languages else tenant.languages[0]
    words = translator(language)
    text = (
        words.gettext(
            "Hello %(username)s,\n\n"
            "Thank you for your payment to %(brand)s.\n\n"
            "Order: %(order)s\n"
            "Item: %(title)s\n"
            "Amount: %(amount)s %(currency)s\n"
            "Paid: %(paid)s\n"
            "Payment reference: %(reference)s\n\n"
            "Your orders are listed on your account page: %(account)s.\n"
            "Card details were handled by the payment service only; %(brand)s never "
            "sees them. Questions: %(support)s.\n\n",
            username=user.username,
            brand=tenant.name,
            order=order.id,
            title=order.title,
            amount=order.amount,
            currency=order.currency,
            paid=paid.strftime("%Y-%m-%d %H:%M UTC"),
            reference=order.gateway_payment_id,
            account=f"https://{tenant.domain}/account",
            support=tenant.support_email,
        )
        + f"— {tenant.name}\n"
    )
    mailer.send(
        build_message(
            from_address=tenant.support_email,
            from_name=tenant.name,
            to=user.email,
            subject=words.gettext(
                "Your %(brand)s receipt: %(title)s", brand=tenant.name, title=order.title
            ),
            text=text,
        )
    )
    order.receipt_sent_at = utcnow()
    return True
