"""A Dramatiq broker chosen by URL scheme, on the deployment's own queue."""

from __future__ import annotations

from dramatiq import Broker

from warren.db.engine import libpq_url

QUEUE_NAME = "default"


def queue_name(prefix: str) -> str:
    """The queue warren's messages go to: ``default``, or ``<prefix>.default``."""
    return f"{prefix}.{QUEUE_NAME}" if prefix else QUEUE_NAME


def make_broker(url: str, prefix: str = "") -> Broker:
    """amqp:// RabbitMQ, redis:// Redis, postgresql:// the dramatiq-postgres broker.

    With a ``prefix`` (WARREN_QUEUE_PREFIX) the queue, and on Redis every key, is this
    deployment's own, so several can share one server.
    """
    scheme = url.split("://", 1)[0]
    broker: Broker
    if scheme in {"amqp", "amqps"}:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    elif scheme in {"redis", "rediss"}:
        from dramatiq.brokers.redis import RedisBroker

        namespace = f"{prefix}.dramatiq" if prefix else "dramatiq"
        broker = RedisBroker(url=url, namespace=namespace)  # type: ignore[no-untyped-call]
    elif scheme.startswith("postgres"):
        from dramatiq_postgres import PostgresBroker

        # Results are not used: jobs report through warren's own tables.
        broker = PostgresBroker(url=libpq_url(url), schema="dramatiq", results=False)
    else:
        raise ValueError(
            f"WARREN_BROKER_URL: scheme {scheme!r} is not one of amqp, redis, postgresql"
        )
    broker.declare_queue(queue_name(prefix))
    return broker
