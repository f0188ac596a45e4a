"""Browsing a library that may hold thousands of items: one page at a time by keyset (the
cost of a page does not grow with the library), filtered by kind and searched by title,
with when each item will be removed under the tenant's retention numbers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.db.keyset import newest_first
from warren.errors import InvalidInput
from warren.i18n import N_
from warren.library.models import ContentItem
from warren.tenancy.tenant import Tenant

PAGE_SIZE = 20
KINDS = ("song", "image", "poem", "text", "video")


@dataclass(frozen=True)
class Removal:
    """When an item leaves the library if nothing changes: the window the policy states
    (deletable from ``earliest``, gone by ``latest``), or kept while Prime lasts."""

    earliest: date | None
    latest: date | None

    @property
    def kept_with_prime(self) -> bool:
        return self.earliest is None


@dataclass(frozen=True)
class LibraryPage:
    items: list[tuple[ContentItem, Removal]]
    # Pass as ``after`` for the next page; None on the last page.
    next_cursor: str | None


def content_clock_start(created_at: datetime, prime_until: datetime | None) -> datetime:
    """Where the standard retention clock of an item starts: at creation, or — when the
    owner's Prime ended after it was made — at the end of Prime, so nobody loses content
    on the day Prime lapses."""
    if prime_until is not None and prime_until > created_at:
        return prime_until
    return created_at


def removal(
    tenant: Tenant, item: ContentItem, prime_until: datetime | None, now: datetime
) -> Removal:
    if prime_until is not None and prime_until > now:
        return Removal(None, None)
    start = content_clock_start(item.created_at, prime_until)
    retention = tenant.retention
    return Removal(
        earliest=(start + timedelta(days=retention.content_deletable_after_days)).date(),
        latest=(start + timedelta(days=retention.content_deleted_by_days)).date(),
    )


def library_page(
    db: Session,
    tenant: Tenant,
    user_id: uuid.UUID,
    prime_until: datetime | None,
    now: datetime,
    *,
    kind: str | None = None,
    search: str = "",
    after: str | None = None,
) -> LibraryPage:
    """Newest first. Raises InvalidInput for an unknown kind or a cursor warren did not make."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput({"kind": N_("Choose one of the kinds listed.")})
    query = select(ContentItem).where(
        ContentItem.tenant_id == tenant.slug,
        ContentItem.user_id == user_id,
        ContentItem.deleted_at.is_(None),
    )
    if kind is not None:
        query = query.where(ContentItem.category == kind)
    if search.strip():
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ContentItem.title.ilike(f"%{escaped}%", escape="\\"))
    page = newest_first(
        db, query, ContentItem.created_at, ContentItem.id, after=after, size=PAGE_SIZE
    )
    return LibraryPage(
        items=[(item, removal(tenant, item, prime_until, now)) for item in page.rows],
        next_cursor=page.next_cursor,
    )


def owned_live_items(
    db: Session, tenant: Tenant, user_id: uuid.UUID, item_ids: list[uuid.UUID]
) -> list[ContentItem]:
    """The given items that are this user's and not in the trash; others are left out."""
    if not item_ids:
        return []
    return list(
        db.scalars(
            select(ContentItem)
            .where(
                ContentItem.tenant_id == tenant.slug,
                ContentItem.user_id == user_id,
                ContentItem.id.in_(item_ids),
                ContentItem.deleted_at.is_(None),
            )
            .order_by(ContentItem.created_at.desc())
        )
    )
