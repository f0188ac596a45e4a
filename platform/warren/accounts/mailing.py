"""Sending one plain-text account email from the brand's support address, in the
language of the account it is about.

Emails are sent by workers, never from a request, so the language is the account's
setting (stored with the user), or one decided when the job was queued and carried in
its message (an account that is gone by the time the email goes), else the brand's
default."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.i18n import Translator, translator
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


def language_of(tenant: Tenant, user: User | None) -> str:
    """The language an email to ``user`` is written in."""
    if user is not None and user.language in tenant.languages:
        assert user.language is not None
        return user.language
    return tenant.languages[0]


def words_in(tenant: Tenant, language: str | None) -> Translator:
    """The translator for ``language``; the brand's default for one it does not offer."""
    return translator(language if language in tenant.languages else tenant.languages[0])


def words_for(tenant: Tenant, user: User | None) -> Translator:
    return translator(language_of(tenant, user))
