"""Energy points: grants, and the reserve → capture | refund cycle of a job.

The balance is the sum of a user's movements. Reserving takes a row lock on the user,
so concurrent submissions are serialised per user and the balance can never go
negative; the unique (job, kind) index makes capture and refund happen at most once.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.billing.models import PointMovement
from warren.errors import InsufficientPoints
from warren.tenancy.tenant import Tenant


def balance(db: Session, tenant: Tenant, user_id: uuid.UUID) -> int:
    total = db.scalar(
        select(func.coalesce(func.sum(PointMovement.amount), 0)).where(
            PointMovement.tenant_id == tenant.slug, PointMovement.user_id == user_id
        )
    )
    return int(total or 0)


def grant(db: Session, tenant: Tenant, user_id: uuid.UUID, amount: int, note: str) -> None:
    if amount <= 0:
        raise ValueError("a grant must be a positive number of points")
    db.add(
        PointMovement(
            tenant_id=tenant.slug, user_id=user_id, kind="grant", amount=amount, note=note
        )
    )


def reserve(
    db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID, amount: int
) -> None:
    """Hold ``amount`` for a job, or raise InsufficientPoints. Call inside the job's transaction."""
    locked = db.scalar(
        select(User.id).where(User.id == user_id, User.tenant_id == tenant.slug).with_for_update()
    )
    if locked is None:
        raise LookupError("no such user in this tenant")
    available = balance(db, tenant, user_id)
    if available < amount:
        raise InsufficientPoints(amount, available)
    db.add(
        PointMovement(
            tenant_id=tenant.slug, user_id=user_id, kind="reserve", amount=-amount, job_id=job_id
        )
    )


def _settle(db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID, kind: str) -> bool:
    """Capture or refund a job's hold once; False when it was already settled."""
    held = db.scalar(
        select(PointMovement.amount).where(
            PointMovement.tenant_id == tenant.slug,
            PointMovement.job_id == job_id,
            PointMovement.kind == "reserve",
        )
    )
    if held is None:
        return False
    settled = db.scalar(
        select(func.count()).where(
            PointMovement.job_id == job_id, PointMovement.kind.in_(("capture", "refund"))
        )
    )
    if settled:
        return False
    result = db.execute(
        insert(PointMovement)
        .values(
            tenant_id=tenant.slug,
            user_id=user_id,
            kind=kind,
            amount=0 if kind == "capture" else -held,
            job_id=job_id,
            note="",
        )
        .on_conflict_do_nothing()
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def capture(db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID) -> bool:
    return _settle(db, tenant, user_id, job_id, "capture")


def refund(db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID) -> bool:
    return _settle(db, tenant, user_id, job_id, "refund")
