"""Running a job on a worker: claim it, call the provider, check and store the result,
settle points.

Runs at most once to completion however often its message is delivered:
- claiming is a conditional UPDATE (pending, or running with an expired lease), so two
  deliveries cannot both run it, and a job whose worker died is taken over after its
  lease; the lease is short (``job_lease_seconds``, a minute) and the process's lease
  keeper renews it while the run lives (every ``job_heartbeat_seconds``, leases.py), so a
  dead worker's job is free again within a minute while a slow provider call keeps its own;
- every provider call is counted on the job row by a conditional UPDATE before it is
  made (the first of a run by the claim itself, given back if the run stops before
  calling), so a worker that lost its claim stops before calling, and the calls per job
  stay within the retry policy (retry_policy.py, applied here and nowhere else);
- the result goes to a key derived from the job id, so a re-run overwrites, never adds;
  when storing it fails it is staged on the worker's disk (staging.py), so the run that
  takes over stores the staged answer without calling the provider again;
- finishing is a conditional UPDATE on the last counted call, the content item is
  unique per job, and capture/refund are unique per job in the ledger.
A job fails with a readable reason, and its points are refunded, only once the policy
gives up; a call that failed and was retried costs the user nothing.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from warren.billing.ledger import capture, refund
from warren.chat.conversation import add_message, history
from warren.db.base import utcnow
from warren.generation.anonymise import (
    AnonymisationError,
    Identifiers,
    chat_turns,
    generation_request,
)
from warren.generation.leases import LeaseKeeper
from warren.generation.models import Job, JobState
from warren.generation.providers.base import (
    ChatTurn,
    GeneratedFile,
    GenerationRequest,
    Provider,
    ProviderError,
)
from warren.generation.providers.registry import ProviderRegistry
from warren.generation.results import accept_file, accept_reply
from warren.generation.retry_policy import PROVIDER_CALLS
from warren.generation.staging import stage, staged, unstage
from warren.logs import get_logger
from warren.media.models import Upload
from warren.ops.metrics import record_job
from warren.settings import Settings
from warren.storage.base import ObjectStore
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Tenant

MAX_ATTEMPTS = PROVIDER_CALLS.max_attempts
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


class Runtime(Protocol):
    """What running a job needs of the process: a database, object storage, providers.
    ``warren.runtime.Runtime`` is one; the generation package does not import it, since
    the runtime sits above every domain package."""

    @property
    def engine(self) -> Engine: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def leases(self) -> LeaseKeeper: ...

    @property
    def store(self) -> ObjectStore: ...

    @property
    def providers(self) -> ProviderRegistry: ...

    @property
    def settings(self) -> Settings: ...


class Outcome(Enum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class RetryLater(Exception):
    """Raised to the actor so Dramatiq redelivers the message after a backoff."""


class ReferenceGone(Exception):
    """A reference file of the job was deleted or expired before the job ran."""


Order = GenerationRequest | list[ChatTurn]


@dataclass
class ClaimedJob:
    """A job as its run sees it, read by the claim itself."""

    id: uuid.UUID
    user_id: uuid.UUID
    category: str
    product_key: str
    assistant_key: str | None
    provider: str
    prompt: str
    reference_ids: list[uuid.UUID]
    attempts: int
    started_at: datetime


_CLAIMED_FIELDS = tuple(field.name for field in fields(ClaimedJob))


def result_key(job: ClaimedJob, extension: str) -> str:
    return f"results/{job.user_id}/{job.id}.{extension}"


def _lease(runtime: Runtime) -> timedelta:
    return timedelta(seconds=runtime.settings.job_lease_seconds)


def run_job(runtime: Runtime, tenant: Tenant, job_id: uuid.UUID) -> Outcome:
    kept = staged(runtime.settings.data_dir, job_id)
    # Unless a stored answer is waiting, the claim also counts this run's first provider
    # call: one commit fewer on the way to the call.
    claimed = _claim(runtime, tenant, job_id, count_call=kept is None)
    if claimed is None:
        return Outcome.SKIPPED
    job, identifiers, counted = claimed
    with runtime.leases.holding(job.id, job.started_at):
        return _run_claimed(runtime, tenant, job, identifiers, kept, counted)


def _run_claimed(
    runtime: Runtime,
    tenant: Tenant,
    job: ClaimedJob,
    identifiers: Identifiers,
    kept: GeneratedFile | None,
    counted: bool,
) -> Outcome:
    if counted:
        # From here on the job reads as it was before this run's claim.
        job.attempts -= 1
    calls = job.attempts
    if kept is not None:
        # A paid answer whose storing failed: store it, never pay for it twice.
        try:
            _store(runtime, tenant, job, kept)
        except Exception:
            log.exception("storing a staged result failed", job_id=str(job.id), tenant=tenant.slug)
            return _crashed(runtime, tenant, job, calls)
        return _finish(runtime, tenant, job, calls, kept)
    try:
        provider = runtime.providers.get(job.provider, tenant.slug)
        order = _prepare(runtime, tenant, job, identifiers)
    except ReferenceGone:
        if counted and not _uncount(runtime, job, calls):
            return Outcome.SKIPPED
        return _fail(runtime, tenant, job, calls, REFERENCE_GONE)
    except AnonymisationError:
        log.warning(
            "request held back: it carried an identifier", job_id=str(job.id), tenant=tenant.slug
        )
        if counted and not _uncount(runtime, job, calls):
            return Outcome.SKIPPED
        return _fail(runtime, tenant, job, calls, HELD_BACK)
    except Exception:
        log.exception("job run crashed", job_id=str(job.id), tenant=tenant.slug)
        if counted and not _uncount(runtime, job, calls):
            return Outcome.SKIPPED
        return _crashed(runtime, tenant, job, calls)
    reason = GENERIC_FAILURE
    while calls < PROVIDER_CALLS.max_attempts:
        if counted:
            counted = False  # the claim counted this one
        elif not _count_call(runtime, job, calls):
            return Outcome.SKIPPED
        calls += 1
        try:
            produced = _call(runtime, tenant, job, provider, order)
        except ProviderError as exc:
            reason = exc.reason
            log.info(
                "provider call failed",
                job_id=str(job.id),
                tenant=tenant.slug,
                call=calls,
                retryable=exc.retryable,
            )
            if not PROVIDER_CALLS.retries(exc, calls):
                break
            time.sleep(PROVIDER_CALLS.backoff(calls))
            continue
        except Exception:
            log.exception("job run crashed", job_id=str(job.id), tenant=tenant.slug)
            return _crashed(runtime, tenant, job, calls)
        return _finish(runtime, tenant, job, calls, produced)
    return _fail(runtime, tenant, job, calls, reason)


def _claim(
    runtime: Runtime, tenant: Tenant, job_id: uuid.UUID, *, count_call: bool
) -> tuple[ClaimedJob, Identifiers, bool] | None:
    """The job, now this run's, with what must never reach its provider (the user's
    email and username, read by the same statement), and whether the claim also counted
    the first provider call (only with ``count_call`` and while calls are left)."""
    if count_call:
        claimed = _claim_once(runtime, tenant, job_id, count_call=True)
        if claimed is not None:
            return claimed[0], claimed[1], True
    claimed = _claim_once(runtime, tenant, job_id, count_call=False)
    return None if claimed is None else (claimed[0], claimed[1], False)


# The claim and the finish are the statements every job runs. They are SQL text, run on
# a Core connection (a chat reply's finish runs in a session, for the chat's own code):
# building and cache-keying the ORM statements, and the session around them, cost more
# CPU than all the rest of a run of a quick job.
_CLAIM_SQL = """
    UPDATE jobs
    SET status = 'running', lease_until = :b_lease_until, started_at = :b_now,
        attempts = jobs.attempts + {counted}
    WHERE jobs.id = :b_job AND jobs.tenant_id = :b_tenant
      AND (jobs.status = 'pending'
           -- Out of attempts while its workers kept dying: the recovery sweep fails and
           -- refunds it; it is never sent again.
           OR (jobs.status = 'running' AND jobs.lease_until < :b_now
               AND jobs.attempts < :b_max))
      {within_calls}
    RETURNING jobs.id, jobs.user_id, jobs.category, jobs.product_key, jobs.assistant_key,
        jobs.provider, jobs.prompt, jobs.reference_ids, jobs.attempts, jobs.started_at,
        (SELECT users.email FROM users
         WHERE users.id = jobs.user_id AND users.tenant_id = :b_tenant) AS email,
        (SELECT users.username FROM users
         WHERE users.id = jobs.user_id AND users.tenant_id = :b_tenant) AS username
