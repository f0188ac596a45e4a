"""Confirming that an account's email address belongs to its owner.

Unverified accounts can use the site; paying, marketing emails and rights requests call
:func:`require_verified` first. The link comes with the welcome email and can be sent
again (rate-limited by the caller); only the newest link works.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from warren.accounts import tokens
from warren.accounts.mailing import link, send, user_of, words_for
from warren.accounts.models import TokenPurpose, User
from warren.accounts.security_log import record_event
from warren.db.base import utcnow
from warren.errors import Forbidden
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.tenancy.tenant import Tenant

RESEND_ACTOR = "send_verification_email"
VERIFY_PATH = "/verify-email"


class NotVerified(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "Confirm your email address first: use the link we sent you, or send a new one "
            "from your account page."
        )


def require_verified(user: User) -> None:
    if not user.is_verified:
        raise NotVerified()


def issue_verification_link(db: Session, tenant: Tenant, key: bytes, user: User) -> str:
    tokens.retire(db, tenant, user.id, TokenPurpose.VERIFY_EMAIL)
    value = tokens.issue(db, tenant, key, user, TokenPurpose.VERIFY_EMAIL)
    return link(tenant, f"{VERIFY_PATH}?token={value}")


def send_verification_email(
    db: Session, mailer: Mailer, tenant: Tenant, key: bytes, user_id: uuid.UUID
) -> bool:
    """The resent link. False when there is nothing to send (account gone or verified)."""
    user = user_of(db, tenant, user_id)
    if user is None or user.is_verified:
        return False
    verify = issue_verification_link(db, tenant, key, user)
    words = words_for(tenant, user)
    send(
        mailer,
        tenant,
        user.email,
        words.gettext("Confirm your email address for %(brand)s", brand=tenant.name),
        words.gettext(
            "Hello %(username)s,\n\nConfirm that this address is yours with this link "
            "(it works once, for 3 days; earlier links no longer work):\n\n%(verify)s\n\n"
            "If you did not ask for it, you can ignore this message.\n",
            username=user.username,
            verify=verify,
        ),
    )
    return True


def request_verification_email(db: Session, tenant: Tenant, user: User, ip_value: str) -> None:
    record_event(db, tenant, "verification_resent", ip_value, user.id)
    enqueue_after_commit(db, RESEND_ACTOR, tenant.slug, str(user.id))


def verify_email(db: Session, tenant: Tenant, key: bytes, value: str, ip_value: str) -> User:
    """Use a verification link; returns its (now verified) user. Raises InvalidLink."""
    holder = tokens.consume(db, tenant, key, TokenPurpose.VERIFY_EMAIL, value)
    user = holder.user
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    record_event(db, tenant, "email_verified", ip_value, user.id)
    return user
