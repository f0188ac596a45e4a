"""Every actor warren runs. The web side enqueues them by name (warren.queue.port)."""

from __future__ import annotations

import uuid

import dramatiq

from warren.accounts import welcome
from warren.logs import configure_logging
from warren.settings import get_settings
from workers.broker import install
from workers.runtime import get_runtime

install()
configure_logging(get_settings().log_level)


@dramatiq.actor(actor_name="send_welcome_email", max_retries=5, min_backoff=2_000)
def send_welcome_email(tenant_slug: str, user_id: str) -> None:
    runtime = get_runtime()
    tenant = runtime.registry.get(tenant_slug)
    with runtime.sessions() as db:
        welcome.send_welcome_email(db, runtime.mailer, tenant, uuid.UUID(user_id))


ALL_ACTORS: tuple[dramatiq.Actor[..., None], ...] = (send_welcome_email,)


def bind(broker: dramatiq.Broker) -> None:
    """Re-declare every actor on ``broker`` (tests run one process against several)."""
    for actor in ALL_ACTORS:
        actor.broker = broker
        broker.declare_actor(actor)
