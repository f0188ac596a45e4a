"""The sweep: every due row of every rule, in batches, objects before rows.

Each batch is one transaction: ``DELETE … WHERE id = ANY(ARRAY(SELECT id … LIMIT n FOR
UPDATE SKIP LOCKED)) RETURNING storage_key``, then the batch's objects are deleted (the
stores batch S3's multi-delete and skip missing keys), then the commit. While a batch's
objects are being deleted, the next batch's rows are already claimed in a transaction of
its own (two at most). So:

- two sweepers never take the same rows (SKIP LOCKED) and never wait on each other;
- a crash before the commit rolls the rows back while some objects may be gone: the
  rows are still due, the next sweep deletes their (missing) objects and the rows;
- an object is never left without its row: rows only disappear in the commit that
  follows their objects' deletion.

Every (tenant, rule) run is recorded in ``retention_runs``, started before the work and
finished after it, with per-target counts and the error if one stopped it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, label, null, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, sessionmaker

from warren.db.base import utcnow
from warren.lifecycle.erasure import erase_account
from warren.lifecycle.inactivity import send_inactivity_warnings
from warren.lifecycle.models import ErasureReason, RetentionRun
from warren.lifecycle.rules import RULES, Action, Rule, Target
from warren.logs import get_logger
from warren.mail.base import Mailer
from warren.storage.base import ObjectStore
from warren.storage.tenant_store import TenantStore
from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant

log = get_logger("warren.lifecycle")

BATCH = 5000
# Accounts are erased one by one inside a batch; fewer per transaction.
ACCOUNT_BATCH = 50

Progress = Callable[[str, str, int], None]


class SweepDeps(Protocol):
    """What a sweep uses; the runtime has all of it."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def store(self) -> ObjectStore: ...
    @property
    def mailer(self) -> Mailer: ...
    @property
    def registry(self) -> Registry: ...


@dataclass
class RuleResult:
    tenant: str
    rule: Rule
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def total(self) -> int:
        return sum(n for name, n in self.counts.items() if name not in {"objects", "warned"})


