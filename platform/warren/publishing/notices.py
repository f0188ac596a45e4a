"""Telling every verified user of a brand about a material change, in batches.

Each user gets one email per version: the marker row (brand_config_notices) is written
in the same transaction as the send, one user at a time, so a worker that dies resumes
with the users not yet marked. The only possible repeat is the single user whose email
left just before the crash, which SMTP cannot make atomic with a database commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warren.accounts.mailing import link, send, words_for
from warren.accounts.models import User
from warren.db.unit_of_work import unit_of_work
from warren.i18n import N_, Translator
from warren.mail.base import Mailer
from warren.publishing.models import BrandConfigVersion, ConfigNoticeSent
from warren.publishing.ownership import value_at
from warren.tenancy.tenant import Tenant

BATCH = 100

# How each material key reads in the notice (retention numbers as one line).
_WORDS = {
    "support_email": N_("the address for support and privacy questions"),
    "ip.mode": N_("how we store the network (IP) addresses of visitors"),
    "analytics.consent": N_("whether analytics cookies need your permission first"),
    "policy.content_use": N_("how we may use the content you create"),
    "policy.provider_data_use": N_("what AI providers may do with your requests"),
    "policy.transfers_with_consent": N_("when we share data with third parties"),
    "policy.face_data_section": N_("how we handle photos with faces"),
    "policy.jurisdictions": N_("the privacy laws whose rights we describe"),
    "retention": N_("how long we keep your data"),
}


def _describe(key: str) -> str:
    for prefix, words in _WORDS.items():
        if key == prefix or key.startswith(prefix + "."):
            return words
    return key


def _pending(db: Session, tenant: Tenant, number: int, batch: int) -> Sequence[User]:
    told = select(ConfigNoticeSent.user_id).where(
        ConfigNoticeSent.tenant_id == tenant.slug, ConfigNoticeSent.version == number
    )
    return db.scalars(
        select(User)
        .where(
            User.tenant_id == tenant.slug,
            User.email_verified_at.is_not(None),
            User.id.not_in(told),
        )
        .order_by(User.id)
        .limit(batch)
    ).all()


def _text(tenant: Tenant, row: BrandConfigVersion, words: Translator) -> tuple[str, str]:
    """The notice in the user's language (the policy versions it links to are English)."""
    _ = words.gettext
    day = words.date(row.effective_at)
    what = sorted({_(_describe(key)) for key in row.material})
    lines = "\n".join(f"- {item}" for item in what)
    support = value_at(row.document, "support_email") or tenant.support_email
    subject = _("%(brand)s: our privacy policy changes on %(day)s", brand=tenant.name, day=day)
    body = (
        _("Hello,")
        + "\n\n"
        + _("We are changing our privacy policy. From %(day)s it changes:", day=day)
        + f"\n{lines}\n\n"
        + _("The new version: %(url)s", url=link(tenant, f"/privacy/versions/{row.version}"))
        + "\n"
        + _("The policy in force until then: %(url)s", url=link(tenant, "/privacy"))
        + "\n\n"
        + _("Questions: %(address)s", address=support)
        + "\n"
    )
    return subject, body


def send_notices(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    tenant: Tenant,
    number: int,
    *,
    batch: int = BATCH,
    limit: int | None = None,
) -> int:
    """Send version ``number``'s notice to every verified user not yet told; returns how
    many were sent now. ``limit`` stops after that many (a run cut short)."""
    with sessions() as db:
        row = db.scalar(
            select(BrandConfigVersion).where(
                BrandConfigVersion.tenant_id == tenant.slug, BrandConfigVersion.version == number
            )
        )
        if row is None or not row.material:
            return 0
        db.expunge(row)
    sent = 0
    while limit is None or sent < limit:
        with unit_of_work(sessions) as db:
            users = _pending(db, tenant, number, batch)
            ids = [user.id for user in users]
        if not ids:
            return sent
        progressed = False
        for user_id in ids:
            if limit is not None and sent >= limit:
                return sent
            if _send_one(sessions, mailer, tenant, row, user_id):
                sent += 1
                progressed = True
        if not progressed:
            # Every one of them is being told by another run right now: leave them to it.
            return sent
    return sent


def _send_one(
    sessions: sessionmaker[Session],
    mailer: Mailer,
    tenant: Tenant,
    row: BrandConfigVersion,
    user_id: uuid.UUID,
) -> bool:
    number = row.version
    with unit_of_work(sessions) as db:
        user = db.scalar(
            select(User)
            .where(User.tenant_id == tenant.slug, User.id == user_id)
            .with_for_update(skip_locked=True)
        )
        if user is None or user.email_verified_at is None:
            return False
        already = db.scalar(
            select(ConfigNoticeSent.id).where(
                ConfigNoticeSent.tenant_id == tenant.slug,
                ConfigNoticeSent.version == number,
                ConfigNoticeSent.user_id == user_id,
            )
        )
        if already is not None:
            return False
        db.add(ConfigNoticeSent(tenant_id=tenant.slug, version=number, user_id=user_id))
        db.flush()
        subject, body = _text(tenant, row, words_for(tenant, user))
        send(mailer, tenant, user.email, subject, body)
        return True
