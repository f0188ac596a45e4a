"""The emails a sign-up sends (run by a worker): the welcome email to a new account, and a
notice to the owner of an address someone tried to sign up with again."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.mail.base import Mailer
from warren.mail.message import build_message
from warren.tenancy.tenant import Tenant


def send_welcome_email(db: Session, mailer: Mailer, tenant: Tenant, user_id: uuid.UUID) -> bool:
    """False when the account is gone (deleted before the job ran): nothing to send."""
    user = db.scalar(select(User).where(User.tenant_id == tenant.slug, User.id == user_id))
    if user is None:
        return False
    text = (
        f"Hello {user.username},\n\n"
        f"Welcome to {tenant.name}. Your account is ready: sign in at https://{tenant.domain}/sign-in.\n\n"
        f"Our privacy policy, which you accepted when you signed up, is at "
        f"https://{tenant.domain}/privacy. Questions about your data go to {tenant.support_email}.\n\n"
        f"— {tenant.name}\n"
    )
    mailer.send(
        build_message(
            from_address=tenant.support_email,
            from_name=tenant.name,
            to=user.email,
            subject=f"Welcome to {tenant.name}",
            text=text,
        )
    )
    return True


def send_sign_up_attempt_notice(
    db: Session, mailer: Mailer, tenant: Tenant, user_id: uuid.UUID
) -> bool:
    """False when the account is gone (deleted before the job ran): nothing to send."""
    user = db.scalar(select(User).where(User.tenant_id == tenant.slug, User.id == user_id))
    if user is None:
        return False
    text = (
        f"Hello {user.username},\n\n"
        f"Someone just tried to sign up for {tenant.name} with this email address, which "
        f"already has an account.\n\n"
        f"If it was you, there is no need for a new account: sign in at "
        f"https://{tenant.domain}/sign-in with your email or username. If you have "
        f"forgotten your password, write to {tenant.support_email} from this address.\n\n"
        f"If it was not you, you can ignore this message: nothing has changed in your "
        f"account.\n\n"
        f"— {tenant.name}\n"
    )
    mailer.send(
        build_message(
            from_address=tenant.support_email,
            from_name=tenant.name,
            to=user.email,
            subject=f"Someone tried to sign up for {tenant.name} with your address",
            text=text,
        )
    )
    return True
