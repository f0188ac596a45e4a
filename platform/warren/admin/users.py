"""What the console does with a brand's users: find them, look at one, grant points or
Prime days, start an erasure. Every change is audited in the same transaction.

Audit entries name a user by id only, never by email or username: the log is
append-only and outlives an erased account, so it must hold nothing that identifies the
person once the account is gone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.admin import audit
from warren.billing.ledger import balance, grant
from warren.billing.models import Order
from warren.billing.prime import extend_prime
from warren.db.base import utcnow
from warren.errors import InvalidInput, NotFound
from warren.generation.models import Job
from warren.lifecycle.erasure import AccountHeld, erase_account
from warren.lifecycle.holds import account_is_held
from warren.lifecycle.models import ErasureReason
from warren.storage.base import ObjectStore
from warren.tenancy.tenant import Tenant

SEARCH_LIMIT = 50
JOBS_SHOWN = 20
ORDERS_SHOWN = 20
MAX_POINTS = 1_000_000
MAX_PRIME_DAYS = 3660
ERASURE_REASONS = (ErasureReason.DATA_SUBJECT_REQUEST, ErasureReason.CHILD)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(db: Session, tenant: Tenant, term: str) -> list[User]:
    """Users of this tenant whose email or username contains ``term``."""
    term = term.strip().lower()
    if not term:
        return []
    pattern = _like(term)
    return list(
        db.scalars(
            select(User)
            .where(
                User.tenant_id == tenant.slug,
                or_(
                    func.lower(User.email).like(pattern, escape="\\"),
                    func.lower(User.username).like(pattern, escape="\\"),
                ),
            )
            .order_by(User.username)
            .limit(SEARCH_LIMIT)
        )
    )


def find(db: Session, tenant: Tenant, user_id: uuid.UUID) -> User:
    user = db.scalar(select(User).where(User.tenant_id == tenant.slug, User.id == user_id))
    if user is None:
        raise NotFound(f"{tenant.name} has no such user.")
    return user


@dataclass(frozen=True)
class UserView:
    user: User
    balance: int
    prime_until: datetime | None
    has_prime: bool
    held: bool
    jobs: list[Job]
    orders: list[Order]


def view(db: Session, tenant: Tenant, user_id: uuid.UUID, *, actor: str, ip_value: str) -> UserView:
    """One user's page. Looking at someone's account is itself recorded: who saw whose
    data is part of what the log answers."""
    user = find(db, tenant, user_id)
    audit.record(
        db,
        tenant,
        actor=actor,
        action="user_viewed",
        subject=f"user:{user.id}",
        before=None,
        after=None,
        ip_value=ip_value,
    )
    jobs = list(
        db.scalars(
            select(Job)
            .where(Job.tenant_id == tenant.slug, Job.user_id == user.id)
            .order_by(Job.created_at.desc())
            .limit(JOBS_SHOWN)
        )
    )
    orders = list(
        db.scalars(
            select(Order)
            .where(Order.tenant_id == tenant.slug, Order.user_id == user.id)
            .order_by(Order.created_at.desc())
            .limit(ORDERS_SHOWN)
        )
    )
    return UserView(
        user=user,
        balance=balance(db, tenant, user.id),
        prime_until=user.prime_until,
        has_prime=user.has_prime(utcnow()),
        held=account_is_held(db, tenant, user.id),
        jobs=jobs,
        orders=orders,
    )


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": "Say why (it goes into the audit log)."})
    return reason[:500]


def _amount(raw: str, field: str, upper: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= upper:
        raise InvalidInput({field: f"Enter a whole number from 1 to {upper}."})
    return value


def grant_points(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    amount: str,
    reason: str,
    *,
    actor: str,
    ip_value: str,
) -> int:
    """Grant points through the ledger (as `warren points grant` does); the new balance."""
    points = _amount(amount, "amount", MAX_POINTS)
    why = _reason(reason)
    user = find(db, tenant, user_id)
    before = balance(db, tenant, user.id)
    grant(db, tenant, user.id, points, f"{actor}: {why}")
    db.flush()
    after = balance(db, tenant, user.id)
    audit.record(
        db,
        tenant,
        actor=actor,
        action="points_granted",
        subject=f"user:{user.id}",
        before={"balance": before},
        after={"balance": after, "granted": points, "reason": why},
        ip_value=ip_value,
    )
    return after


def grant_prime(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    days: str,
    reason: str,
    *,
    actor: str,
    ip_value: str,
) -> datetime:
    """Extend Prime (as `warren prime grant` does); the new end."""
    count = _amount(days, "days", MAX_PRIME_DAYS)
    why = _reason(reason)
    user = find(db, tenant, user_id)
    before = user.prime_until
    until = extend_prime(db, tenant, user.id, count)
    audit.record(
        db,
        tenant,
        actor=actor,
        action="prime_granted",
        subject=f"user:{user.id}",
        before={"prime_until": before},
        after={"prime_until": until, "days": count, "reason": why},
        ip_value=ip_value,
    )
    return until


def erase(
    db: Session,
    store: ObjectStore,
    tenant: Tenant,
    user_id: uuid.UUID,
    reason: str,
    *,
    actor: str,
    ip_value: str,
) -> None:
    """Erase the account now (warren.lifecycle.erasure); refused while it is on hold."""
    try:
        why = ErasureReason(reason)
    except ValueError:
        why = None
    if why not in ERASURE_REASONS:
        raise InvalidInput({"reason": "Choose why the account is erased."})
    assert why is not None
    find(db, tenant, user_id)
    try:
        erasure = erase_account(db, store, tenant, user_id, why)
    except AccountHeld as held:
        raise AccountHeld(
            f"This account is on hold (legal or moderation) and cannot be erased until the "
            f"hold is lifted. Nothing was deleted. ({held.message})"
        ) from None
    audit.record(
        db,
        tenant,
        actor=actor,
        action="account_erased",
        subject=f"user:{user_id}",
        before={"account": "present"},
        after={"account": "erased", "reason": why.value, "erasure": erasure.id},
        ip_value=ip_value,
    )
