"""Periodic housekeeping, run by `warren scheduler` (one per deployment): recovering
stalled jobs (every minute by default) and deleting expired uploads (every ten minutes),
at the intervals the settings give.

APScheduler does the timing; each task is idempotent, so a second scheduler by mistake
costs only duplicate work.
"""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler

from warren.billing.reconcile import purge_drafts, reconcile
from warren.db.unit_of_work import unit_of_work
from warren.generation.recovery import recover_stale_jobs
from warren.logs import get_logger
from warren.media.expiry import purge_expired_uploads
from warren.runtime import Runtime

log = get_logger("warren.scheduler")


def recover_jobs(runtime: Runtime) -> None:
    with runtime.sessions() as db:
        count = recover_stale_jobs(db, runtime.registry)
    if count:
        log.info("stale jobs recovered", count=count)


def purge_uploads(runtime: Runtime) -> None:
    with runtime.sessions() as db:
        count = purge_expired_uploads(db, runtime.store, runtime.registry)
    if count:
        log.info("expired uploads deleted", count=count)


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


def run_scheduler(runtime: Runtime) -> None:
    settings = runtime.settings
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        recover_jobs,
        "interval",
        seconds=settings.scheduler_recover_seconds,
        args=[runtime],
        id="recover-jobs",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        purge_uploads,
        "interval",
        seconds=settings.scheduler_purge_uploads_seconds,
        args=[runtime],
        id="purge-uploads",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        reconcile_payments,
        "interval",
        seconds=settings.scheduler_reconcile_payments_seconds,
        args=[runtime],
        id="reconcile-payments",
        max_instances=1,
        coalesce=True,
    )
    log.info("scheduler started", tasks=[job.id for job in scheduler.get_jobs()])
    scheduler.start()
