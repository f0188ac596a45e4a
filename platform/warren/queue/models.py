"""The transactional outbox and the receipts of handled messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, utcnow


class OutboxMessage(Base):
    """A message written in the same transaction as the rows it is about; deleted once
    the broker has it. A row older than a few seconds was not sent after its commit (the
    process died, or the broker was down) and the relay sends it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_created_at", "created_at"),)

    # Dramatiq's message id: a message relayed twice is still one message.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    queue_name: Mapped[str] = mapped_column(String(200))
    actor_name: Mapped[str] = mapped_column(String(200))
    # The Dramatiq message as a dict (Message.asdict()).
    message: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageReceipt(Base):
    """A message an actor with outside effects (an email) has handled: a second
    delivery of the same message finds its receipt and does nothing."""

    __tablename__ = "message_receipts"
    __table_args__ = (Index("ix_message_receipts_handled_at", "handled_at"),)

    message_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    actor_name: Mapped[str] = mapped_column(Text)
    handled_at: Mapped[datetime] = mapped_column(default=utcnow)
