"""Sending one plain-text account email from the brand's support address."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.mail.base import Mailer
from warren.mail.message import build_message
from warren.tenancy.tenant import Tenant


def send(mailer: Mailer, tenant: Tenant, to: str, subject: str, text: str) -> None:
    mailer.send(
        build_message(
            from_address=tenant.support_email,
            from_name=tenant.name,
            to=to,
            subject=subject,
            text=f"{text}\n— {tenant.name}\n",
        )
    )


def link(tenant: Tenant, path: str) -> str:
    return f"https://{tenant.domain}{path}"


def user_of(db: Session, tenant: Tenant, user_id: uuid.UUID) -> User | None:
    return db.scalar(select(User).where(User.tenant_id == tenant.slug, User.id == user_id))
