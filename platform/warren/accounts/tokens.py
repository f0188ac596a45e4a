"""Links sent by email: signed, single-use, expiring, scoped to a tenant and a purpose.

A link carries ``<random>.<HMAC(tenant token key, purpose:random)>``. The signature is
checked first, so a tampered or foreign link costs no database lookup and a link of one
purpose is not a link of another; the database keeps only the SHA-256 of the random
part, with its tenant, purpose, expiry and use. Using a link is a conditional UPDATE
(unused and unexpired), so two clicks racing each other cannot both succeed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warren.accounts.models import AccountToken, TokenPurpose, User
from warren.db.base import utcnow
from warren.errors import Gone
from warren.i18n import N_
from warren.tenancy.tenant import Tenant

LIFETIME: dict[TokenPurpose, timedelta] = {
    TokenPurpose.VERIFY_EMAIL: timedelta(days=3),
    TokenPurpose.RESET_PASSWORD: timedelta(hours=1),
    TokenPurpose.CHANGE_EMAIL: timedelta(days=1),
}
# The same sentence for a link that is malformed, forged, foreign, used or expired: the
# reason helps nobody but someone probing links.
INVALID_LINK = N_("This link is not valid any more. It may have expired or been used already.")


class InvalidLink(Gone):
    def __init__(self) -> None:
        super().__init__(INVALID_LINK)


def sign(key: bytes, purpose: str, token: str) -> str:
    return hmac.new(key, f"{purpose}:{token}".encode("ascii"), hashlib.sha256).hexdigest()


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


def issue(
    db: Session,
    tenant: Tenant,
    key: bytes,
    user: User,
    purpose: TokenPurpose,
    *,
    new_email: str | None = None,
    now: datetime | None = None,
) -> str:
    """Store a new link for ``user`` and return its value (to be emailed, never stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.add(
        AccountToken(
            tenant_id=tenant.slug,
            user_id=user.id,
            purpose=purpose.value,
            token_hash=token_hash(token),
            new_email=new_email,
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )
    return f"{token}.{sign(key, purpose, token)}"


def verified(key: bytes, purpose: str, value: str) -> str | None:
    """The random part of a link of ``purpose``, or None when the signature is wrong."""
    token, _, signature = value.partition(".")
    if not token or not signature or not value.isascii():
        return None
    if not hmac.compare_digest(signature, sign(key, purpose, token)):
        return None
    return token


@dataclass(frozen=True)
class LinkHolder:
    user: User
    token: AccountToken


def peek(db: Session, tenant: Tenant, key: bytes, purpose: TokenPurpose, value: str) -> LinkHolder:
    """The link's user, without using it (for the page that asks to confirm)."""
    token = verified(key, purpose, value)
    if token is None:
        raise InvalidLink()
    row = db.execute(
        select(AccountToken, User)
        .join(User, User.id == AccountToken.user_id)
        .where(
            AccountToken.tenant_id == tenant.slug,
            User.tenant_id == tenant.slug,
            AccountToken.purpose == purpose.value,
            AccountToken.token_hash == token_hash(token),
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
    ).one_or_none()
    if row is None:
        raise InvalidLink()
    return LinkHolder(user=row[1], token=row[0])


def consume(
    db: Session, tenant: Tenant, key: bytes, purpose: TokenPurpose, value: str
) -> LinkHolder:
    """Use the link once: raises InvalidLink when it is not (or no longer) good."""
    token = verified(key, purpose, value)
    if token is None:
        raise InvalidLink()
    now = utcnow()
    used = db.scalar(
        update(AccountToken)
        .where(
            AccountToken.tenant_id == tenant.slug,
            AccountToken.purpose == purpose.value,
            AccountToken.token_hash == token_hash(token),
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(AccountToken.id)
    )
    if used is None:
        raise InvalidLink()
    holder = db.execute(
        select(AccountToken, User)
        .join(User, User.id == AccountToken.user_id)
        .where(AccountToken.id == used, User.tenant_id == tenant.slug)
    ).one_or_none()
    if holder is None:
        raise InvalidLink()
    return LinkHolder(user=holder[1], token=holder[0])


def retire(db: Session, tenant: Tenant, user_id: uuid.UUID, purpose: TokenPurpose) -> None:
    """Mark every unused link of this purpose as used (a newer one, or a done job,
    makes them pointless)."""
    db.execute(
        update(AccountToken)
        .where(
            AccountToken.tenant_id == tenant.slug,
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
