"""The emails a sign-up sends (run by a worker): the welcome email to a new account, with
the link that confirms the address, and a notice to the owner of an address someone
tried to sign up with again."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from warren.accounts.mailing import link, send, user_of, words_for
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
    words = words_for(tenant, user)
    send(
        mailer,
        tenant,
        user.email,
        words.gettext("Welcome to %(brand)s", brand=tenant.name),
        words.gettext(
            "Hello %(username)s,\n\n"
            "Welcome to %(brand)s. Confirm that this address is yours, and sign in, with "
            "this link (it works once, for 3 days):\n\n%(verify)s\n\n"
            "Until then you can sign in at %(sign_in)s and use the site, but "
            "not pay, receive our news or make requests about your data.\n\n"
            "Our privacy policy, which you accepted when you signed up, is at "
            "%(privacy)s. Questions about your data go to %(support)s.\n",
            username=user.username,
            brand=tenant.name,
            verify=verify,
            sign_in=link(tenant, "/sign-in"),
            privacy=link(tenant, "/privacy"),
            support=tenant.support_email,
        ),
    )
    return True


def send_sign_up_attempt_notice(
    db: Session, mailer: Mailer, tenant: Tenant, user_id: uuid.UUID
) -> bool:
    """False when the account is gone (deleted before the job ran): nothing to send."""
    user = user_of(db, tenant, user_id)
    if user is None:
        return False
    words = words_for(tenant, user)
    send(
        mailer,
        tenant,
        user.email,
        words.gettext(
            "Someone tried to sign up for %(brand)s with your address", brand=tenant.name
        ),
        words.gettext(
            "Hello %(username)s,\n\n"
            "Someone just tried to sign up for %(brand)s with this email address, which "
            "already has an account.\n\n"
            "If it was you, there is no need for a new account: sign in at "
            "%(sign_in)s with your email or username. If you have forgotten "
            "your password, set a new one at %(reset)s.\n\n"
            "If it was not you, you can ignore this message: nothing has changed in your "
            "account.\n",
            username=user.username,
            brand=tenant.name,
            sign_in=link(tenant, "/sign-in"),
            reset=link(tenant, "/password-reset"),
        ),
    )
    return True
