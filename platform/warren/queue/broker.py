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


def queue_depth(broker: Broker, queue: str) -> int:
    """Messages waiting in ``queue`` (delayed retries included), asked of the broker."""
    from dramatiq.brokers.stub import StubBroker

    if isinstance(broker, StubBroker):
        return sum(
            broker.queues[name].qsize() for name in (queue, f"{queue}.DQ") if name in broker.queues
        )
    scheme = type(broker).__module__
    if scheme.startswith("dramatiq.brokers.rabbitmq"):
        ready, delayed, _dead = broker.get_queue_message_counts(queue)  # type: ignore[attr-defined]
        return int(ready) + int(delayed)
    if scheme.startswith("dramatiq.brokers.redis"):
        client = broker.client  # type: ignore[attr-defined]
        namespace = broker.namespace  # type: ignore[attr-defined]
        return sum(int(client.llen(f"{namespace}:{name}")) for name in (queue, f"{queue}.DQ"))
    if scheme.startswith("dramatiq_postgres"):
        with broker.pool.connection(timeout=5) as conn:  # type: ignore[attr-defined]
            row = conn.execute(
                "SELECT count(*) FROM dramatiq.queue WHERE state = 'queued' AND queue_name = ANY(%s)",
                ([queue, f"{queue}.DQ"],),
            ).fetchone()
        return int(row[0]) if row else 0
    raise TypeError(f"no queue depth for {type(broker).__name__}")


def ping_broker(broker: Broker, timeout: float) -> None:
    """Raise unless the broker's server answers within ``timeout`` seconds."""
    scheme = type(broker).__module__
    if scheme.startswith("dramatiq.brokers.rabbitmq"):
        import copy

        import pika

        parameters = broker.parameters  # type: ignore[attr-defined]
        # A fresh connection, not the broker's own: its thread-local one may be a stale
        # socket that still looks open.
        probe = copy.copy(parameters[0] if isinstance(parameters, list) else parameters)
        probe.socket_timeout = timeout
        probe.blocked_connection_timeout = timeout
        probe.connection_attempts = 1
        probe.retry_delay = 0
        pika.BlockingConnection(probe).close()
    elif scheme.startswith("dramatiq.brokers.redis"):
        broker.client.ping()  # type: ignore[attr-defined]
    elif scheme.startswith("dramatiq_postgres"):
        with broker.pool.connection(timeout=timeout) as conn:  # type: ignore[attr-defined]
            conn.execute("SELECT 1")
