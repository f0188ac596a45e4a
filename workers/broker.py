"""Installs the broker before any actor is declared.

Dramatiq's get_broker() would silently create a RabbitMQ broker if none was set, so the
actors module imports this one first. A test that set its own broker keeps it.
"""

from __future__ import annotations

import dramatiq
import dramatiq.broker
from dramatiq.middleware import CurrentMessage

from warren.queue.broker import make_broker
from warren.settings import get_settings


def install() -> dramatiq.Broker:
    if dramatiq.broker.global_broker is None:
        settings = get_settings()
        url = settings.broker_url or settings.database_url
        if not url:
            raise SystemExit(
                "workers need WARREN_BROKER_URL or DATABASE_URL (warren worker sets it)"
            )
        broker = make_broker(url, settings.queue_prefix)
        # Email actors read their message's id to run once per message.
        broker.add_middleware(CurrentMessage())
        dramatiq.set_broker(broker)
    return dramatiq.get_broker()
