"""Every actor warren runs. The web side enqueues them by name (warren.queue.port)."""

from __future__ import annotations

import uuid

import dramatiq
from dramatiq.middleware import CurrentMessage
from sqlalchemy.orm import Session

from warren.accounts import credentials, password_reset, verification, welcome
from warren.admin.accounts import INVITATION_ACTOR, send_invitation
from warren.billing.gateways.demo import DemoGateway, deliver_notification
from warren.billing.receipts import send_receipt
from warren.billing.settlement import RECEIPT_ACTOR
from warren.db.unit_of_work import unit_of_work
from warren.generation.runner import MAX_ATTEMPTS, run_job
from warren.generation.submit import RUN_JOB_ACTOR
from warren.logs import configure_logging
from warren.publishing.notices import send_notices
from warren.publishing.rehash import rehash_when_in_force
from warren.publishing.service import NOTICE_ACTOR as CONFIG_NOTICE_ACTOR
from warren.publishing.service import REHASH_ACTOR
from warren.queue.broker import queue_name
from warren.queue.receipts import first_delivery
from warren.rights import account_deletion
from warren.rights.confirmation import CONFIRM_ACTOR, send_confirmation
from warren.rights.export import (
    EXPORT_ACTOR,
    EXPORT_MAIL_ACTOR,
    build_export,
    export_failed,
)
from warren.rights.export import send_export_email as export_email
from warren.rights.notices import NOTICE_ACTOR, Notice, send_notice
from warren.settings import get_settings
from workers.broker import install
from workers.runtime import get_runtime

install()
configure_logging(get_settings().log_level, get_settings().log_format)
QUEUE = queue_name(get_settings().queue_prefix)


def _first_delivery(db: Session, actor: str) -> bool:
    """Whether this message is seen for the first time: a redelivered email message
    (the outbox and the broker both deliver at least once) sends nothing twice."""
    message = CurrentMessage.get_current_message()
    if message is None:
        raise RuntimeError("an email actor runs only from a message (CurrentMessage middleware)")
    return first_delivery(db, message.message_id, actor)


@dramatiq.actor(actor_name="send_welcome_email", queue_name=QUEUE, max_retries=5, min_backoff=2_000)
def send_welcome_email(tenant_slug: str, user_id: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    # The link is stored only if the email went out: a failed send rolls it back.
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, "send_welcome_email"):
            welcome.send_welcome_email(
                db,
                runtime.mailer,
                tenant,
                runtime.keyring.for_tenant(tenant_slug).tokens,
                uuid.UUID(user_id),
            )


@dramatiq.actor(
    actor_name=verification.RESEND_ACTOR, queue_name=QUEUE, max_retries=5, min_backoff=2_000
)
def send_verification_email(tenant_slug: str, user_id: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, verification.RESEND_ACTOR):
            verification.send_verification_email(
                db,
                runtime.mailer,
                tenant,
                runtime.keyring.for_tenant(tenant_slug).tokens,
                uuid.UUID(user_id),
            )


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
        if _first_delivery(db, "send_sign_up_attempt_notice"):
            welcome.send_sign_up_attempt_notice(db, runtime.mailer, tenant, uuid.UUID(user_id))


@dramatiq.actor(
    actor_name=password_reset.RESET_ACTOR, queue_name=QUEUE, max_retries=5, min_backoff=2_000
)
def send_password_reset_email(tenant_slug: str, email: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, password_reset.RESET_ACTOR):
            password_reset.send_reset_email(
                db, runtime.mailer, tenant, runtime.keyring.for_tenant(tenant_slug).tokens, email
            )


@dramatiq.actor(
    actor_name=credentials.EMAIL_CHANGE_ACTOR, queue_name=QUEUE, max_retries=5, min_backoff=2_000
)
def send_email_change_links(tenant_slug: str, user_id: str, new_email: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, credentials.EMAIL_CHANGE_ACTOR):
            credentials.send_email_change_links(
                db,
                runtime.mailer,
                tenant,
                runtime.keyring.for_tenant(tenant_slug).tokens,
                uuid.UUID(user_id),
                new_email,
            )


@dramatiq.actor(actor_name=RECEIPT_ACTOR, queue_name=QUEUE, max_retries=5, min_backoff=2_000)
def send_payment_receipt(tenant_slug: str, order_id: str) -> None:
    runtime = get_runtime()
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, RECEIPT_ACTOR):
            send_receipt(db, runtime.mailer, runtime.registry.get(tenant_slug), uuid.UUID(order_id))


@dramatiq.actor(
    actor_name=account_deletion.DELETED_EMAIL_ACTOR,
    queue_name=QUEUE,
    max_retries=5,
    min_backoff=2_000,
)
def send_account_deleted_email(tenant_slug: str, email: str, language: str | None = None) -> None:
    # The address and language come in the message: the account is already gone.
    runtime = get_runtime()
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, account_deletion.DELETED_EMAIL_ACTOR):
            account_deletion.send_account_deleted_email(
                runtime.mailer, runtime.registry.get(tenant_slug), email, language
            )


EXPORT_RETRIES = 5


