"""The transactional outbox, in process: a message commits with its rows or not at all,
a message whose send failed after the commit is relayed later, and a message delivered
twice sends its email once."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from datetime import timedelta

from dramatiq import Message
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from warren.accounts.models import User
from warren.accounts.signup import SignUpForm, sign_up
from warren.db.engine import make_sessionmaker
from warren.db.unit_of_work import unit_of_work
from warren.privacy.policy import policy_version
from warren.queue.broker import QUEUE_NAME
from warren.queue.models import OutboxMessage
from warren.queue.port import attach_broker, relay_outbox
from warren.runtime import Runtime

from conftest import worker_for


def _dead_broker() -> RabbitmqBroker:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return RabbitmqBroker(url=f"amqp://guest:guest@127.0.0.1:{port}/?connection_attempts=1")


def _sign_up(runtime: Runtime, db_sessions: Callable[[], object], name: str) -> None:
    songly = runtime.registry.get("songly")
    version = policy_version(songly)
    with unit_of_work(db_sessions) as db:  # type: ignore[arg-type]
        result = sign_up(
            db,
            songly,
            SignUpForm(f"{name}@example.com", name, "correct horse battery", True, version),
            version,
            "hmac-sha256:00",
        )
        assert result.user is not None


def _outbox_rows(runtime: Runtime, actor: str) -> list[OutboxMessage]:
    with runtime.sessions() as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.actor_name == actor)))


def test_a_failed_send_leaves_the_message_for_the_relay(
    runtime: Runtime, stub_broker: StubBroker, clean_db: None
) -> None:
    stub_broker.flush_all()
    down = make_sessionmaker(runtime.engine)
    attach_broker(down, _dead_broker(), QUEUE_NAME)
    name = f"o{uuid.uuid4().hex[:8]}"
    _sign_up(runtime, down, name)
    # Committed with its account, though the broker could not take it.
    [row] = [r for r in _outbox_rows(runtime, "send_welcome_email")]
    assert stub_broker.queues[QUEUE_NAME].qsize() == 0
    # Too fresh for the relay: the after-commit send may still be under way.
    assert relay_outbox(runtime.engine, stub_broker, timedelta(minutes=1)) == 0
    assert relay_outbox(runtime.engine, stub_broker, timedelta(0)) >= 1
    assert stub_broker.queues[QUEUE_NAME].qsize() >= 1
    assert row.id not in {r.id for r in _outbox_rows(runtime, "send_welcome_email")}


def test_a_sent_message_leaves_no_row_and_a_rolled_back_one_never_existed(
    runtime: Runtime, stub_broker: StubBroker, clean_db: None
) -> None:
    stub_broker.flush_all()
    name = f"o{uuid.uuid4().hex[:8]}"
    _sign_up(runtime, runtime.sessions, name)
    assert stub_broker.queues[QUEUE_NAME].qsize() == 1
    assert _outbox_rows(runtime, "send_welcome_email") == []

    songly = runtime.registry.get("songly")
    version = policy_version(songly)
    with runtime.sessions() as db:
        sign_up(
            db,
            songly,
            SignUpForm("rolled@example.com", "rolled", "correct horse battery", True, version),
            version,
            "hmac-sha256:00",
        )
        db.flush()
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        db.rollback()
    assert _outbox_rows(runtime, "send_welcome_email") == []
    assert stub_broker.queues[QUEUE_NAME].qsize() == 1
    with runtime.sessions() as db:
        assert db.scalar(select(User).where(User.username == "rolled")) is None


def test_a_message_delivered_twice_sends_one_email(
    runtime: Runtime, stub_broker: StubBroker, clean_db: None
) -> None:
    outbox_dir = runtime.settings.outbox_dir
    before = set(outbox_dir.glob("*.eml")) if outbox_dir.exists() else set()
    stub_broker.flush_all()
    name = f"o{uuid.uuid4().hex[:8]}"
    _sign_up(runtime, runtime.sessions, name)
    [encoded] = list(stub_broker.queues[QUEUE_NAME].queue)
    # The same message again, as the relay sends it when a process died after the
    # broker took it but before its outbox row was deleted.
    stub_broker.enqueue(Message.decode(encoded))
    assert stub_broker.queues[QUEUE_NAME].qsize() == 2
    with worker_for(runtime, stub_broker) as run:
        run()
    new = [p for p in outbox_dir.glob("*.eml") if p not in before]
    assert sum(f"{name}@example.com" in p.read_text() for p in new) == 1
