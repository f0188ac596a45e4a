"""Storing an upload: validated and transformed first, then object storage, then the row.

The bytes that reach storage are already the transformed ones (for images: the re-encoded
JPEG), so the original never lands in object storage or the database. The object is
written before the row, and deleted again if the caller's unit of work does not commit,
so a failed upload leaves nothing behind.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.db.base import utcnow
from warren.db.unit_of_work import on_rollback
from warren.errors import NotFound
from warren.media.models import Upload
from warren.media.validate import prepare_upload
from warren.storage.base import ObjectStore
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Tenant

_UNSAFE_NAME = re.compile(r"[^\w .()-]+", re.UNICODE)


def display_name(filename: str | None, extension: str) -> str:
    """A short, harmless label for the user's own library; never used as a path."""
    stem = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = _UNSAFE_NAME.sub("", stem).strip()[:80] or "upload"
    return f"{stem}.{extension}"


def store_upload(
    db: Session,
    store: ObjectStore,
    tenant: Tenant,
    user_id: uuid.UUID,
    data: bytes,
    filename: str | None,
) -> Upload:
    """Validate, transform and store; raises UploadRejected with a reason for the user."""
    prepared = prepare_upload(data, tenant.media)
    upload_id = uuid.uuid4()
    key = f"uploads/{user_id}/{upload_id}.{prepared.extension}"
    now = utcnow()
    upload = Upload(
        id=upload_id,
        tenant_id=tenant.slug,
        user_id=user_id,
        kind=prepared.kind,
        content_type=prepared.content_type,
        size_bytes=len(prepared.data),
        width=prepared.width,
        height=prepared.height,
        display_name=display_name(filename, prepared.extension),
        storage_key=key,
        created_at=now,
        expires_at=now + timedelta(days=tenant.retention.upload_days),
    )
    tenant_store = TenantStore(store, tenant.slug)
    tenant_store.put(key, prepared.data, prepared.content_type)
    # The object exists before its row: if the unit of work does not commit, it goes.
    on_rollback(db, lambda: tenant_store.delete_many([key]))
    db.add(upload)
    db.flush()
    return upload


def user_uploads(
    db: Session, tenant: Tenant, user_id: uuid.UUID, *, trash: bool = False
) -> list[Upload]:
    now = utcnow()
    query = select(Upload).where(
        Upload.tenant_id == tenant.slug, Upload.user_id == user_id, Upload.expires_at > now
    )
    if trash:
        query = query.where(Upload.deleted_at > now - timedelta(days=tenant.retention.trash_days))
    else:
        query = query.where(Upload.deleted_at.is_(None))
    return list(db.scalars(query.order_by(Upload.created_at.desc())))


def get_upload(
    db: Session, tenant: Tenant, user_id: uuid.UUID, upload_id: uuid.UUID, *, live: bool = False
) -> Upload:
    """The user's upload (``live``: neither in the trash nor expired); NotFound otherwise."""
    upload = db.scalar(
        select(Upload).where(
            Upload.tenant_id == tenant.slug, Upload.user_id == user_id, Upload.id == upload_id
        )
    )
    if upload is None or (
        live and (upload.deleted_at is not None or upload.expires_at <= utcnow())
    ):
        raise NotFound()
    return upload
