"""Finding jobs whose message was lost or whose worker died, and queueing them again.

A job is committed before its message is sent, so a broker outage at that moment, or a
worker killed mid-run, leaves a job that nothing will pick up. Re-enqueueing is safe:
running a job is idempotent (see runner.py). A job that has used up its attempts while
its worker kept dying is failed and refunded here.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from warren.billing.ledger import refund
from warren.db.base import utcnow
from warren.generation.models import Job, JobState
from warren.generation.runner import GENERIC_FAILURE, MAX_ATTEMPTS
from warren.generation.submit import RUN_JOB_ACTOR
from warren.queue.port import enqueue_after_commit
from warren.tenancy.registry import Registry

# Longer than Dramatiq's backoff between attempts and than a normal queue wait, so a job
# that is merely waiting its turn is not sent twice.
PENDING_GRACE = timedelta(minutes=5)


def recover_stale_jobs(db: Session, registry: Registry, batch: int = 500) -> int:
    """Re-enqueue stale jobs (or fail them when out of attempts); returns how many."""
    now = utcnow()
    stale = list(
        db.scalars(
            select(Job)
            .where(
                or_(
                    and_(Job.status == JobState.PENDING, Job.queued_at < now - PENDING_GRACE),
                    and_(Job.status == JobState.RUNNING, Job.lease_until < now),
                )
            )
            .order_by(Job.created_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    for job in stale:
        tenant = registry.tenants.get(job.tenant_id)
        if tenant is None:
            continue
        if job.status == JobState.RUNNING and job.attempts >= MAX_ATTEMPTS:
            db.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(
                    status=JobState.FAILED, error=GENERIC_FAILURE, lease_until=None, finished_at=now
                )
            )
            refund(db, tenant, job.user_id, job.id)
        else:
            job.queued_at = now
            enqueue_after_commit(db, RUN_JOB_ACTOR, tenant.slug, str(job.id))
    db.commit()
    return len(stale)
