"""Order forms kept while their user buys points, so they come back to what they typed.

The prompt and chosen references stay on the server (a day at most, see
``reconcile.purge_drafts``); only the draft's id travels, in warren's own links.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.billing.models import CheckoutDraft
from warren.db.base import utcnow
from warren.tenancy.tenant import Tenant

DRAFT_LIFETIME = timedelta(hours=24)


def save_draft(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    product_key: str,
    prompt: str,
    reference_ids: list[uuid.UUID],
) -> uuid.UUID:
    draft = CheckoutDraft(
        tenant_id=tenant.slug,
        user_id=user_id,
        product_key=product_key,
        prompt=prompt[:4000],
        reference_ids=reference_ids,
    )
    db.add(draft)
    db.flush()
    return draft.id


def load_draft(
    db: Session, tenant: Tenant, user_id: uuid.UUID, draft_id: uuid.UUID
) -> CheckoutDraft | None:
    return db.scalar(
        select(CheckoutDraft).where(
            CheckoutDraft.id == draft_id,
            CheckoutDraft.tenant_id == tenant.slug,
            CheckoutDraft.user_id == user_id,
            CheckoutDraft.created_at > utcnow() - DRAFT_LIFETIME,
        )
    )


def draft_for_order(
    db: Session, tenant: Tenant, user_id: uuid.UUID, order_id: uuid.UUID
) -> CheckoutDraft | None:
    return db.scalar(
        select(CheckoutDraft).where(
            CheckoutDraft.order_id == order_id,
            CheckoutDraft.tenant_id == tenant.slug,
            CheckoutDraft.user_id == user_id,
            CheckoutDraft.created_at > utcnow() - DRAFT_LIFETIME,
        )
    )
