"""Energy points: grants, and the reserve → capture | refund cycle of a job.

Every movement adds its ledger row and moves the user's stored balance
(``point_balances``) by the same amount in the same transaction, so reading a balance is
one row however long the history. The balance row is the user's lock for points: every
write to it waits for the previous writer's commit, so concurrent movements of one user
apply one after the other. Reserving is a conditional UPDATE of that row (only if the
balance covers the price), so concurrent submissions can never overdraw it; the unique
(job, kind) and (order, kind) indexes make every job and order movement happen at most
once. ``warren points check`` (and the scheduler) compares stored balances with the
ledger's sums.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    DateTime,
    Uuid,
    bindparam,
    func,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.billing.models import BalanceCheck, PointBalance, PointMovement
from warren.db.base import utcnow
from warren.errors import InsufficientPoints
from warren.tenancy.tenant import Tenant


def balance(db: Session, tenant: Tenant, user_id: uuid.UUID) -> int:
    stored = db.scalar(
        select(PointBalance.balance).where(
            PointBalance.tenant_id == tenant.slug, PointBalance.user_id == user_id
        )
    )
    return int(stored or 0)


def balance_for_update(db: Session, tenant: Tenant, user_id: uuid.UUID) -> int:
    """The balance, its row locked until the caller's commit: what a debit decided on it
    (a refund's reversal) cannot be undercut by a submission in between."""
    stored = db.scalar(
        select(PointBalance.balance)
        .where(PointBalance.tenant_id == tenant.slug, PointBalance.user_id == user_id)
        .with_for_update()
    )
    return int(stored or 0)


# The ledger's writes as SQL text, prepared once: SQLAlchemy 2.0 cannot cache the
# compiled form of a PostgreSQL INSERT … ON CONFLICT (its Insert has no cache key), so
# the expression forms were compiled again on every submission and every job run.
_TIMESTAMP = DateTime(timezone=True)

_ADD_MOVEMENT = text(
    """
    INSERT INTO point_movements
        (tenant_id, user_id, kind, amount, job_id, order_id, note, created_at)
    VALUES (:b_tenant, :b_user, :b_kind, :b_amount, :b_job, :b_order, :b_note, :b_now)
    ON CONFLICT DO NOTHING
    RETURNING id
    """
).bindparams(
    bindparam("b_user", type_=Uuid),
    bindparam("b_job", type_=Uuid),
    bindparam("b_order", type_=Uuid),
    bindparam("b_now", type_=_TIMESTAMP),
)

_MOVE_BALANCE = text(
    """
    INSERT INTO point_balances (user_id, tenant_id, balance, updated_at)
    VALUES (:b_user, :b_tenant, :b_amount, :b_now)
    ON CONFLICT (user_id) DO UPDATE
    SET balance = point_balances.balance + excluded.balance, updated_at = excluded.updated_at
    """
).bindparams(bindparam("b_user", type_=Uuid), bindparam("b_now", type_=_TIMESTAMP))

# Every submission's debit: building the ORM form per call, and the session evaluating
# its WHERE against loaded objects, was most of a submission's CPU.
_DEBIT = text(
    """
    UPDATE point_balances SET balance = balance - :b_amount, updated_at = :b_now
    WHERE user_id = :b_user AND tenant_id = :b_tenant AND balance >= :b_amount
    RETURNING balance
    """
).bindparams(bindparam("b_user", type_=Uuid), bindparam("b_now", type_=_TIMESTAMP))


def _insert(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    kind: str,
    amount: int,
    job_id: uuid.UUID | None,
    order_id: uuid.UUID | None,
    note: str,
) -> bool:
    added = db.scalar(
        _ADD_MOVEMENT,
        {
            "b_tenant": tenant.slug,
            "b_user": user_id,
            "b_kind": kind,
            "b_amount": amount,
            "b_job": job_id,
            "b_order": order_id,
            "b_note": note,
            "b_now": utcnow(),
        },
    )
    return added is not None


def _move_balance(
    db: Session | Connection, tenant: Tenant, user_id: uuid.UUID, amount: int
) -> None:
    if not amount:
        return
    db.execute(
        _MOVE_BALANCE,
        {"b_user": user_id, "b_tenant": tenant.slug, "b_amount": amount, "b_now": utcnow()},
    )


def record(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    kind: str,
    amount: int,
    *,
    job_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    note: str = "",
) -> bool:
    """Add one movement and move the stored balance by ``amount``, in the caller's
    transaction. False (and nothing changed) when the job's or order's movement of this
    kind already exists. Not for spending: :func:`reserve` checks the balance."""
    if not _insert(db, tenant, user_id, kind, amount, job_id, order_id, note):
        return False
    _move_balance(db, tenant, user_id, amount)
    return True


def grant(db: Session, tenant: Tenant, user_id: uuid.UUID, amount: int, note: str) -> None:
    if amount <= 0:
        raise ValueError("a grant must be a positive number of points")
    record(db, tenant, user_id, "grant", amount, note=note)


def reserve(
    db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID, amount: int
) -> None:
    """Hold ``amount`` for a job, or raise InsufficientPoints. Call inside the job's transaction."""
    if amount > 0:
        # One conditional UPDATE is the check and the debit: it locks the user's balance
        # row and re-reads it after any concurrent writer commits, so two submissions
        # racing for the last points cannot both pass.
        left = db.scalar(
            _DEBIT,
            {"b_user": user_id, "b_tenant": tenant.slug, "b_amount": amount, "b_now": utcnow()},
        )
        if left is None:
            if (
                db.scalar(select(User.id).where(User.id == user_id, User.tenant_id == tenant.slug))
                is None
            ):
                raise LookupError("no such user in this tenant")
            raise InsufficientPoints(amount, balance(db, tenant, user_id))
    if not _insert(db, tenant, user_id, "reserve", -amount, job_id, None, ""):
        raise RuntimeError(f"job {job_id} already holds points")


# A capture makes the hold final (0 points back); a refund gives the hold back.
_SETTLE = text(
    """
    INSERT INTO point_movements (tenant_id, user_id, kind, amount, job_id, note, created_at)
    SELECT held.tenant_id, held.user_id, CAST(:b_kind AS varchar),
           CASE WHEN CAST(:b_kind AS varchar) = 'capture' THEN 0 ELSE -held.amount END,
           held.job_id, '', :b_now
    FROM point_movements AS held
    WHERE held.tenant_id = :b_tenant AND held.user_id = :b_user AND held.job_id = :b_job
      AND held.kind = 'reserve'
      AND NOT EXISTS (
        SELECT 1 FROM point_movements AS settled
        WHERE settled.job_id = :b_job AND settled.kind IN ('capture', 'refund')
      )
    ON CONFLICT DO NOTHING
    RETURNING amount
    """
).bindparams(
    bindparam("b_user", type_=Uuid),
    bindparam("b_job", type_=Uuid),
    bindparam("b_now", type_=_TIMESTAMP),
)


def _settle(
    db: Session | Connection, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID, kind: str
) -> bool:
    """Capture or refund a job's hold once; False when it was already settled.

    One statement: the movement is inserted from the job's reserve row only while no
    capture or refund of the job exists (and the unique index stops a second of a kind)."""
    added = db.execute(
        _SETTLE,
        {
            "b_kind": kind,
            "b_tenant": tenant.slug,
            "b_user": user_id,
            "b_job": job_id,
            "b_now": utcnow(),
        },
    ).first()
    if added is None:
        return False
    _move_balance(db, tenant, user_id, int(added[0]))
    return True


def capture(
    db: Session | Connection, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID
) -> bool:
    return _settle(db, tenant, user_id, job_id, "capture")


def refund(db: Session | Connection, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID) -> bool:
    return _settle(db, tenant, user_id, job_id, "refund")


@dataclass(frozen=True)
class Mismatch:
    user_id: uuid.UUID
    stored: int
    ledger: int


def check_balances(
    db: Session, tenant: Tenant, after: uuid.UUID | None = None, limit: int = 1000
) -> tuple[int, list[Mismatch], uuid.UUID | None]:
    """One batch of the balance check: up to ``limit`` of the tenant's users (by id, after
    ``after``) with their stored balance and ledger sum. Returns the users checked, those
    whose two figures differ, and the id to continue after (None at the end)."""
    users = (
        select(User.id)
        .where(User.tenant_id == tenant.slug, User.id > after if after else true())
        .order_by(User.id)
        .limit(limit)
        .subquery()
    )
    sums = (
        select(PointMovement.user_id, func.sum(PointMovement.amount).label("total"))
        .where(
            PointMovement.tenant_id == tenant.slug,
            PointMovement.user_id.in_(select(users.c.id)),
        )
        .group_by(PointMovement.user_id)
        .subquery()
    )
    rows = db.execute(
        select(
            users.c.id,
            func.coalesce(PointBalance.balance, 0),
            func.coalesce(sums.c.total, 0),
        )
        .select_from(users)
        .outerjoin(PointBalance, PointBalance.user_id == users.c.id)
        .outerjoin(sums, sums.c.user_id == users.c.id)
        .order_by(users.c.id)
    ).all()
    mismatches = [
        Mismatch(user_id, int(stored), int(total))
        for user_id, stored, total in rows
        if int(stored) != int(total)
    ]
    last = rows[-1][0] if len(rows) == limit else None
    return len(rows), mismatches, last


def check_tenant(
    db: Session, tenant: Tenant, batch: int = 1000
) -> Iterator[tuple[int, list[Mismatch]]]:
    """The whole tenant's check in batches: (users checked in the batch, its mismatches)."""
    after: uuid.UUID | None = None
    while True:
        count, mismatches, after = check_balances(db, tenant, after, batch)
        yield count, mismatches
        if after is None:
            return


@dataclass
class CheckResult:
    tenant: str
    users: int
    mismatches: list[Mismatch]


def run_check(
    db: Session,
    tenant: Tenant,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> CheckResult:
    """Check every user of the tenant and record the run (what ``/metrics`` reports);
    ``progress`` is told how many users each batch covered. The caller commits."""
    started = utcnow()
    result = CheckResult(tenant.slug, 0, [])
    for count, mismatches in check_tenant(db, tenant, batch):
        result.users += count
        result.mismatches.extend(mismatches)
        if progress is not None:
            progress(count)
    db.add(
        BalanceCheck(
            tenant_id=tenant.slug,
            started_at=started,
            finished_at=utcnow(),
            users=result.users,
            mismatches=len(result.mismatches),
        )
    )
    return result
