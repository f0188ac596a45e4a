"""Periodic housekeeping, run by `warren scheduler` (one per deployment): recovering
stalled jobs (every minute by default) and deleting expired uploads (every ten minutes),
at the intervals the settings give.

APScheduler does the timing; each task is idempotent, so a second scheduler by mistake
costs only duplicate work.
"""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler

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
    log.info("scheduler started", tasks=[job.id for job in scheduler.get_jobs()])
    scheduler.start()
