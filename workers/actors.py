"""Every actor warren runs. The web side enqueues them by name (warren.queue.port)."""

from __future__ import annotations

import uuid

import dramatiq
from dramatiq.middleware import CurrentMessage

from warren.accounts import welcome
from warren.db.unit_of_work import unit_of_work
from warren.generation.runner import MAX_ATTEMPTS, run_job
from warren.generation.submit import RUN_JOB_ACTOR
from warren.logs import configure_logging
from warren.queue.broker import queue_name
from warren.queue.receipts import first_delivery
from warren.settings import get_settings
from workers.broker import install
from workers.runtime import get_runtime

install()
configure_logging(get_settings().log_level, get_settings().log_format)
QUEUE = queue_name(get_settings().queue_prefix)


def _current_message_id() -> str:
    message = CurrentMessage.get_current_message()
    if message is None:
        raise RuntimeError("an email actor runs only from a message (CurrentMessage middleware)")
    return message.message_id


@dramatiq.actor(actor_name="send_welcome_email", queue_name=QUEUE, max_retries=5, min_backoff=2_000)
def send_welcome_email(tenant_slug: str, user_id: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    with unit_of_work(runtime.sessions) as db:
        if first_delivery(db, _current_message_id(), "send_welcome_email"):
            welcome.send_welcome_email(db, runtime.mailer, tenant, uuid.UUID(user_id))


@dramatiq.actor(
    actor_name=RUN_JOB_ACTOR,
    queue_name=QUEUE,
    # Provider calls are retried inside run_job by the one retry policy
    # (warren.generation.retry_policy), never by the queue. Dramatiq redelivers only what
    # run_job hands back with RetryLater: a crashed run (at most MAX_ATTEMPTS, each
    # counted on the job row) or a job whose lease another worker still holds; the
    # recovery sweep picks up whatever outlives these retries.
    max_retries=MAX_ATTEMPTS + 3,
    min_backoff=5_000,
    max_backoff=120_000,
    time_limit=15 * 60 * 1000,
)
def run_generation_job(tenant_slug: str, job_id: str) -> None:
    runtime = get_runtime()
    run_job(runtime, runtime.registry.get(tenant_slug), uuid.UUID(job_id))


@dramatiq.actor(
    actor_name="send_sign_up_attempt_notice", queue_name=QUEUE, max_retries=5, min_backoff=2_000
)
def send_sign_up_attempt_notice(tenant_slug: str, user_id: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    with unit_of_work(runtime.sessions) as db:
        if first_delivery(db, _current_message_id(), "send_sign_up_attempt_notice"):
            welcome.send_sign_up_attempt_notice(db, runtime.mailer, tenant, uuid.UUID(user_id))


ALL_ACTORS: tuple[dramatiq.Actor[..., None], ...] = (
    send_welcome_email,
    run_generation_job,
    send_sign_up_attempt_notice,
)


def bind(broker: dramatiq.Broker, queue: str = QUEUE) -> None:
    """Re-declare every actor on ``broker``, consuming ``queue`` (tests run one process
    against several brokers, each on its own queue)."""
    if not any(isinstance(m, CurrentMessage) for m in broker.middleware):
        broker.add_middleware(CurrentMessage())
    for actor in ALL_ACTORS:
        actor.broker = broker
        actor.queue_name = queue
        broker.declare_actor(actor)
