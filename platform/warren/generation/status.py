"""What a user may see of their own jobs."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.errors import NotFound
from warren.generation.models import Job
from warren.library.models import ContentItem
from warren.tenancy.tenant import Tenant


def job_of(db: Session, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    """The user's job; NotFound for anyone else's, on any brand."""
    job = db.scalar(
        select(Job).where(Job.id == job_id, Job.tenant_id == tenant.slug, Job.user_id == user_id)
    )
    if job is None:
        raise NotFound()
    return job


def job_state(db: Session, tenant: Tenant, job: Job) -> dict[str, Any]:
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
            "download": f"/library/{item.id}/download",
            "view": f"/library/{item.id}/view",
        },
    }
