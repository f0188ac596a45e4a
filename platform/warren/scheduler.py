"""Periodic housekeeping, run by `warren scheduler` (one per deployment): recovering
stalled jobs (every minute by default), the retention rules with short periods — uploads
and trash — every ten minutes, and every retention rule daily, at the intervals the
settings give.

APScheduler does the timing; each task is idempotent, so a second scheduler by mistake
costs only duplicate work.
"""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler

from warren.generation.recovery import recover_stale_jobs
from warren.lifecycle.rules import FREQUENT
from warren.lifecycle.sweep import RuleResult, sweep
from warren.logs import get_logger
from warren.runtime import Runtime

log = get_logger("warren.scheduler")


def recover_jobs(runtime: Runtime) -> None:
    with runtime.sessions() as db:
        count = recover_stale_jobs(db, runtime.registry)
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
        retention_sweep,
        "interval",
        seconds=settings.scheduler_retention_seconds,
        args=[runtime],
        id="retention-sweep",
        max_instances=1,
        coalesce=True,
    )
    log.info("scheduler started", tasks=[job.id for job in scheduler.get_jobs()])
    scheduler.start()
