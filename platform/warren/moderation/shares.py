"""Share links: the owner of a generated result lets anyone with the link see it.

The link is ``/s?t=<token>``: 32 random bytes, of which only the SHA-256 is stored. The
token rides in the query string, not the path, because the access log records paths:
a token in the path would sit in every log file. A link works on its tenant's host only
(the lookup is tenant-scoped), until the owner revokes it or creates a new one, and only
while the item is live and its owner not blocked: moving the item to the trash makes the
link answer 404 at once, and deleting it (retention, erasure, moderation) deletes the
link with it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.db.base import utcnow
from warren.errors import NotFound
from warren.i18n import N_
from warren.library.models import ContentItem
from warren.library.service import get_item
from warren.moderation.models import ShareLink
from warren.tenancy.tenant import Tenant

SHARE_PATH = "/s"
# token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
NO_SHARE = N_("This link does not work: it was revoked, or the item is no longer shared.")


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


@dataclass(frozen=True)
class Shared:
    """What a visitor of a link may see: the item and the link it came through."""

    item: ContentItem
    link: ShareLink


def share_item(db: Session, tenant: Tenant, user_id: uuid.UUID, item_id: uuid.UUID) -> str:
    """A new link to the user's live item (revoking the one before); returns the token,
    which is shown once and never stored."""
    item = get_item(db, tenant, user_id, item_id, live=True)
    _revoke_all(db, tenant, item.id)
    token = secrets.token_urlsafe(32)
    db.add(ShareLink(tenant_id=tenant.slug, content_item_id=item.id, token_hash=_hash(token)))
    db.flush()
    return token


def revoke_share(db: Session, tenant: Tenant, user_id: uuid.UUID, item_id: uuid.UUID) -> int:
    """Revoke the links to the user's item; NotFound for anyone else's."""
    item = get_item(db, tenant, user_id, item_id)
    return _revoke_all(db, tenant, item.id)


def _revoke_all(db: Session, tenant: Tenant, item_id: uuid.UUID) -> int:
    links = list(
        db.scalars(
            update(ShareLink)
            .where(
                ShareLink.tenant_id == tenant.slug,
                ShareLink.content_item_id == item_id,
                ShareLink.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
            .returning(ShareLink.id)
        )
    )
    return len(links)


def active_link(db: Session, tenant: Tenant, item_id: uuid.UUID) -> ShareLink | None:
    return db.scalar(
        select(ShareLink).where(
            ShareLink.tenant_id == tenant.slug,
            ShareLink.content_item_id == item_id,
            ShareLink.revoked_at.is_(None),
        )
    )


def open_share(db: Session, tenant: Tenant, token: str) -> Shared:
    """The live item behind a link of this tenant; NotFound for anything else."""
    if not _TOKEN.fullmatch(token):
        raise NotFound(NO_SHARE)
    row = db.execute(
        select(ContentItem, ShareLink)
        .join(ShareLink, ShareLink.content_item_id == ContentItem.id)
        .join(User, User.id == ContentItem.user_id)
        .where(
            ShareLink.tenant_id == tenant.slug,
            ContentItem.tenant_id == tenant.slug,
            ShareLink.token_hash == _hash(token),
            ShareLink.revoked_at.is_(None),
            ContentItem.deleted_at.is_(None),
            # A blocked account's links stop working with it.
            User.blocked_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        raise NotFound(NO_SHARE)
    item, link = row
    return Shared(item, link)


@dataclass(frozen=True)
class ShareStatus:
    """What the owner's result page shows: the item, and its live link if any."""

    item_id: uuid.UUID
    link: ShareLink | None


def share_status_for_job(
    db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID
) -> ShareStatus | None:
    """The share state of the user's job's live result; None before there is one."""
    item_id = db.scalar(
        select(ContentItem.id).where(
            ContentItem.tenant_id == tenant.slug,
            ContentItem.user_id == user_id,
            ContentItem.job_id == job_id,
            ContentItem.deleted_at.is_(None),
        )
    )
    if item_id is None:
        return None
    return ShareStatus(item_id, active_link(db, tenant, item_id))
