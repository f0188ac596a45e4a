"""The welcome email sent after sign-up (run by a worker)."""

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
