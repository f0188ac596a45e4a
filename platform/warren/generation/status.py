"""What a user may see of their own jobs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.errors import NotFound
from warren.generation.models import Job
from warren.library.models import ContentItem
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Tenant

# Longer texts are offered as a download only.
TEXT_PREVIEW_BYTES = 64 * 1024


def job_of(db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    """The user's job; NotFound for anyone else's, on any brand."""
    job = db.scalar(
        select(Job).where(Job.id == job_id, Job.tenant_id == tenant.slug, Job.user_id == user_id)
    )
    if job is None:
        raise NotFound()
    return job


def job_state(
    db: Session, tenant: Tenant, job: Job, store: TenantStore | None = None
) -> dict[str, Any]:
    """What the job page shows; with ``store``, a text result's text is included."""
    item = db.scalar(
        select(ContentItem).where(
            ContentItem.job_id == job.id, ContentItem.tenant_id == tenant.slug
        )
    )
    return {
        "status": str(job.status),
        "error": job.error,
        "attempts": job.attempts,
        "item": None
        if item is None
        else {
            "title": item.title,
            "content_type": item.content_type,
            "kind": result_kind(item.content_type),
            "download": f"/library/{item.id}/download",
            "view": f"/library/{item.id}/view",
            "text": _text_of(store, item) if store is not None else None,
        },
    }


def result_kind(content_type: str) -> str:
    """How a result is shown: image, audio, video or text (a GIF "video" is an image)."""
    major = content_type.split("/")[0]
    return major if major in {"image", "audio", "video", "text"} else "file"


def _text_of(store: TenantStore, item: ContentItem) -> str | None:
    """The text of a text result, shown in the page; None for other kinds or long texts."""
    if result_kind(item.content_type) != "text" or item.size_bytes > TEXT_PREVIEW_BYTES:
        return None
    data = b"".join(store.read_range(item.storage_key, 0, TEXT_PREVIEW_BYTES))
    return data.decode("utf-8", errors="replace")
