"""Generated content items."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class ContentItem(TenantOwned, Base):
    """One generated file. Carries what the retention engine needs: when it was made,
    whether its owner had Prime then, and when (if) it was moved to the trash."""

    __tablename__ = "content_items"
    __table_args__ = (
        Index("ix_content_items_tenant_user", "tenant_id", "user_id"),
        # The library's keyset pages: a user's live items, newest first (scanned backwards).
        Index(
            "ix_content_items_library",
            "tenant_id",
            "user_id",
            "created_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # The retention sweeps: live content by age, trashed content by deletion time.
        Index(
            "ix_content_items_live_created",
            "tenant_id",
            "created_at",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index(
            "ix_content_items_trashed",
            "tenant_id",
            "deleted_at",
            postgresql_where=text("deleted_at IS NOT NULL"),
        ),
        # Assistants answer in the chat; they never make a content item.
        CheckConstraint("category IN ('song', 'image', 'poem', 'text', 'video')", name="category"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Unique: a job yields at most one item, however often its message is delivered.
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), unique=True
    )
    category: Mapped[str] = mapped_column(String(20))
    product_key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(10))
    size_bytes: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(300))
    is_demo: Mapped[bool]
    # The uploads it was made from, so "delete with its source photos" can find them.
    source_upload_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), default=list
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_with_prime: Mapped[bool]
    deleted_at: Mapped[datetime | None]
