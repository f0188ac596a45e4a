"""Enqueueing by actor name, through a transactional outbox.

The web side never imports actor modules (imports point from workers to warren), so a
message names its actor. ``enqueue_after_commit`` writes the message to the ``outbox``
table in the caller's transaction, so a job, an account or an email request and the
message about it commit together or not at all: no process death can leave one without
the other. After the commit the message is sent at once and its row deleted; a row
still there a few seconds later (the process died after its commit, or the broker was
down) is sent by :func:`relay_outbox`, which the scheduler runs.

Sending and deleting happen in one transaction that holds the rows' locks, and the relay
skips locked rows, so the two never both send a message. A message can still be sent
twice when a process dies after the broker took it and before the delete committed:
actors are idempotent (jobs by their claim, emails by their receipt).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from dramatiq import Broker, Message
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    String,
    Uuid,
    bindparam,
    event,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, sessionmaker

from warren.db.base import utcnow
from warren.queue.broker import QUEUE_NAME
from warren.queue.models import OutboxMessage

log = logging.getLogger(__name__)
_PENDING = "warren.pending_messages"
_BROKER = "warren.broker"
_QUEUE = "warren.queue"

# Every submission writes and takes back an outbox row: as SQL text prepared once, not
# ORM objects flushed by the session, which cost a submission more CPU than its own work.
_ADD = text(
    """
    INSERT INTO outbox (id, queue_name, actor_name, message, created_at)
    VALUES (:b_id, :b_queue, :b_actor, :b_message, :b_now)
    """
).bindparams(
    bindparam("b_id", type_=Uuid),
    bindparam("b_message", type_=JSONB),
    bindparam("b_now", type_=DateTime(timezone=True)),
)
_TAKE = text(
    "DELETE FROM outbox WHERE id = ANY(CAST(:b_ids AS uuid[])) RETURNING message, actor_name"
).columns(message=JSONB, actor_name=String)


def enqueue_after_commit(db: Session, actor_name: str, *args: Any, **kwargs: Any) -> None:
    if _BROKER not in db.info:
        raise RuntimeError("this session has no broker; build it with attach_broker()")
    message: Message[Any] = Message(
        queue_name=db.info[_QUEUE], actor_name=actor_name, args=args, kwargs=kwargs, options={}
    )
    db.execute(
        _ADD,
        {
            "b_id": uuid.UUID(message.message_id),
            "b_queue": message.queue_name,
            "b_actor": actor_name,
            "b_message": message.asdict(),
            "b_now": utcnow(),
        },
    )
    db.info.setdefault(_PENDING, []).append(message)


def has_pending(db: Session) -> bool:
    """True when messages wait for this session's commit (sending them is I/O)."""
    return bool(db.info.get(_PENDING))


def attach_broker(
    factory: sessionmaker[Session], broker: Broker, queue_name: str = QUEUE_NAME
) -> None:
    """Every session from ``factory`` writes its messages to the outbox and, once it
    commits, sends them through ``broker``."""
    factory.kw.setdefault("info", {}).update({_BROKER: broker, _QUEUE: queue_name})
    event.listen(factory, "after_commit", _send_pending)
    event.listen(factory, "after_soft_rollback", _drop_pending)


def _send_pending(db: Session) -> None:
    pending: list[Message[Any]] = db.info.pop(_PENDING, [])
    if not pending:
        return
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    try:
        _deliver(engine, db.info[_BROKER], [uuid.UUID(m.message_id) for m in pending])
    except Exception:
        # The transaction is already committed; failing the request now would tell the
        # user their action failed when it did not. The rows stay; the relay sends them.
        log.exception(
            "enqueue failed; the outbox relay will send it",
            extra={"actors": [m.actor_name for m in pending]},
        )


def _deliver(engine: Engine, broker: Broker, ids: Sequence[uuid.UUID]) -> int:
    """Send the outbox rows ``ids`` that are still there, and delete them."""
    with engine.begin() as conn:
        return _send_and_delete(conn, broker, ids, "enqueued")


def relay_outbox(engine: Engine, broker: Broker, grace: timedelta, batch: int = 500) -> int:
    """Send outbox rows older than ``grace`` (their after-commit send did not happen);
    returns how many were sent."""
    with engine.begin() as conn:
        ids = list(
            conn.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.created_at < utcnow() - grace)
                .order_by(OutboxMessage.created_at)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        return _send_and_delete(conn, broker, ids, "relayed from the outbox") if ids else 0


def _send_and_delete(conn: Connection, broker: Broker, ids: Sequence[uuid.UUID], said: str) -> int:
    # Deleted first, in the transaction that sends: the rows stay locked until the
    # commit, and a failed send rolls the delete back.
    rows = conn.execute(_TAKE, {"b_ids": list(ids)}).all()
    for row in rows:
        broker.enqueue(Message(**row.message))
        log.info(said, extra={"actor": row.actor_name, "message_id": row.message["message_id"]})
    return len(rows)


def _drop_pending(db: Session, previous_transaction: object) -> None:
    db.info.pop(_PENDING, None)
