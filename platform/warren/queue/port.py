"""Enqueueing by actor name, after the transaction that caused the work commits.

The web side never imports actor modules (imports point from workers to warren), so a
message names its actor. Messages are held on the SQLAlchemy session and sent only once
it commits: a rolled-back sign-up sends no welcome email, and a worker never looks for a
row that is not there yet.
"""

from __future__ import annotations

import logging
from typing import Any

from dramatiq import Broker, Message
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from warren.queue.broker import QUEUE_NAME

log = logging.getLogger(__name__)
_PENDING = "warren.pending_messages"
_BROKER = "warren.broker"
_QUEUE = "warren.queue"


def enqueue_after_commit(db: Session, actor_name: str, *args: Any, **kwargs: Any) -> None:
    if _BROKER not in db.info:
        raise RuntimeError("this session has no broker; build it with attach_broker()")
    message: Message[Any] = Message(
        queue_name=db.info[_QUEUE], actor_name=actor_name, args=args, kwargs=kwargs, options={}
    )
    db.info.setdefault(_PENDING, []).append(message)


def attach_broker(
    factory: sessionmaker[Session], broker: Broker, queue_name: str = QUEUE_NAME
) -> None:
    """Every session from ``factory`` sends its pending messages through ``broker``."""
    factory.kw.setdefault("info", {}).update({_BROKER: broker, _QUEUE: queue_name})
    event.listen(factory, "after_commit", _send_pending)
    event.listen(factory, "after_soft_rollback", _drop_pending)


def _send_pending(db: Session) -> None:
    pending: list[Message[Any]] = db.info.pop(_PENDING, [])
    broker: Broker = db.info[_BROKER]
    for message in pending:
        try:
            broker.enqueue(message)
        except Exception:
            # The transaction is already committed; failing the request now would tell
            # the user their action failed when it did not. Work that must not be lost
            # keeps its own state in the database and is re-enqueued from there.
            log.exception(
                "enqueue failed",
                extra={"actor": message.actor_name, "message_id": message.message_id},
            )
            continue
        log.info("enqueued", extra={"actor": message.actor_name, "message_id": message.message_id})


def _drop_pending(db: Session, previous_transaction: object) -> None:
    db.info.pop(_PENDING, None)
