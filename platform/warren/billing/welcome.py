"""Welcome points: what a brand gives a new account once its email address is verified
(``payments.welcome_points``, 0 by default). The verification flow calls this."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.billing.ledger import record
from warren.billing.models import PointMovement
from warren.tenancy.tenant import Tenant

WELCOME_NOTE = "welcome points"


def grant_welcome_points(db: Session, tenant: Tenant, user_id: uuid.UUID) -> int:
    """The points granted now: the tenant's welcome points the first time, 0 after."""
    amount = tenant.payments.welcome_points
    if amount <= 0:
        return 0
    # The user's row lock makes two verifications at once grant only once.
    locked = db.scalar(
        select(User.id).where(User.id == user_id, User.tenant_id == tenant.slug).with_for_update()
    )
    if locked is None:
        raise LookupError("no such user in this tenant")
    already = db.scalar(
        select(func.count()).where(
            PointMovement.tenant_id == tenant.slug,
            PointMovement.user_id == user_id,
            PointMovement.kind == "grant",
            PointMovement.note == WELCOME_NOTE,
        )
    )
    if already:
        return 0
    record(db, tenant, user_id, "grant", amount, note=WELCOME_NOTE)
    return amount