"""
# The attempt count moves with each provider call: in the claim only for the first call
# of this run, and only while calls are left.
_CLAIM = {
    True: text(_CLAIM_SQL.format(counted=1, within_calls="AND jobs.attempts < :b_max")),
    False: text(_CLAIM_SQL.format(counted=0, within_calls="")),
}


def _claim_once(
    runtime: Runtime, tenant: Tenant, job_id: uuid.UUID, *, count_call: bool
) -> tuple[ClaimedJob, Identifiers] | None:
    now = utcnow()
    with runtime.engine.begin() as conn:
        row = conn.execute(
            _CLAIM[count_call],
            {
                "b_job": job_id,
                "b_tenant": tenant.slug,
                "b_now": now,
                "b_lease_until": now + _lease(runtime),
                "b_max": MAX_ATTEMPTS,
            },
        ).first()
        if row is not None:
            columns = row._mapping
            job = ClaimedJob(**{name: columns[name] for name in _CLAIMED_FIELDS})
            return job, Identifiers(
                user_id=job.user_id,
                job_id=job.id,
                email=columns["email"] or "",
                username=columns["username"] or "",
            )
        current = conn.execute(
            select(Job.status, Job.lease_until).where(
                Job.id == job_id, Job.tenant_id == tenant.slug
            )
        ).one_or_none()
    if current is not None and current.status == JobState.RUNNING and current.lease_until > now:
        # Another worker holds a live lease: look again after a backoff.
        raise RetryLater(f"job {job_id} is running elsewhere")
    return None


def _prepare(runtime: Runtime, tenant: Tenant, job: ClaimedJob, identifiers: Identifiers) -> Order:
    """What the provider will be sent, anonymised; no reference of another user is read."""
    store = TenantStore(runtime.store, tenant.slug)
    if job.assistant_key is None and not job.reference_ids:
        # Nothing to read: the prompt and the identifiers came with the claim.
        return generation_request(tenant, job.product_key, job.prompt, [], store, identifiers)
    with runtime.sessions() as db:
        if job.assistant_key is not None:
            messages = [
                (m.role, m.content) for m in history(db, tenant, job.user_id, job.assistant_key)
            ]
            return chat_turns(tenant.assistants[job.assistant_key], messages, identifiers)
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
            # Deleted or expired since the order, or never this user's: it must not be sent.
            raise ReferenceGone()
        return generation_request(tenant, job.product_key, job.prompt, uploads, store, identifiers)


def _uncount(runtime: Runtime, job: ClaimedJob, calls: int) -> bool:
    """Give back the call the claim counted when the run stops before making it; False
    when this run lost the job."""
    with runtime.sessions() as db:
        won = db.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobState.RUNNING, Job.attempts == calls + 1)
            .values(attempts=calls)
        ).rowcount  # type: ignore[attr-defined]
        db.commit()
    return bool(won)


def _count_call(runtime: Runtime, job: ClaimedJob, calls: int) -> bool:
    """Record that call ``calls + 1`` is about to be made; False when this run lost the job."""
    with runtime.sessions() as db:
        won = db.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobState.RUNNING, Job.attempts == calls)
            .values(attempts=calls + 1, lease_until=utcnow() + _lease(runtime))
        ).rowcount  # type: ignore[attr-defined]
        db.commit()
    return bool(won)


def _call(
    runtime: Runtime, tenant: Tenant, job: ClaimedJob, provider: Provider, order: Order
) -> GeneratedFile | str:
    """One provider call, outside any transaction (it may take minutes); the answer is
    kept only once it decodes."""
    if isinstance(order, list):
        return accept_reply(provider.reply(order))
    produced = accept_file(order.category, provider.generate(order))
    try:
        _store(runtime, tenant, job, produced)
    except Exception:
        # Kept on the worker's disk only when storage fails: staging every answer cost
        # each job two more synced files. What is left unprotected is a worker dying in
        # the moment between the answer and its storing, which costs one more call, as
        # dying during the call does.
        stage(runtime.settings.data_dir, job.id, produced)
        raise
    return produced


def _store(runtime: Runtime, tenant: Tenant, job: ClaimedJob, produced: GeneratedFile) -> None:
    TenantStore(runtime.store, tenant.slug).put(
        result_key(job, produced.extension), produced.data, produced.content_type
    )


_DONE = text(
    """
    UPDATE jobs SET status = 'done', finished_at = :b_now, lease_until = NULL, error = NULL
    WHERE jobs.id = :b_job AND jobs.status = 'running' AND jobs.attempts = :b_calls
    """
)
_ADD_ITEM = text(
    """
    INSERT INTO content_items (
        id, tenant_id, user_id, job_id, category, product_key, title, content_type,
        extension, size_bytes, storage_key, is_demo, source_upload_ids, created_at,
        created_with_prime)
    VALUES (
        :b_id, :b_tenant, :b_user, :b_job, :b_category, :b_product_key, :b_title,
        :b_content_type, :b_extension, :b_size_bytes, :b_storage_key, :b_is_demo,
        CAST(:b_sources AS uuid[]), :b_now,
        -- Prime at the moment of finishing, read by the INSERT itself.
        coalesce((SELECT users.prime_until > :b_now FROM users WHERE users.id = :b_user),
                 false))
    """
)


def _finish(
    runtime: Runtime, tenant: Tenant, job: ClaimedJob, calls: int, produced: GeneratedFile | str
) -> Outcome:
    now = utcnow()
    if isinstance(produced, str):
        # A reply joins the conversation through the chat's own (ORM) code.
        with runtime.sessions() as db:
            if not _finished(db, job, calls, now):
                db.rollback()
                return Outcome.SKIPPED
            add_message(db, tenant, job.user_id, job.assistant_key or "", "assistant", produced)
            capture(db, tenant, job.user_id, job.id)
            db.commit()
    else:
        with runtime.engine.connect() as conn:
            if not _finished(conn, job, calls, now):
                conn.rollback()
                return Outcome.SKIPPED
            conn.execute(
                _ADD_ITEM,
                {
                    "b_id": uuid.uuid4(),
                    "b_now": now,
                    "b_user": job.user_id,
                    "b_tenant": tenant.slug,
                    "b_job": job.id,
                    "b_category": job.category,
                    "b_product_key": job.product_key,
                    "b_title": produced.title[:200],
                    "b_content_type": produced.content_type,
                    "b_extension": produced.extension,
                    "b_size_bytes": len(produced.data),
                    "b_storage_key": result_key(job, produced.extension),
                    "b_is_demo": produced.is_demo,
                    "b_sources": list(job.reference_ids),
                },
            )
            capture(conn, tenant, job.user_id, job.id)
            conn.commit()
    unstage(runtime.settings.data_dir, job.id)
    _measure(tenant, job, Outcome.DONE)
    return Outcome.DONE


def _finished(db: Session | Connection, job: ClaimedJob, calls: int, now: datetime) -> bool:
    """Mark the job done on the run's last counted call; False when a later run took it
    over (this one outlived its lease), which will finish it."""
    won = db.execute(_DONE, {"b_job": job.id, "b_calls": calls, "b_now": now})
    return bool(won.rowcount)  # type: ignore[attr-defined]


def _fail(
    runtime: Runtime,
    tenant: Tenant,
    job: ClaimedJob,
    calls: int,
    reason: str,
    used: int | None = None,
) -> Outcome:
    """The job's final failure: the reason kept for the user, the points refunded."""
    now = utcnow()
    with runtime.sessions() as db:
        won = db.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobState.RUNNING, Job.attempts == calls)
            .values(
                status=JobState.FAILED,
                attempts=calls if used is None else used,
                error=reason,
                lease_until=None,
                finished_at=now,
            )
        ).rowcount  # type: ignore[attr-defined]
        if won:
            refund(db, tenant, job.user_id, job.id)
        db.commit()
    if not won:
        return Outcome.SKIPPED
    unstage(runtime.settings.data_dir, job.id)
    log.info("job failed", job_id=str(job.id), tenant=tenant.slug, attempts=calls)
    _measure(tenant, job, Outcome.FAILED)
    return Outcome.FAILED


def _measure(tenant: Tenant, job: ClaimedJob, outcome: Outcome) -> None:
    elapsed = (utcnow() - job.started_at).total_seconds()
    record_job(tenant.slug, job.category, outcome.value, elapsed)


def _crashed(runtime: Runtime, tenant: Tenant, job: ClaimedJob, calls: int) -> Outcome:
    """warren's own code failed: hand the job back to the queue, or fail it when the
    crash used up its last attempt (a crash before any call in this run counts as one)."""
    used = max(calls, job.attempts + 1)
    if used >= PROVIDER_CALLS.max_attempts:
        return _fail(runtime, tenant, job, calls, GENERIC_FAILURE, used)
    with runtime.sessions() as db:
        won = db.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobState.RUNNING, Job.attempts == calls)
            .values(
                status=JobState.PENDING,
                attempts=used,
                lease_until=None,
                queued_at=utcnow(),
            )
        ).rowcount  # type: ignore[attr-defined]
        db.commit()
    if not won:
        return Outcome.SKIPPED
    raise RetryLater("the run crashed")
