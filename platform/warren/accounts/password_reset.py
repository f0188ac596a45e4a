"""Password reset by email.

The request form answers the same, and does the same work, whether or not the address
has an account: the request only records the attempt and queues a message; the worker
looks the address up and sends a link only if it finds an account. The link is good
once, for an hour; using it sets the new password, signs the account out everywhere,
ends the per-account failure throttle (``password_reset`` is in THROTTLE_RESETS) and
confirms the address (the link reached it).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts import tokens
from warren.accounts.mailing import link, send, words_for
from warren.accounts.models import TokenPurpose, User
from warren.accounts.password_rules import password_problem
from warren.accounts.passwords import hash_password
from warren.accounts.security_log import record_event
from warren.accounts.sessions import end_sessions
from warren.accounts.signup import normalise_email
from warren.db.base import utcnow
from warren.errors import InvalidInput
from warren.i18n import N_
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.tenancy.tenant import Tenant

RESET_ACTOR = "send_password_reset_email"
RESET_PATH = "/password-reset/new"


def reset_address(email_input: str) -> str:
    """The address as accounts store it (callers rate-limit on it). Raises InvalidInput."""
    email = normalise_email(email_input)
    if email is None:
        raise InvalidInput({"email": N_("Enter a valid email address.")})
    return email


def request_reset(db: Session, tenant: Tenant, email: str, ip_value: str) -> None:
    """Queue a reset email for the normalised address ``email``."""
    record_event(db, tenant, "password_reset_requested", ip_value)
    enqueue_after_commit(db, RESET_ACTOR, tenant.slug, email)


def send_reset_email(db: Session, mailer: Mailer, tenant: Tenant, key: bytes, email: str) -> bool:
    """Runs in the worker. False when no account of this tenant has the address."""
    user = db.scalar(select(User).where(User.tenant_id == tenant.slug, User.email == email))
    if user is None:
        return False
    tokens.retire(db, tenant, user.id, TokenPurpose.RESET_PASSWORD)
    value = tokens.issue(db, tenant, key, user, TokenPurpose.RESET_PASSWORD)
    words = words_for(tenant, user)
    send(
        mailer,
        tenant,
        user.email,
        words.gettext("Set a new password for %(brand)s", brand=tenant.name),
        words.gettext(
            "Hello %(username)s,\n\nSomeone (we hope you) asked to set a new password for "
            "your %(brand)s account. Use this link within an hour; it works once:\n\n"
            "%(link)s\n\n"
            "Setting a new password signs you out on every device. If you did not ask for "
            "this, ignore this message: your password stays as it is.\n",
            username=user.username,
            brand=tenant.name,
            link=link(tenant, f"{RESET_PATH}?token={value}"),
        ),
    )
    return True


def reset_holder(db: Session, tenant: Tenant, key: bytes, value: str) -> User:
    """The account a reset link is for, without using the link. Raises InvalidLink."""
    return tokens.peek(db, tenant, key, TokenPurpose.RESET_PASSWORD, value).user


def reset_password(
    db: Session, tenant: Tenant, key: bytes, value: str, new_password: str, ip_value: str
) -> User:
    """Raises InvalidLink, or InvalidInput (the link stays good) for a refused password."""
    user = reset_holder(db, tenant, key, value)
    problem = password_problem(new_password, user.email, user.username)
    if problem is not None:
        raise InvalidInput({"password": problem})
    user = tokens.consume(db, tenant, key, TokenPurpose.RESET_PASSWORD, value).user
    user.password_hash = hash_password(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    ended = end_sessions(db, tenant, user.id)
    tokens.retire(db, tenant, user.id, TokenPurpose.RESET_PASSWORD)
    record_event(db, tenant, "password_reset", ip_value, user.id, sessions_ended=ended)
    return user
