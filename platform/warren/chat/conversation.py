"""A user's conversation with one assistant, kept to the tenant's last-N-messages limit."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from warren.chat.models import ChatMessage
from warren.errors import InvalidInput, NotFound
from warren.generation.models import Job
from warren.generation.submit import submit_chat_reply
from warren.i18n import N_
from warren.tenancy.tenant import Tenant

MESSAGE_MAX = 4000


def _conversation(
    tenant: Tenant, user_id: uuid.UUID, assistant_key: str
) -> tuple[ColumnElement[bool], ...]:
    return (
        ChatMessage.tenant_id == tenant.slug,
        ChatMessage.user_id == user_id,
        ChatMessage.assistant_key == assistant_key,
    )


def history(
    db: Session, tenant: Tenant, user_id: uuid.UUID, assistant_key: str
) -> list[ChatMessage]:
    """The kept messages, oldest first."""
    return list(
        db.scalars(
            select(ChatMessage)
            .where(*_conversation(tenant, user_id, assistant_key))
            .order_by(ChatMessage.id)
        )
    )


def add_message(
    db: Session, tenant: Tenant, user_id: uuid.UUID, assistant_key: str, role: str, content: str
) -> ChatMessage:
    """Append a message and drop the ones beyond the tenant's limit, oldest first."""
    message = ChatMessage(
        tenant_id=tenant.slug,
        user_id=user_id,
        assistant_key=assistant_key,
        role=role,
        content=content,
    )
    db.add(message)
    db.flush()
    keep = (
        select(ChatMessage.id)
        .where(*_conversation(tenant, user_id, assistant_key))
        .order_by(ChatMessage.id.desc())
        .limit(tenant.retention.chat_messages_per_assistant)
    )
    db.execute(
        delete(ChatMessage).where(
            *_conversation(tenant, user_id, assistant_key), ChatMessage.id.not_in(keep)
        )
    )
    return message


def ask(db: Session, tenant: Tenant, user_id: uuid.UUID, assistant_key: str, text: str) -> Job:
    """Store the user's message and queue the assistant's reply (paid per reply).

    Raises NotFound, InvalidInput (field "message") or InsufficientPoints; the caller's
    unit of work then rolls the message back with everything else."""
    if assistant_key not in tenant.assistants:
        raise NotFound(N_("This assistant is not offered here."))
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput({"message": N_("Write a message first.")})
    if len(text) > MESSAGE_MAX:
        raise InvalidInput({"message": f"Keep messages under {MESSAGE_MAX} characters."})
    add_message(db, tenant, user_id, assistant_key, "user", text)
    return submit_chat_reply(db, tenant, user_id, assistant_key)