def sweep(
    deps: SweepDeps,
    tenants: Iterable[Tenant] | None = None,
    rules: Iterable[Rule] | None = None,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> list[RuleResult]:
    """Run ``rules`` (all by default) for ``tenants`` (all by default).

    A rule that fails is recorded with its error and the next one still runs."""
    chosen = tuple(rules) if rules is not None else tuple(Rule)
    results = []
    for tenant in tenants if tenants is not None else deps.registry:
        for rule in chosen:
            results.append(_run_rule(deps, tenant, rule, batch, progress))
    return results


def _run_rule(
    deps: SweepDeps, tenant: Tenant, rule: Rule, batch: int, progress: Progress | None
) -> RuleResult:
    result = RuleResult(tenant.slug, rule)
    with deps.sessions() as db:
        run = RetentionRun(tenant_id=tenant.slug, rule=rule.value, counts={})
        db.add(run)
        db.commit()
        run_id = run.id
    # One moment per run: rows becoming due during the sweep wait for the next one.
    now = utcnow()

    def counted(name: str, n: int) -> None:
        result.counts[name] = result.counts.get(name, 0) + n
        if progress is not None and name != "objects":
            progress(tenant.slug, rule.value, n)

    try:
        if rule is Rule.INACTIVE_ACCOUNTS:
            with deps.sessions() as db:
                counted("warned", send_inactivity_warnings(db, deps.mailer, tenant, now))
        for target in RULES[rule]:
            result.counts.setdefault(target.name, 0)
            _run_target(deps, tenant, target, now, batch, counted)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        log.exception("retention rule failed", tenant=tenant.slug, rule=rule.value)
    with deps.sessions() as db:
        db.execute(
            update(RetentionRun)
            .where(RetentionRun.id == run_id)
            .values(finished_at=utcnow(), counts=result.counts, error=result.error)
        )
        db.commit()
    return result


def _run_target(
    deps: SweepDeps,
    tenant: Tenant,
    target: Target,
    now: datetime,
    batch: int,
    counted: Callable[[str, int], None],
) -> None:
    if target.action is Action.ERASE:
        while True:
            with deps.sessions() as db:
                done = _erase_batch(db, deps.store, tenant, target, now, min(batch, ACCOUNT_BATCH))
                db.commit()
            if not done:
                return
            counted(target.name, done)
    _run_pipelined(deps, tenant, target, now, batch, counted)


@dataclass
class _Pending:
    """A batch whose rows are deleted in an open transaction while its objects are
    being deleted in the background; it commits only once they are gone."""

    db: Session
    rows: int
    objects: int
    deleting: Future[None] | None

    def finish(self, counted: Callable[[str, int], None], name: str) -> None:
        try:
            if self.deleting is not None:
                self.deleting.result()
            self.db.commit()
        finally:
            self.db.close()
        counted(name, self.rows)
        if self.objects:
            counted("objects", self.objects)

    def abandon(self) -> None:
        """Roll back, after the deletion in flight ends: like a crash before the commit,
        the rows stay due and the next sweep skips their missing objects."""
        try:
            if self.deleting is not None:
                wait([self.deleting])
            self.db.rollback()
        finally:
            self.db.close()


def _run_pipelined(
    deps: SweepDeps,
    tenant: Tenant,
    target: Target,
    now: datetime,
    batch: int,
    counted: Callable[[str, int], None],
) -> None:
    """Batches in two overlapping transactions: while one batch's objects are deleted
    (file system or S3 calls, in a thread), the next batch's rows are claimed and deleted
    in a transaction of their own, so the sweep takes the longer of the two, not their
    sum. A batch still commits only after its own objects are gone.

    This relies on two batches never touching one row: their claims are disjoint (ids
    after the last one, SKIP LOCKED), and no target's cascade reaches a row that another
    parent row's cascade reaches too. A target that broke this would make the newer
    batch wait for a lock the older one releases only after that wait ends."""
    store = TenantStore(deps.store, tenant.slug)
    after: Any = None
    pending: _Pending | None = None
    with ThreadPoolExecutor(1, thread_name_prefix="warren-sweep-objects") as objects:
        try:
            while True:
                db = deps.sessions()
                try:
                    done, keys, after = _batch(db, tenant, target, now, batch, after)
                except BaseException:
                    db.close()
                    raise
                if pending is not None:
                    finishing, pending = pending, None
                    try:
                        finishing.finish(counted, target.name)
                    except BaseException:
                        db.rollback()
                        db.close()
                        raise
                if not done:
                    db.rollback()
                    db.close()
                    return
                deleting = objects.submit(store.delete_many, keys) if keys else None
                pending = _Pending(db, done, len(keys), deleting)
        finally:
            if pending is not None:
                pending.abandon()


def claim(target: Target, tenant: Tenant, now: datetime, limit: int, after: Any) -> Any:
    """The ids of up to ``limit`` due rows after id ``after``, in id order, locked,
    skipping rows another sweeper holds.

    Walking the primary key forward means each batch starts where the last one ended
    instead of stepping again over the dead tuples of every row already deleted, which
    made the cost of a batch grow with the number deleted before it."""
    ids = target.due(tenant, now).with_only_columns(target.table.id)
    if after is not None:
        ids = ids.where(target.table.id > after)
    ids = (
        ids.order_by(target.table.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=target.table)
    )
    return func.array(ids.scalar_subquery())


def _batch(
    db: Session, tenant: Tenant, target: Target, now: datetime, limit: int, after: Any
) -> tuple[int, list[str], Any]:
    """One batch: rows deleted (or cleared), the object keys to delete before the
    commit, and the last id (where the next batch starts)."""
    table = target.table
    chosen = table.id == func.any(claim(target, tenant, now, limit, after))
    if target.action is Action.CLEAR_IP:
        statement: Any = update(table).where(chosen).values(ip_value=None)
    else:
        statement = delete(table).where(chosen)
    # One row back, not one per deleted row: the count, the last id and (for targets
    # with objects) the keys as one array. Turning thousands of rows into Python objects
    # (a UUID per id, for nothing but a max) was a tenth of the sweep's time.
    gone = statement.returning(
        table.id.label("id"),
        label("key", target.key if target.key is not None else table.id),
    ).cte("gone")
    last = func.array_agg(aggregate_order_by(gone.c.id, gone.c.id.desc()))[1]
    keys = func.array_agg(gone.c.key) if target.key is not None else null()
    done, last_id, found = db.execute(select(func.count(), last, keys).select_from(gone)).one()
    if not done:
        return 0, [], after
    return done, found or [], last_id


def _erase_batch(
    db: Session, store: ObjectStore, tenant: Tenant, target: Target, now: datetime, limit: int
) -> int:
    users = list(
        db.scalars(
            target.due(tenant, now)
            .with_only_columns(target.table.id)
            .order_by(target.table.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=target.table)
        )
    )
    for user_id in users:
        erase_account(db, store, tenant, user_id, ErasureReason.INACTIVE)
    return len(users)


def history(db: Session, tenant: Tenant | None = None, limit: int = 50) -> list[RetentionRun]:
    query = select(RetentionRun)
    if tenant is not None:
        query = query.where(RetentionRun.tenant_id == tenant.slug)
    return list(db.scalars(query.order_by(RetentionRun.id.desc()).limit(limit)))
