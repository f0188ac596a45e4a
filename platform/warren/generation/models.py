"""Generation jobs: one row per order (or assistant reply), from submission to result."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


class Job(TenantOwned, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_tenant_user", "tenant_id", "user_id"),
        Index("ix_jobs_status_lease", "status", "lease_until"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_key: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20))
    # For assistant replies: which assistant; None for content generation.
    assistant_key: Mapped[str | None] = mapped_column(String(40))
    provider: Mapped[str] = mapped_column(String(40))
    prompt: Mapped[str] = mapped_column(Text)
    reference_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    price: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    # A sentence the user can read when the job failed (or is being retried).
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    # A running job whose lease has passed is presumed abandoned (the worker died).
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a message for it was last sent: the recovery sweep re-sends only long-quiet jobs.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
