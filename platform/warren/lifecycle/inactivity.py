"""The warning an inactive account's owner gets before the account is erased.

Sent once per stretch of inactivity: ``inactivity_warned_at`` is set in the same
statement that picks the accounts, and committed before the emails go, so a crash sends
at most one warning rather than a stream of them; a sign-in after the warning
(``last_access_at`` later than it) makes the next stretch warn again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.i18n import translator
from warren.lifecycle.holds import held
from warren.lifecycle.models import HoldSubject
from warren.logs import get_logger
from warren.mail.base import Mailer
from warren.mail.message import build_message
from warren.tenancy.tenant import Tenant

log = get_logger("warren.lifecycle")
BATCH = 200


def send_inactivity_warnings(db: Session, mailer: Mailer, tenant: Tenant, now: datetime) -> int:
    """Warn every account of ``tenant`` that enters its warning period; returns how many."""
    r = tenant.retention
    deleted_after = timedelta(days=r.inactive_account_days)
    warn_from = now - deleted_after + timedelta(days=r.inactive_warning_days)
    sent = 0
    while True:
        due = (
            select(User.id)
            .where(
                User.tenant_id == tenant.slug,
                User.last_access_at <= warn_from,
                # Accounts already past the period are erased, not warned.
                User.last_access_at > now - deleted_after,
                or_(
                    User.inactivity_warned_at.is_(None),
                    User.inactivity_warned_at < User.last_access_at,
                ),
                ~held(tenant.slug, HoldSubject.ACCOUNT, User.id),
            )
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        picked = db.execute(
            update(User)
            .where(User.id == func.any(func.array(due.scalar_subquery())))
            .values(inactivity_warned_at=now)
            .returning(User.email, User.username, User.last_access_at, User.language)
        ).all()
        db.commit()
        if not picked:
            return sent
        for email, username, last_access_at, language in picked:
            mailer.send(_warning(tenant, email, username, last_access_at + deleted_after, language))
            sent += 1


def _warning(
    tenant: Tenant, email: str, username: str, erase_on: datetime, language: str | None
) -> EmailMessage:
    words = translator(language if language in tenant.languages else tenant.languages[0])
    day = f"{erase_on:%Y-%m-%d}"
    text = words.gettext(
        "Hello %(username)s,\n\n"
        "You have not signed in to %(brand)s for a long time. As our privacy policy "
        "promises, accounts not used for %(period)s are "
        "deleted with all their data: yours will be deleted on %(day)s.\n\n"
        "To keep it, sign in at %(sign_in)s before then. If you do not "
        "need it any more, there is nothing to do.\n\n",
        username=username,
        brand=tenant.name,
        period=words.ngettext(
            "%(num)s day", "%(num)s days", tenant.retention.inactive_account_days
        ),
        day=day,
        sign_in=f"https://{tenant.domain}/sign-in",
    )
    return build_message(
        from_address=tenant.support_email,
        from_name=tenant.name,
        to=email,
        subject=words.gettext(
            "Your %(brand)s account will be deleted on %(day)s", brand=tenant.name, day=day
        ),
        text=f"{text}— {tenant.name}\n",
    )
