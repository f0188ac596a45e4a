"""Granting Prime status (until payments exist, an admin command does it)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.db.base import utcnow
from warren.tenancy.tenant import Tenant


def extend_prime(db: Session, tenant: Tenant, user_id: uuid.UUID, days: int) -> datetime:
    """Prime for ``days`` more: from now, or from the current expiry if still active."""
    if days <= 0:
        raise ValueError("days must be positive")
    user = db.scalar(
        select(User).where(User.id == user_id, User.tenant_id == tenant.slug).with_for_update()
    )
    if user is None:
        raise LookupError("no such user in this tenant")
    now = utcnow()
    start = user.prime_until if user.has_prime(now) and user.prime_until else now
    user.prime_until = start + timedelta(days=days)
    return user.prime_until
