"""Deleting uploads whose time is up: expired (the tenant's upload period) or in the
trash longer than the trash period.

Objects go before rows, in batches, and missing objects are ignored, so a sweep that
crashes half-way is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from warren.db.base import utcnow
from warren.media.models import Upload
from warren.storage.base import ObjectStore
from warren.storage.tenant_store import TenantStore
from warren.tenancy.registry import Registry

BATCH = 1000


def purge_expired_uploads(
    db: Session,
    store: ObjectStore,
    registry: Registry,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Delete every due upload of every tenant; returns how many were deleted."""
    now = utcnow()
    total = 0
    for tenant in registry:
        trash_cutoff = now - timedelta(days=tenant.retention.trash_days)
        while True:
            due = db.execute(
                select(Upload.id, Upload.storage_key)
                .where(
                    Upload.tenant_id == tenant.slug,
                    or_(Upload.expires_at <= now, Upload.deleted_at <= trash_cutoff),
                )
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            if not due:
                break
            TenantStore(store, tenant.slug).delete_many(row.storage_key for row in due)
            db.execute(delete(Upload).where(Upload.id.in_([row.id for row in due])))
            db.commit()
            total += len(due)
            if progress is not None:
                progress(tenant.slug, len(due))
    return total
