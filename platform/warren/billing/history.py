"""A user's order history: what they ordered made (generation jobs) and what they paid
for (payment orders), newest first, a keyset page at a time, on one brand only."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.billing.models import Order
from warren.db.keyset import KeysetPage, newest_first
from warren.generation.models import Job
from warren.tenancy.tenant import Tenant

PAGE_SIZE = 20


def made_orders(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    *,
    after: str | None = None,
    size: int = PAGE_SIZE,
) -> KeysetPage[Job]:
    """The user's generation orders on this brand. Assistant replies are not listed: they
    are the chat's messages, priced on the assistant page."""
    query = select(Job).where(
        Job.tenant_id == tenant.slug, Job.user_id == user_id, Job.assistant_key.is_(None)
    )
    return newest_first(db, query, Job.created_at, Job.id, after=after, size=size, field="made")


def payment_orders(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    *,
    after: str | None = None,
    size: int = PAGE_SIZE,
) -> KeysetPage[Order]:
    """The user's payments on this brand, whatever their state."""
    query = select(Order).where(Order.tenant_id == tenant.slug, Order.user_id == user_id)
    return newest_first(db, query, Order.created_at, Order.id, after=after, size=size, field="paid")
