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

from warren.accounts.mailing import link, send
from warren.accounts.models import User
from warren.db.unit_of_work import unit_of_work
from warren.mail.base import Mailer
from warren.publishing.models import BrandConfigVersion, ConfigNoticeSent
from warren.publishing.ownership import value_at
from warren.tenancy.tenant import Tenant

BATCH = 100

# How each material key reads in the notice (retention numbers as one line).
_WORDS = {
    "support_email": "the address for support and privacy questions",
    "ip.mode": "how we store the network (IP) addresses of visitors",
    "analytics.consent": "whether analytics cookies need your permission first",
    "policy.content_use": "how we may use the content you create",
    "policy.provider_data_use": "what AI providers may do with your requests",
    "policy.transfers_with_consent": "when we share data with third parties",
    "policy.face_data_section": "how we handle photos with faces",
    "policy.jurisdictions": "the privacy laws whose rights we describe",
    "retention": "how long we keep your data",
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


def _text(tenant: Tenant, row: BrandConfigVersion) -> tuple[str, str]:
    day = f"{row.effective_at:%B} {row.effective_at.day}, {row.effective_at.year}"
    what = sorted({_describe(key) for key in row.material})
    lines = "\n".join(f"- {item}" for item in what)
    support = value_at(row.document, "support_email") or tenant.support_email
    subject = f"{tenant.name}: our privacy policy changes on {day}"
    body = (
        f"Hello,\n\nWe are changing our privacy policy. From {day} it changes:\n{lines}\n\n"
        f"The new version: {link(tenant, f'/privacy/versions/{row.version}')}\n"
        f"The policy in force until then: {link(tenant, '/privacy')}\n\n"
        f"Questions: {support}\n"
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
        subject, body = _text(tenant, row)
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
            if _send_one(sessions, mailer, tenant, number, user_id, subject, body):
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
    number: int,
    user_id: uuid.UUID,
    subject: str,
    body: str,
) -> bool:
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
        send(mailer, tenant, user.email, subject, body)
        return True
