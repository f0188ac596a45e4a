"""A Dramatiq broker chosen by URL scheme."""

from __future__ import annotations

from dramatiq import Broker

from warren.db.engine import libpq_url

QUEUE_NAME = "default"


def make_broker(url: str) -> Broker:
    """amqp:// RabbitMQ, redis:// Redis, postgresql:// the dramatiq-postgres broker."""
    scheme = url.split("://", 1)[0]
    broker: Broker
    if scheme in {"amqp", "amqps"}:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    elif scheme in {"redis", "rediss"}:
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)  # type: ignore[no-untyped-call]
    elif scheme.startswith("postgres"):
        from dramatiq_postgres import PostgresBroker

        # Results are not used: jobs report through warren's own tables.
        broker = PostgresBroker(url=libpq_url(url), schema="dramatiq", results=False)
    else:
        raise ValueError(
            f"WARREN_BROKER_URL: scheme {scheme!r} is not one of amqp, redis, postgresql"
        )
    broker.declare_queue(QUEUE_NAME)
    return broker
