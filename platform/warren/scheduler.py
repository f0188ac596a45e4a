"""Periodic housekeeping, run by `warren scheduler`: recovering stalled jobs (every
minute by default), the retention rules with short periods — uploads and trash — every
ten minutes and every retention rule daily, reconciling pending payments with their
gateways (every ten minutes), checking every stored points balance against its ledger
(daily) and relaying outbox messages whose after-commit send did
not happen (every five seconds), at the intervals the settings give.

Only one scheduler of a deployment runs tasks: it holds a PostgreSQL advisory lock on a
connection of its own for as long as it lives. Others started beside it (a second host
for availability, or a mistake) stand by and try the lock every
``scheduler_standby_seconds``; when the holder dies, PostgreSQL drops its connection and
the lock with it, and a standby takes over. A leader that loses that connection stops
(exit status 1) rather than run on without the lock. Each task is idempotent as well,
so even an overlap at a handover costs only duplicate work.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Connection, Engine, text

from warren.billing.ledger import run_check
from warren.billing.reconcile import purge_drafts, reconcile
from warren.db.unit_of_work import unit_of_work
from warren.generation.recovery import recover_stale_jobs
from warren.lifecycle.rules import FREQUENT
from warren.lifecycle.sweep import RuleResult, sweep
from warren.logs import get_logger
from warren.queue.port import relay_outbox
from warren.rights.export import sweep_expired_exports
from warren.runtime import Runtime

log = get_logger("warren.scheduler")


def recover_jobs(runtime: Runtime) -> None:
    with runtime.sessions() as db:
        count = recover_stale_jobs(db, runtime.registry)
    log.debug("task ran", task="recover-jobs")
    if count:
        log.info("stale jobs recovered", count=count)


def _report(results: list[RuleResult]) -> None:
    for result in results:
        if result.error:
            log.error(
                "retention rule failed",
                tenant=result.tenant,
                rule=result.rule.value,
                error=result.error,
            )
        elif result.total:
            log.info(
                "retention swept",
                tenant=result.tenant,
                rule=result.rule.value,
                counts=result.counts,
            )


def purge_uploads(runtime: Runtime) -> None:
    _report(sweep(runtime, rules=FREQUENT, batch=runtime.settings.retention_batch))


def retention_sweep(runtime: Runtime) -> None:
    _report(sweep(runtime, batch=runtime.settings.retention_batch))
    expire_exports(runtime)


def expire_exports(runtime: Runtime) -> None:
    """Account exports are kept 7 days: each tenant's older ones go."""
    for tenant in runtime.registry:
        with unit_of_work(runtime.sessions) as db:
            count = sweep_expired_exports(db, runtime.store, tenant)
        if count:
            log.info("account exports expired", tenant=tenant.slug, count=count)


def reconcile_payments(runtime: Runtime) -> None:
    """Every tenant's pending orders older than the setting, then stale order drafts."""
    after = timedelta(minutes=runtime.settings.payments_reconcile_after_minutes)
    for tenant in runtime.registry:
        result = reconcile(runtime.sessions, runtime.gateways, tenant, after=after)
        if result.checked:
            log.info(
                "orders reconciled", tenant=tenant.slug, checked=result.checked, **result.settled
            )
    with unit_of_work(runtime.sessions) as db:
        purge_drafts(db)


def check_points(runtime: Runtime) -> None:
    """Stored balances against the ledger, per tenant; the result is recorded for
    ``/metrics`` (``warren_points_balance_mismatches``) and logged when anything differs."""
    for tenant in runtime.registry:
        with unit_of_work(runtime.sessions) as db:
            result = run_check(db, tenant)
        if result.mismatches:
            log.error(
                "points balances differ from the ledger",
                tenant=tenant.slug,
                mismatches=len(result.mismatches),
                users=[str(m.user_id) for m in result.mismatches[:20]],
            )


def relay_messages(runtime: Runtime) -> None:
    grace = timedelta(seconds=runtime.settings.outbox_grace_seconds)
    count = relay_outbox(runtime.engine, runtime.broker, grace)
    log.debug("task ran", task="relay-outbox")
    if count:
        log.info("outbox messages relayed", count=count)


class LostLeadership(RuntimeError):
    """The connection holding the scheduler lock is gone; another scheduler may lead."""


def lock_key(queue_prefix: str) -> int:
    """The advisory lock's key: one per deployment (its queue prefix) in the database."""
    digest = hashlib.sha256(f"warren.scheduler/{queue_prefix}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def take_leadership(engine: Engine, key: int, poll_seconds: float) -> Connection:
    """Block until this process holds the lock; the returned connection keeps it."""
    announced = False
    while True:
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}):
            log.info("scheduler leading")
            return conn
        conn.close()
        if not announced:
            log.info("scheduler standing by: another scheduler leads", poll_seconds=poll_seconds)
            announced = True
        time.sleep(poll_seconds)


def run_scheduler(runtime: Runtime) -> None:
    settings = runtime.settings
    leader = take_leadership(
        runtime.engine, lock_key(settings.queue_prefix), settings.scheduler_standby_seconds
    )
    lost: list[Exception] = []
    scheduler = BlockingScheduler(timezone="UTC")

    def still_leading() -> None:
        try:
            leader.execute(text("SELECT 1"))
        except Exception as exc:
            log.error("scheduler lost its lock connection; stopping")
            lost.append(exc)
            scheduler.shutdown(wait=False)

    tasks: list[tuple[str, Callable[[Runtime], None], float]] = [
        ("recover-jobs", recover_jobs, settings.scheduler_recover_seconds),
        ("purge-uploads", purge_uploads, settings.scheduler_purge_uploads_seconds),
        ("reconcile-payments", reconcile_payments, settings.scheduler_reconcile_payments_seconds),
        ("relay-outbox", relay_messages, settings.outbox_relay_seconds),
        ("retention-sweep", retention_sweep, settings.scheduler_retention_seconds),
        ("check-points", check_points, settings.scheduler_points_check_seconds),
    ]
    scheduler.add_job(
        still_leading,
        "interval",
        seconds=settings.scheduler_standby_seconds,
        id="still-leading",
        max_instances=1,
        coalesce=True,
    )
    for task_id, task, seconds in tasks:
        # One run at a time per task; runs missed while one was busy collapse into one.
        scheduler.add_job(
            task,
            "interval",
            seconds=seconds,
            args=[runtime],
            id=task_id,
            max_instances=1,
            coalesce=True,
        )
    log.info("scheduler started", tasks=[job.id for job in scheduler.get_jobs()])
    try:
        scheduler.start()
    finally:
        leader.close()
    if lost:
        raise LostLeadership("the connection holding the scheduler lock was lost") from lost[0]
