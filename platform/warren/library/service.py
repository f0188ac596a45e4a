"""The user's library: list, download, move to trash, restore within the trash period.

Deleting marks the item (and, when asked, the uploads it was made from) as deleted; the
retention engine removes it completely once the tenant's trash period has passed. Until
then it can be restored.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warren.db.base import utcnow
from warren.errors import Gone, NotFound
from warren.i18n import N_
from warren.library.models import ContentItem
from warren.media.models import Upload
from warren.tenancy.tenant import Tenant


def trashed_items(db: Session, tenant: Tenant, user_id: uuid.UUID) -> list[ContentItem]:
    """The user's items in the trash that can still be restored, newest deletion first."""
    return list(
        db.scalars(
            select(ContentItem)
            .where(
                ContentItem.tenant_id == tenant.slug,
                ContentItem.user_id == user_id,
                ContentItem.deleted_at > trash_cutoff(tenant, utcnow()),
            )
            .order_by(ContentItem.deleted_at.desc())
        )
    )


def trash_cutoff(tenant: Tenant, now: datetime) -> datetime:
    """Items deleted before this moment can no longer be restored."""
    return now - timedelta(days=tenant.retention.trash_days)


def get_item(
    db: Session, tenant: Tenant, user_id: uuid.UUID, item_id: uuid.UUID, *, live: bool = False
) -> ContentItem:
    """The user's item (``live``: and not in the trash); NotFound for anyone else's."""
    item = db.scalar(
        select(ContentItem).where(
            ContentItem.tenant_id == tenant.slug,
            ContentItem.user_id == user_id,
            ContentItem.id == item_id,
        )
    )
    if item is None or (live and item.deleted_at is not None):
        raise NotFound()
    return item


def delete_item(db: Session, tenant: Tenant, item: ContentItem, *, with_sources: bool) -> None:
    now = utcnow()
    item.deleted_at = now
    if with_sources and item.source_upload_ids:
        db.execute(
            update(Upload)
            .where(
                Upload.tenant_id == tenant.slug,
                Upload.user_id == item.user_id,
                Upload.id.in_(item.source_upload_ids),
                Upload.deleted_at.is_(None),
            )
            .values(deleted_at=now)
        )


def restore_item(db: Session, tenant: Tenant, item: ContentItem) -> None:
    if item.deleted_at is None:
        return
    if item.deleted_at <= trash_cutoff(tenant, utcnow()):
        raise Gone(
            f"Deleted items can be restored for {tenant.retention.trash_days} days; this one is gone."
        )
    if item.source_upload_ids:
        # The source files deleted together with the item come back with it.
        db.execute(
            update(Upload)
            .where(
                Upload.tenant_id == tenant.slug,
                Upload.user_id == item.user_id,
                Upload.id.in_(item.source_upload_ids),
                Upload.deleted_at == item.deleted_at,
            )
            .values(deleted_at=None)
        )
    item.deleted_at = None


def delete_upload(upload: Upload) -> None:
    upload.deleted_at = utcnow()


def restore_upload(tenant: Tenant, upload: Upload) -> None:
    if upload.deleted_at is None:
        return
    now = utcnow()
    if upload.deleted_at <= trash_cutoff(tenant, now) or upload.expires_at <= now:
        raise Gone(N_("This upload can no longer be restored."))
    upload.deleted_at = None


def download_name(item: ContentItem) -> str:
    """A file name for the item's title: letters, digits, spaces, dashes; never a path."""
    safe = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in item.title).strip()[:60]
    return f"{safe or 'item'}.{item.extension}"
