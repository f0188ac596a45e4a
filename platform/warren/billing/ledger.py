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
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Table,
    Uuid,
    and_,
    bindparam,
    exists,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

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
        insert(PointMovement)
        .values(
            tenant_id=tenant.slug,
            user_id=user_id,
            kind=kind,
            amount=amount,
            job_id=job_id,
            order_id=order_id,
            note=note,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(PointMovement.id)
    )
    return added is not None


def _move_balance(db: Session, tenant: Tenant, user_id: uuid.UUID, amount: int) -> None:
    if not amount:
        return
    upsert = insert(PointBalance).values(
        user_id=user_id, tenant_id=tenant.slug, balance=amount, updated_at=utcnow()
    )
    db.execute(
        upsert.on_conflict_do_update(
            index_elements=[PointBalance.user_id],
            set_={
                "balance": PointBalance.balance + upsert.excluded.balance,
                "updated_at": upsert.excluded.updated_at,
            },
        )
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
            update(PointBalance)
            .where(
                PointBalance.user_id == user_id,
                PointBalance.tenant_id == tenant.slug,
                PointBalance.balance >= amount,
            )
            .values(balance=PointBalance.balance - amount, updated_at=utcnow())
            .returning(PointBalance.balance)
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


def _settle_statement(kind: str) -> Any:
    """Insert the job's ``kind`` movement from its reserve row, only while no capture or
    refund of the job exists (the unique index stops a second of a kind).

    Built once per kind with bind parameters: constructing it per call (and walking it
    for the compiled-statement cache) was the largest part of a job run's CPU."""
    held = aliased(PointMovement)
    settled = aliased(PointMovement)
    job_id = bindparam("b_job", type_=Uuid)
    amount = literal(0, BigInteger) if kind == "capture" else -held.amount
    source = select(
        held.tenant_id,
        held.user_id,
        literal(kind),
        amount,
        held.job_id,
        literal(""),
        bindparam("b_now", type_=DateTime(timezone=True)),
    ).where(
        held.tenant_id == bindparam("b_tenant"),
        held.user_id == bindparam("b_user", type_=Uuid),
        held.job_id == job_id,
        held.kind == "reserve",
        ~exists().where(and_(settled.job_id == job_id, settled.kind.in_(("capture", "refund")))),
    )
    # The table, not the mapped class: an ORM INSERT given a dict of parameters would
    # take it for rows to insert in bulk.
    movements = cast(Table, PointMovement.__table__)
    return (
        insert(movements)
        .from_select(
            ["tenant_id", "user_id", "kind", "amount", "job_id", "note", "created_at"], source
        )
        .on_conflict_do_nothing()
        .returning(movements.c.amount)
    )


_SETTLE = {kind: _settle_statement(kind) for kind in ("capture", "refund")}


def _settle(db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID, kind: str) -> bool:
    """Capture or refund a job's hold once; False when it was already settled."""
    added = db.execute(
        _SETTLE[kind],
        {"b_tenant": tenant.slug, "b_user": user_id, "b_job": job_id, "b_now": utcnow()},
    ).first()
    if added is None:
        return False
    _move_balance(db, tenant, user_id, int(added[0]))
    return True


def capture(db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID) -> bool:
    return _settle(db, tenant, user_id, job_id, "capture")


def refund(db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID) -> bool:
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
