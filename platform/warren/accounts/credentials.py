"""Changing the password or the email address of a signed-in account.

Both need the current password. A new password signs out every other session. A new
address takes effect only when a link sent to it is used; the old address is told, so
an intruder cannot quietly move the account (and its password resets) elsewhere.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts import tokens
from warren.accounts.mailing import link, send, user_of, words_for
from warren.accounts.models import TokenPurpose, User
from warren.accounts.password_rules import password_problem
from warren.accounts.passwords import hash_password, verify_password
from warren.accounts.security_log import record_event
from warren.accounts.sessions import end_sessions
from warren.accounts.signup import normalise_email
from warren.db.base import utcnow
from warren.errors import Conflict, InvalidInput
from warren.i18n import N_
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.tenancy.tenant import Tenant

EMAIL_CHANGE_ACTOR = "send_email_change_links"
CONFIRM_PATH = "/account/email/confirm"
WRONG_PASSWORD = "This is not your current password."  # noqa: S105 - a message


def _check_current(
    db: Session, tenant: Tenant, user: User, password: str, ip_value: str, action: str
) -> None:
    if not verify_password(password, user.password_hash):
        record_event(db, tenant, f"{action}_failed", ip_value, user.id, reason="wrong_password")
        raise InvalidInput({"current": WRONG_PASSWORD})


def change_password(
    db: Session,
    tenant: Tenant,
    user: User,
    current: str,
    new: str,
    ip_value: str,
    keep_session: uuid.UUID | None,
) -> int:
    """Set a new password; returns how many other sessions were signed out."""
    _check_current(db, tenant, user, current, ip_value, "password_change")
    problem = password_problem(new, user.email, user.username)
    if problem is not None:
        raise InvalidInput({"password": problem})
    user.password_hash = hash_password(new)
    ended = end_sessions(db, tenant, user.id, keep=keep_session)
    tokens.retire(db, tenant, user.id, TokenPurpose.RESET_PASSWORD)
    record_event(db, tenant, "password_changed", ip_value, user.id, sessions_ended=ended)
    return ended


def request_email_change(
    db: Session, tenant: Tenant, user: User, password: str, new_email_input: str, ip_value: str
) -> str:
    """Queue the confirmation link to the new address; returns it normalised."""
    _check_current(db, tenant, user, password, ip_value, "email_change")
    new_email = normalise_email(new_email_input)
    if new_email is None:
        raise InvalidInput({"email": N_("Enter a valid email address.")})
    if new_email == user.email:
        raise InvalidInput({"email": N_("This is already your address.")})
    # Whether another account has the address is not said here (that would reveal who
    # has an account); the link to it will refuse to complete the change.
    record_event(db, tenant, "email_change_requested", ip_value, user.id)
    enqueue_after_commit(db, EMAIL_CHANGE_ACTOR, tenant.slug, str(user.id), new_email)
    return new_email


def send_email_change_links(
    db: Session, mailer: Mailer, tenant: Tenant, key: bytes, user_id: uuid.UUID, new_email: str
) -> bool:
    """Runs in the worker: the link to the new address, a notice to the old one."""
    user = user_of(db, tenant, user_id)
    if user is None:
        return False
    tokens.retire(db, tenant, user.id, TokenPurpose.CHANGE_EMAIL)
    value = tokens.issue(db, tenant, key, user, TokenPurpose.CHANGE_EMAIL, new_email=new_email)
    words = words_for(tenant, user)
    send(
        mailer,
        tenant,
        new_email,
        words.gettext("Confirm your new email address for %(brand)s", brand=tenant.name),
        words.gettext(
            "Hello %(username)s,\n\nTo make this the address of your %(brand)s account, "
            "use this link within a day; it works once:\n\n"
            "%(link)s\n\n"
            "If you did not ask for this, ignore this message.\n",
            username=user.username,
            brand=tenant.name,
            link=link(tenant, f"{CONFIRM_PATH}?token={value}"),
        ),
    )
    send(
        mailer,
        tenant,
        user.email,
        words.gettext("Your %(brand)s email address is about to change", brand=tenant.name),
        words.gettext(
            "Hello %(username)s,\n\nSomeone signed in to your %(brand)s account asked to "
            "change its email address. The change happens only if the link we sent to the new "
            "address is used.\n\nIf this was not you, change your password now at "
            "%(reset)s and write to %(support)s.\n",
            username=user.username,
            brand=tenant.name,
            reset=link(tenant, "/password-reset"),
            support=tenant.support_email,
        ),
    )
    return True


def confirm_email_change(
    db: Session, tenant: Tenant, key: bytes, value: str, ip_value: str
) -> User:
    """Raises InvalidLink, or Conflict when the address got an account meanwhile."""
    holder = tokens.consume(db, tenant, key, TokenPurpose.CHANGE_EMAIL, value)
    user, new_email = holder.user, holder.token.new_email
    assert new_email is not None
    taken = db.scalar(
        select(User.id).where(
            User.tenant_id == tenant.slug, User.email == new_email, User.id != user.id
        )
    )
    if taken is not None:
        raise Conflict(f"This address already has a {tenant.name} account.")
    user.email = new_email
    user.email_verified_at = utcnow()
    for purpose in TokenPurpose:
        tokens.retire(db, tenant, user.id, purpose)
    record_event(db, tenant, "email_changed", ip_value, user.id)
    return user
