"""Generation jobs: one row per order (or assistant reply), from submission to result."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import get_args

from sqlalchemy import CheckConstraint, Dialect, ForeignKey, Index, String, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow
from warren.tenancy.tenant import ProductCategory


class JobState(StrEnum):
    """A job's life: pending → running → done | failed (running → pending on a crash).

    A StrEnum, so the plain strings ("pending") that callers and the database use compare
    equal to the members.
    """

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


PENDING = JobState.PENDING
RUNNING = JobState.RUNNING
DONE = JobState.DONE
FAILED = JobState.FAILED


class _State(TypeDecorator[JobState]):
    """Stored as its text; read back as a JobState."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: JobState | None, dialect: Dialect) -> str | None:
        return None if value is None else JobState(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> JobState | None:
        return None if value is None else JobState(value)


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``values``, named ck_<table>_<column>."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class Job(TenantOwned, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # Also the order history's keyset (newest first per user).
        Index("ix_jobs_tenant_user_created", "tenant_id", "user_id", "created_at", "id"),
        Index("ix_jobs_status_lease", "status", "lease_until"),
        one_of("status", JobState),
        one_of("category", get_args(ProductCategory)),
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
    status: Mapped[JobState] = mapped_column(_State, default=JobState.PENDING)
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
