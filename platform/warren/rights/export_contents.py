"""What an account export holds: the account's rows as JSON, and the files still kept.

Rows are written column by column, so a column added later is exported without a change
here; only secrets (password hash, two-factor secret) and internal bookkeeping are left
out, by name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from warren.accounts.models import SecurityEvent, User
from warren.billing.models import Order, PointMovement
from warren.chat.models import ChatMessage
from warren.generation.models import Job
from warren.library.models import ContentItem
from warren.media.models import Upload
from warren.privacy.consent_models import ConsentRecord
from warren.tenancy.tenant import Tenant

# Secrets of the account, and columns that say nothing about the person.
_LEFT_OUT = frozenset(
    {"password_hash", "totp_secret", "totp_last_step", "tenant_id", "storage_key", "lease_token"}
)


def _value(value: object) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, bytes):
        return None
    return value


def _row(obj: object) -> dict[str, Any]:
    state = inspect(obj)
    assert state is not None
    return {
        column.key: _value(getattr(obj, column.key))
        for column in state.mapper.column_attrs
        if column.key not in _LEFT_OUT
    }


@dataclass(frozen=True)
class ExportFile:
    """A stored object of the account and its name inside the ZIP."""

    storage_key: str
    name: str


def account_document(
    db: Session, tenant: Tenant, user: User, generated_at: datetime
) -> tuple[dict[str, Any], list[ExportFile]]:
    """The JSON document of the account and the files that go with it."""
    slug, uid = tenant.slug, user.id

    def rows(model: Any, *order: Any) -> list[Any]:
        return list(
            db.scalars(
                select(model).where(model.tenant_id == slug, model.user_id == uid).order_by(*order)
            )
        )

    items = rows(ContentItem, ContentItem.created_at)
    uploads = rows(Upload, Upload.created_at)
    files = [ExportFile(i.storage_key, f"content/{i.id}.{i.extension}") for i in items] + [
        ExportFile(u.storage_key, f"uploads/{u.id}{_suffix(u.storage_key)}") for u in uploads
    ]
    document = {
        "format": "warren-account-export/1",
        "brand": tenant.name,
        "generated_at": generated_at.isoformat(),
        "account": _row(user),
        "prime": {
            "until": _value(user.prime_until),
            "active": user.has_prime(generated_at),
        },
        "consents": [_row(r) for r in rows(ConsentRecord, ConsentRecord.created_at)],
        "points_ledger": [_row(r) for r in rows(PointMovement, PointMovement.created_at)],
        "orders": [_row(r) for r in rows(Order, Order.created_at)],
        "jobs": [_row(r) for r in rows(Job, Job.created_at)],
        "chats": [_row(r) for r in rows(ChatMessage, ChatMessage.created_at)],
        "content": [
            {**_row(i), "file": f.name} for i, f in zip(items, files[: len(items)], strict=True)
        ],
        "uploads": [
            {**_row(u), "file": f.name} for u, f in zip(uploads, files[len(items) :], strict=True)
        ],
        "security_events": [_row(r) for r in rows(SecurityEvent, SecurityEvent.created_at)],
    }
    return document, files


def _suffix(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return f".{name.rsplit('.', 1)[-1]}" if "." in name else ""


README = """\
A copy of your {brand} account, made on {generated_at} (UTC).

account.json   Everything {brand} keeps about your account, as JSON:
               account      your profile and settings (your password and two-factor
                            secret are stored only in a form nobody can read back, so
                            they are not here);
               prime        your Prime status;
               consents     every consent choice you made, with its time and the
                            policy version (the history, oldest first);
               points_ledger every energy-points movement;
               orders       your payments (amount, state, gateway confirmation);
               jobs         your generation requests with their prompts;
               chats        your messages to the assistants and their answers;
               content      what you created (its file is under content/);
               uploads      the files you uploaded that are still kept (under uploads/);
               security_events sign-ins and other security events, with the network
                            address as {brand} stores it ({ip_note}).
schema.json    A JSON Schema (draft 2020-12) that account.json validates against.
content/       The files of your content, named by the id in account.json.
uploads/       Your uploads still kept, named by the id in account.json.

This copy is deleted from our storage 7 days after it was made.
"""


def readme(tenant: Tenant, generated_at: datetime, ip_note: str) -> str:
    return README.format(brand=tenant.name, generated_at=generated_at.isoformat(), ip_note=ip_note)
