"""Once per message for actors whose effect leaves warren (an email cannot be unsent):
the receipt is written in the actor's transaction, so a second delivery of the same
message waits for the first to commit and then finds it handled."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from warren.queue.models import MessageReceipt


def first_delivery(db: Session, message_id: str, actor_name: str) -> bool:
    """Record the message as handled in ``db``'s transaction; False if it already was."""
    inserted = db.execute(
        insert(MessageReceipt)
        .values(message_id=uuid.UUID(message_id), actor_name=actor_name)
        .on_conflict_do_nothing(index_elements=["message_id"])
        .returning(MessageReceipt.message_id)
    ).first()
    return inserted is not None