@dramatiq.actor(
    actor_name=EXPORT_ACTOR, queue_name=QUEUE, max_retries=EXPORT_RETRIES, min_backoff=5_000
)
def build_account_export(tenant_slug: str, export_id: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    try:
        build_export(
            runtime.sessions,
            runtime.store,
            tenant,
            uuid.UUID(export_id),
            runtime.settings.data_dir / "exports",
        )
    except Exception:
        message = CurrentMessage.get_current_message()
        if message is None or message.options.get("retries", 0) >= EXPORT_RETRIES:
            export_failed(runtime.sessions, tenant, uuid.UUID(export_id))
        raise


@dramatiq.actor(actor_name=EXPORT_MAIL_ACTOR, queue_name=QUEUE, max_retries=5, min_backoff=2_000)
def send_export_email(tenant_slug: str, export_id: str) -> None:
    runtime = get_runtime()
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, EXPORT_MAIL_ACTOR):
            export_email(
                db, runtime.mailer, runtime.registry.get(tenant_slug), uuid.UUID(export_id)
            )


@dramatiq.actor(actor_name=INVITATION_ACTOR, queue_name=QUEUE, max_retries=5, min_backoff=2_000)
def send_admin_invitation(tenant_slug: str, admin_id: str) -> None:
    runtime = get_runtime()
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, INVITATION_ACTOR):
            send_invitation(
                db,
                runtime.mailer,
                runtime.registry.get(tenant_slug),
                runtime.keyring,
                uuid.UUID(admin_id),
            )


@dramatiq.actor(actor_name=NOTICE_ACTOR, queue_name=QUEUE, max_retries=5, min_backoff=2_000)
def send_request_notice(
    tenant_slug: str, request_id: str, notice: str, email: str, language: str | None = None
) -> None:
    # The address and language come in the message: an erasure request's account is
    # gone by now. (Messages queued before languages were carried have none.)
    runtime = get_runtime()
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, NOTICE_ACTOR):
            send_notice(
                db,
                runtime.mailer,
                runtime.registry.get(tenant_slug),
                uuid.UUID(request_id),
                Notice(notice),
                email,
                language,
            )


@dramatiq.actor(actor_name=CONFIRM_ACTOR, queue_name=QUEUE, max_retries=5, min_backoff=2_000)
def send_request_confirmation(tenant_slug: str, request_id: str) -> None:
    runtime = get_runtime()
    with unit_of_work(runtime.sessions) as db:
        if _first_delivery(db, CONFIRM_ACTOR):
            send_confirmation(
                db,
                runtime.mailer,
                runtime.registry.get(tenant_slug),
                runtime.keyring.for_tenant(tenant_slug).tokens,
                uuid.UUID(request_id),
            )


class NotificationNotAccepted(Exception):
    """warren's webhook answered the demo gateway with an error: try again later, as a
    real gateway does."""


@dramatiq.actor(
    actor_name="deliver_demo_notification", queue_name=QUEUE, max_retries=8, min_backoff=1_000
)
def deliver_demo_notification(tenant_slug: str, payment_id: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    gateway = runtime.gateways.get(tenant, "demo")
    assert isinstance(gateway, DemoGateway)
    settings = runtime.settings
    base = settings.payments_demo_webhook_base or f"http://{settings.host}:{settings.port}"
    status = deliver_notification(
        gateway, payment_id, f"{base}/payments/webhook/demo", tenant.dev_host
    )
    if not 200 <= status < 300:
        raise NotificationNotAccepted(f"{tenant_slug}: webhook answered {status}")


@dramatiq.actor(actor_name=CONFIG_NOTICE_ACTOR, queue_name=QUEUE, max_retries=10, min_backoff=5_000)
def send_config_notices(tenant_slug: str, version: int) -> None:
    # Resumable by its per-user markers: a retry (or a redelivery) sends only to the
    # users not told yet.
    runtime = get_runtime()
    send_notices(runtime.sessions, runtime.mailer, runtime.registry.get(tenant_slug), version)


@dramatiq.actor(actor_name=REHASH_ACTOR, queue_name=QUEUE, max_retries=10, min_backoff=5_000)
def rehash_after_publication(tenant_slug: str, version: int) -> None:
    runtime = get_runtime()
    runtime.refresh_registry()
    wait = rehash_when_in_force(
        runtime.sessions,
        runtime.registry.get(tenant_slug),
        runtime.keyring.for_tenant(tenant_slug).ip_hash,
        version,
    )
    if wait is not None:
        # The hashed mode is published for a later date: come back then.
        rehash_after_publication.send_with_options(
            args=(tenant_slug, version), delay=int(wait.total_seconds() * 1000) + 1000
        )


ALL_ACTORS: tuple[dramatiq.Actor[..., None], ...] = (
    send_welcome_email,
    run_generation_job,
    send_sign_up_attempt_notice,
    send_verification_email,
    send_password_reset_email,
    send_email_change_links,
    send_payment_receipt,
    deliver_demo_notification,
    send_account_deleted_email,
    build_account_export,
    send_admin_invitation,
    send_config_notices,
    rehash_after_publication,
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
