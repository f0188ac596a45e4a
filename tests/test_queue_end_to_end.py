"""The welcome email through a real broker, a real worker and a real SMTP server.

PostgreSQL (dramatiq-postgres) always runs; RabbitMQ and Redis run when
WARREN_TEST_RABBITMQ_URL / WARREN_TEST_REDIS_URL name a server (CI sets both). A shared
server may be serving other runs too: each test works on its own queue (and Redis
namespace) and removes only that.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import dramatiq
import pytest
from aiosmtpd.controller import Controller
from dramatiq import Middleware, Worker
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select

from warren.accounts.signup import SignUpForm, sign_up
from warren.billing.ledger import balance, grant
from warren.generation.models import Job
from warren.generation.submit import submit_generation
from warren.library.models import ContentItem
from warren.privacy.policy import policy_version
from warren.queue.broker import QUEUE_NAME, make_broker, queue_name
from warren.runtime import build_runtime
from warren.settings import Settings

from conftest import free_port
from infra import wait_until


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content))
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30) -> list[Message]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            return list(self.messages)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def broker_urls() -> list[Any]:
    params: list[Any] = [pytest.param("postgres", id="postgres")]
    for name, env in [("rabbitmq", "WARREN_TEST_RABBITMQ_URL"), ("redis", "WARREN_TEST_REDIS_URL")]:
        url = os.environ.get(env)
        params.append(
            pytest.param(
                url,
                id=name,
                marks=pytest.mark.skipif(
                    not url, reason=f"{env} is not set (no {name} server to use)"
                ),
            )
        )
    return params


class Enqueued(Middleware):
    """Every message the broker accepted, as the broker saw it."""

    def __init__(self) -> None:
        self.messages: list[dramatiq.Message[object]] = []

    def after_enqueue(
        self, broker: dramatiq.Broker, message: dramatiq.Message[object], delay: int | None
    ) -> None:
        self.messages.append(message)


@dataclass
class RealBroker:
    broker: dramatiq.Broker
    prefix: str
    enqueued: Enqueued = field(default_factory=Enqueued)

    @property
    def queue(self) -> str:
        return queue_name(self.prefix)


@pytest.fixture(params=broker_urls())
def real_broker(request: pytest.FixtureRequest, database_url: str) -> Iterator[RealBroker]:
    url = database_url if request.param == "postgres" else request.param
    prefix = f"warren_test_{uuid.uuid4().hex[:12]}"
    real = RealBroker(make_broker(url, prefix), prefix)
    real.broker.add_middleware(real.enqueued)
    yield real
    # Only this test's own queues go; whatever else the server holds is someone else's.
    if isinstance(real.broker, RabbitmqBroker):
        for name in real.broker.get_declared_queues() | real.broker.get_declared_delay_queues():
            real.broker.channel.queue_delete(name)
            real.broker.channel.queue_delete(f"{name}.XQ")
    elif isinstance(real.broker, RedisBroker):
        for key in real.broker.client.scan_iter(match=f"{prefix}.dramatiq:*"):
            real.broker.client.delete(key)
    real.broker.close()


def test_welcome_email_is_sent_after_commit_only(
    real_broker: RealBroker,
    smtp: tuple[Inbox, int],
    settings: Settings,
    database_url: str,
    clean_db: None,
) -> None:
    inbox, port = smtp
    if dramatiq.broker.global_broker is None:
        # workers.actors would otherwise build a broker from the environment on import.
        dramatiq.set_broker(StubBroker())
    import workers.actors
    from workers.runtime import use_runtime

    runtime = build_runtime(
        settings.model_copy(
            update={"mail_url": f"smtp://127.0.0.1:{port}", "queue_prefix": real_broker.prefix}
        ),
        database_url,
        broker=real_broker.broker,
    )
    workers.actors.bind(real_broker.broker, real_broker.queue)
    use_runtime(runtime)
    songly = runtime.registry.get("songly")
    version = policy_version(songly)

    def form(name: str) -> SignUpForm:
        return SignUpForm(
            email=f"{name}@example.com",
            username=name,
            password="correct horse battery",
            adult=True,
            policy_version=version,
        )

    suffix = uuid.uuid4().hex[:6]
    with runtime.sessions() as db:
        assert (
            sign_up(db, songly, form(f"rolled{suffix}"), version, "hmac-sha256:00").user is not None
        )
        db.rollback()
    with runtime.sessions() as db:
        assert (
            sign_up(db, songly, form(f"kept{suffix}"), version, "hmac-sha256:00").user is not None
        )
        db.commit()

    # Messages are sent during commit: whatever the broker got, it has got by now.
    [message] = real_broker.enqueued.messages
    assert (message.actor_name, message.queue_name) == ("send_welcome_email", real_broker.queue)
    worker = Worker(real_broker.broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        [mail] = inbox.wait_for(1)
    finally:
        worker.stop()
        runtime.engine.dispose()
    assert len(inbox.messages) == 1
    assert mail["To"] == f"kept{suffix}@example.com"
    assert mail["Subject"] == "Welcome to Songly"
    assert "support@songly.gift" in mail["From"]
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b"https://songly.gift/privacy" in body


def test_a_generation_job_runs_through_a_real_broker(
    real_broker: RealBroker, settings: Settings, database_url: str, clean_db: None
) -> None:
    if dramatiq.broker.global_broker is None:
        dramatiq.set_broker(StubBroker())
    import workers.actors
    from workers.runtime import use_runtime

    runtime = build_runtime(
        settings.model_copy(update={"queue_prefix": real_broker.prefix}),
        database_url,
        broker=real_broker.broker,
    )
    workers.actors.bind(real_broker.broker, real_broker.queue)
    use_runtime(runtime)
    homiwork = runtime.registry.get("homiwork")
    version = policy_version(homiwork)
    name = f"gen{uuid.uuid4().hex[:6]}"
    with runtime.sessions() as db:
        user = sign_up(
            db,
            homiwork,
            SignUpForm(f"{name}@example.com", name, "correct horse battery", True, version),
            version,
            "hmac-sha256:00",
        ).user
        assert user is not None
        grant(db, homiwork, user.id, 10, "test")
        job = submit_generation(db, homiwork, user.id, "poem", "About autumn", [])
        db.commit()
        job_id = job.id

    assert {m.queue_name for m in real_broker.enqueued.messages} == {real_broker.queue}

    def status() -> str | None:
        with runtime.sessions() as db:
            return db.scalar(select(Job.status).where(Job.id == job_id))

    worker = Worker(real_broker.broker, worker_timeout=100)
    worker.start()
    try:
        wait_until(lambda: status() == "done", 30, lambda: f"job is {status()}")
    finally:
        worker.stop()
    with runtime.sessions() as db:
        item = db.scalar(select(ContentItem).where(ContentItem.job_id == job_id))
        assert item is not None
        assert item.content_type.startswith("text/plain")
        assert balance(db, homiwork, user.id) == 10 - homiwork.products["poem"].price
    runtime.engine.dispose()


def test_sign_up_enqueues_only_tenant_and_user_id(brand: Any, stub_broker: StubBroker) -> None:
    from webclient import sign_up as http_sign_up

    client = brand("homiwork")
    http_sign_up(client, "queue@example.com", "queued")
    [message] = [dramatiq.Message.decode(m) for m in stub_broker.queues[QUEUE_NAME].queue]
    assert message.actor_name == "send_welcome_email"
    assert message.args[0] == "homiwork"
    uuid.UUID(message.args[1])
    encoded = dramatiq.Message.encode(message).decode()
    assert "queue@example.com" not in encoded
    assert client.address not in encoded
