"""Browsing a library that may hold thousands of items: one page at a time by keyset (the
cost of a page does not grow with the library), filtered by kind and searched by title,
with when each item will be removed under the tenant's retention numbers."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

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


def _encode(item: ContentItem) -> str:
    raw = f"{item.created_at.isoformat()}|{item.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, item_id = raw.partition("|")
        return datetime.fromisoformat(created), uuid.UUID(item_id)
    except ValueError:
        raise InvalidInput(
            {"after": N_("This page link is not valid; start from the first page.")}
        ) from None


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
    if after:
        created, item_id = _decode(after)
        query = query.where(
            or_(
                ContentItem.created_at < created,
                and_(ContentItem.created_at == created, ContentItem.id < item_id),
            )
        )
    rows = list(
        db.scalars(
            query.order_by(ContentItem.created_at.desc(), ContentItem.id.desc()).limit(
                PAGE_SIZE + 1
            )
        )
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return LibraryPage(
        items=[(item, removal(tenant, item, prime_until, now)) for item in rows],
        next_cursor=_encode(rows[-1]) if more and rows else None,
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
