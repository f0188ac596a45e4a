"""Orders: created before the payer is sent to the gateway, listed on the account page.

The order row and the gateway's checkout are made in one unit of work that holds the
order's lock (``lock_order``) until it commits, so a notification that arrives before the
order is visible waits for it instead of missing it.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.billing.gateways.base import CheckoutRequest, Gateway, GatewayError
from warren.billing.models import CheckoutDraft, Order, OrderState
from warren.errors import InvalidInput, NotFound, Unavailable
from warren.i18n import N_
from warren.tenancy.tenant import PointsPack, Tenant

GATEWAY_DOWN = N_(
    "The payment service cannot be reached right now. Nothing was charged; try again in a minute."
)


def lock_order(db: Session, order_id: uuid.UUID) -> None:
    """A transaction-scoped lock on one order id, taken by whoever creates or settles it."""
    db.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(str(order_id), 0))))


@dataclass(frozen=True)
class StartedCheckout:
    order: Order
    redirect_url: str


def begin_checkout(
    db: Session,
    tenant: Tenant,
    gateway: Gateway,
    user: User,
    item_key: str,
    origin: str,
    draft_id: uuid.UUID | None = None,
) -> StartedCheckout:
    """An order for ``item_key`` and the gateway's checkout for it; ``origin`` is the
    brand's own scheme and host the payer returns to."""
    item = tenant.payments.item(item_key)
    if item is None:
        raise NotFound(N_("This is not for sale here."))
    is_pack = isinstance(item, PointsPack)
    order = Order(
        tenant_id=tenant.slug,
        user_id=user.id,
        item_key=item_key,
        item_kind="points" if is_pack else "prime",
        points=item.points if isinstance(item, PointsPack) else 0,
        prime_days=0 if isinstance(item, PointsPack) else item.days,
        amount=item.price,
        currency=tenant.payments.currency,
        gateway=gateway.name,
        state=OrderState.CREATED,
    )
    db.add(order)
    db.flush()
    lock_order(db, order.id)
    try:
        checkout = gateway.create_checkout(
            CheckoutRequest(
                order_id=order.id,
                amount=order.amount,
                currency=order.currency,
                email=user.email,
                success_url=f"{origin}/payments/orders/{order.id}/return",
                cancel_url=f"{origin}/payments/orders/{order.id}/cancelled",
            )
        )
    except GatewayError:
        raise Unavailable(GATEWAY_DOWN) from None
    order.gateway_payment_id = checkout.payment_id
    order.state = OrderState.PENDING
    if draft_id is not None:
        draft = db.scalar(
            select(CheckoutDraft).where(
                CheckoutDraft.id == draft_id,
                CheckoutDraft.tenant_id == tenant.slug,
                CheckoutDraft.user_id == user.id,
            )
        )
        if draft is not None:
            draft.order_id = order.id
    return StartedCheckout(order, checkout.redirect_url)


def order_of(db: Session, tenant: Tenant, user_id: uuid.UUID, order_id: uuid.UUID) -> Order:
    order = db.scalar(
        select(Order).where(
            Order.id == order_id, Order.tenant_id == tenant.slug, Order.user_id == user_id
        )
    )
    if order is None:
        raise NotFound(N_("There is no such order."))
    return order


ORDERS_PAGE = 20


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    # Pass as ``after`` for the next (older) page; None on the last page.
    next_cursor: str | None


def _order_cursor(order: Order) -> str:
    raw = f"{order.created_at.isoformat()}|{order.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _order_after(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, order_id = raw.partition("|")
        return datetime.fromisoformat(created), uuid.UUID(order_id)
    except ValueError:
        raise InvalidInput(
            {"orders_after": "This page link is not valid; start from the first page."}
        ) from None


def user_orders(
    db: Session, tenant: Tenant, user_id: uuid.UUID, after: str | None = None
) -> OrderPage:
    """A user's orders, newest first, one page at a time by keyset (the index on tenant,
    user and creation time serves it however long the history). Raises InvalidInput for
    a cursor warren did not make."""
    query = select(Order).where(Order.tenant_id == tenant.slug, Order.user_id == user_id)
    if after:
        created, order_id = _order_after(after)
        query = query.where(
            or_(Order.created_at < created, and_(Order.created_at == created, Order.id < order_id))
        )
    rows = list(
        db.scalars(query.order_by(Order.created_at.desc(), Order.id.desc()).limit(ORDERS_PAGE + 1))
    )
    more = len(rows) > ORDERS_PAGE
    rows = rows[:ORDERS_PAGE]
    return OrderPage(rows, _order_cursor(rows[-1]) if more and rows else None)
