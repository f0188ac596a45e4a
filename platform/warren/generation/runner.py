"""Running a job on a worker: claim it, call the provider, store the result, settle points.

Runs at most once to completion however often its message is delivered:
- claiming is a conditional UPDATE (pending, or running with an expired lease), so two
  deliveries cannot both run it, and a job whose worker died is taken over after its
  lease;
- the result goes to a key derived from the job id, so a re-run overwrites, never adds;
- finishing is a conditional UPDATE on the claimed attempt, the content item is unique
  per job, and capture/refund are unique per job in the ledger.
A provider failure is retried (the job goes back to pending and the actor raises, so
Dramatiq redelivers with backoff) until MAX_ATTEMPTS; then the job fails with a readable
reason and the points are refunded.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import Enum

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.billing.ledger import capture, refund
from warren.chat.conversation import add_message, history
from warren.db.base import utcnow
from warren.generation.anonymise import (
    AnonymisationError,
    Identifiers,
    chat_turns,
    generation_request,
)
from warren.generation.models import DONE, FAILED, PENDING, RUNNING, Job
from warren.generation.providers.base import GeneratedFile, ProviderError
from warren.library.models import ContentItem
from warren.logs import get_logger
from warren.media.models import Upload
from warren.runtime import Runtime
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Tenant

MAX_ATTEMPTS = 3
# Longer than the actor's time limit, so a live attempt never loses its lease.
LEASE = timedelta(minutes=20)
GENERIC_FAILURE = "Something went wrong while making this. Your energy points were refunded."
REFERENCE_GONE = (
    "A reference file was deleted or expired before this could be made. "
    "Your energy points were refunded; upload it again to order."
)
HELD_BACK = (
    "This request was not sent: it contained details that identify you. "
    "Remove them from the description and try again; your energy points were refunded."
)

log = get_logger("warren.generation")


class Outcome(Enum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class RetryLater(Exception):
    """Raised to the actor so Dramatiq redelivers the message after a backoff."""


class ReferenceGone(Exception):
    """A reference file of the job was deleted or expired before the job ran."""


def result_key(job: Job, extension: str) -> str:
    return f"results/{job.user_id}/{job.id}.{extension}"


def run_job(runtime: Runtime, tenant: Tenant, job_id: uuid.UUID) -> Outcome:
    job = _claim(runtime, tenant, job_id)
    if job is None:
        return Outcome.SKIPPED
    attempt = job.attempts
    try:
        produced = _produce(runtime, tenant, job)
    except ProviderError as exc:
        return _failed_attempt(runtime, tenant, job, attempt, exc.reason, exc.retryable)
    except ReferenceGone:
        return _failed_attempt(runtime, tenant, job, attempt, REFERENCE_GONE, False)
    except AnonymisationError:
        log.warning(
            "request held back: it carried an identifier", job_id=str(job.id), tenant=tenant.slug
        )
        return _failed_attempt(runtime, tenant, job, attempt, HELD_BACK, False)
    except Exception:
        log.exception("job attempt crashed", job_id=str(job.id), tenant=tenant.slug)
        return _failed_attempt(runtime, tenant, job, attempt, GENERIC_FAILURE, True)
    return _finish(runtime, tenant, job, attempt, produced)


def _claim(runtime: Runtime, tenant: Tenant, job_id: uuid.UUID) -> Job | None:
    now = utcnow()
    with runtime.sessions() as db:
        job = db.scalar(
            update(Job)
            .where(
                Job.id == job_id,
                Job.tenant_id == tenant.slug,
                or_(
                    Job.status == PENDING,
                    and_(
                        Job.status == RUNNING,
                        Job.lease_until < now,
                        # Out of attempts while its workers kept dying: the recovery
                        # sweep fails and refunds it; it is never sent again.
                        Job.attempts < MAX_ATTEMPTS,
                    ),
                ),
            )
            .values(
                status=RUNNING,
                attempts=Job.attempts + 1,
                lease_until=now + LEASE,
                started_at=now,
            )
            .returning(Job)
        )
        db.commit()
        if job is not None:
            return job
        current = db.execute(
            select(Job.status, Job.lease_until).where(
                Job.id == job_id, Job.tenant_id == tenant.slug
            )
        ).one_or_none()
    if current is not None and current.status == RUNNING and current.lease_until > now:
        # Another worker holds a live lease: look again after a backoff.
        raise RetryLater(f"job {job_id} is running elsewhere")
    return None


def _identifiers(db: Session, tenant: Tenant, job: Job) -> Identifiers:
    row = db.execute(
        select(User.email, User.username).where(
            User.id == job.user_id, User.tenant_id == tenant.slug
        )
    ).one_or_none()
    return Identifiers(
        user_id=job.user_id,
        job_id=job.id,
        email=row.email if row else "",
        username=row.username if row else "",
    )


def _produce(runtime: Runtime, tenant: Tenant, job: Job) -> GeneratedFile | str:
    """Call the provider outside any transaction: it may take minutes."""
    provider = runtime.providers.get(job.provider, tenant.slug)
    store = TenantStore(runtime.store, tenant.slug)
    with runtime.sessions() as db:
        identifiers = _identifiers(db, tenant, job)
        if job.assistant_key is not None:
            messages = [
                (m.role, m.content) for m in history(db, tenant, job.user_id, job.assistant_key)
            ]
            turns = chat_turns(tenant.assistants[job.assistant_key], messages, identifiers)
        else:
            uploads = list(
                db.scalars(
                    select(Upload).where(
                        Upload.tenant_id == tenant.slug,
                        Upload.user_id == job.user_id,
                        Upload.id.in_(job.reference_ids),
                        Upload.deleted_at.is_(None),
                        Upload.expires_at > utcnow(),
                    )
                )
            )
            if len(uploads) != len(set(job.reference_ids)):
                # Deleted by the user or expired since the order: it must not be sent.
                raise ReferenceGone()
            request = generation_request(
                tenant, job.product_key, job.prompt, uploads, store, identifiers
            )
    if job.assistant_key is not None:
        return provider.reply(turns)
    produced = provider.generate(request)
    store.put(result_key(job, produced.extension), produced.data, produced.content_type)
    return produced


def _finish(
    runtime: Runtime, tenant: Tenant, job: Job, attempt: int, produced: GeneratedFile | str
) -> Outcome:
    now = utcnow()
    with runtime.sessions() as db:
        won = db.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == RUNNING, Job.attempts == attempt)
            .values(status=DONE, finished_at=now, lease_until=None, error=None)
        ).rowcount  # type: ignore[attr-defined]
        if not won:
            # A later attempt took over (this one outlived its lease); it will finish.
            db.rollback()
            return Outcome.SKIPPED
        if isinstance(produced, str):
            add_message(db, tenant, job.user_id, job.assistant_key or "", "assistant", produced)
        else:
            user = db.scalar(select(User).where(User.id == job.user_id))
            db.add(
                ContentItem(
                    tenant_id=tenant.slug,
                    user_id=job.user_id,
                    job_id=job.id,
                    category=job.category,
                    product_key=job.product_key,
                    title=produced.title[:200],
                    content_type=produced.content_type,
                    extension=produced.extension,
                    size_bytes=len(produced.data),
                    storage_key=result_key(job, produced.extension),
                    is_demo=produced.is_demo,
                    source_upload_ids=list(job.reference_ids),
                    created_at=now,
                    created_with_prime=bool(user and user.has_prime(now)),
                )
            )
        capture(db, tenant, job.user_id, job.id)
        db.commit()
    return Outcome.DONE


def _failed_attempt(
    runtime: Runtime, tenant: Tenant, job: Job, attempt: int, reason: str, retryable: bool
) -> Outcome:
    final = not retryable or attempt >= MAX_ATTEMPTS
    with runtime.sessions() as db:
        won = db.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == RUNNING, Job.attempts == attempt)
            .values(
                status=FAILED if final else PENDING,
                error=reason,
                lease_until=None,
                queued_at=utcnow(),
                finished_at=utcnow() if final else None,
            )
        ).rowcount  # type: ignore[attr-defined]
        if won and final:
            refund(db, tenant, job.user_id, job.id)
        db.commit()
    if not won:
        return Outcome.SKIPPED
    if final:
        log.info("job failed", job_id=str(job.id), tenant=tenant.slug, attempts=attempt)
        return Outcome.FAILED
    raise RetryLater(reason)
