"""The emails a sign-up sends (run by a worker): the welcome email to a new account, with
the link that confirms the address, and a notice to the owner of an address someone
tried to sign up with again."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from warren.accounts.mailing import link, send, user_of
from warren.accounts.verification import issue_verification_link
from warren.mail.base import Mailer
from warren.tenancy.tenant import Tenant


def send_welcome_email(
    db: Session, mailer: Mailer, tenant: Tenant, token_key: bytes, user_id: uuid.UUID
) -> bool:
    """False when the account is gone (deleted before the job ran): nothing to send."""
    user = user_of(db, tenant, user_id)
    if user is None:
        return False
    verify = issue_verification_link(db, tenant, token_key, user)
    send(
        mailer,
        tenant,
        user.email,
        f"Welcome to {tenant.name}",
        f"Hello {user.username},\n\n"
        f"Welcome to {tenant.name}. Confirm that this address is yours, and sign in, with "
        f"this link (it works once, for 3 days):\n\n{verify}\n\n"
        f"Until then you can sign in at {link(tenant, '/sign-in')} and use the site, but "
        f"not pay, receive our news or make requests about your data.\n\n"
        f"Our privacy policy, which you accepted when you signed up, is at "
        f"{link(tenant, '/privacy')}. Questions about your data go to {tenant.support_email}.\n",
    )
    return True


def send_sign_up_attempt_notice(
    db: Session, mailer: Mailer, tenant: Tenant, user_id: uuid.UUID
) -> bool:
    """False when the account is gone (deleted before the job ran): nothing to send."""
    user = user_of(db, tenant, user_id)
    if user is None:
        return False
    send(
        mailer,
        tenant,
        user.email,
        f"Someone tried to sign up for {tenant.name} with your address",
        f"Hello {user.username},\n\n"
        f"Someone just tried to sign up for {tenant.name} with this email address, which "
        f"already has an account.\n\n"
        f"If it was you, there is no need for a new account: sign in at "
        f"{link(tenant, '/sign-in')} with your email or username. If you have forgotten "
        f"your password, set a new one at {link(tenant, '/password-reset')}.\n\n"
        f"If it was not you, you can ignore this message: nothing has changed in your "
        f"account.\n",
    )
    return True
