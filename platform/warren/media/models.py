"""Uploaded reference files (already transformed; originals are never stored)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class Upload(TenantOwned, Base):
    __tablename__ = "uploads"
    __table_args__ = (
        Index("ix_uploads_tenant_user", "tenant_id", "user_id"),
        Index("ix_uploads_tenant_created", "tenant_id", "created_at"),
        Index(
            "ix_uploads_trashed",
            "tenant_id",
            "deleted_at",
            postgresql_where=text("deleted_at IS NOT NULL"),
        ),
        CheckConstraint("kind IN ('image', 'audio', 'video', 'text')", name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    # The user's name for the file, shortened; shown in their library only.
    display_name: Mapped[str] = mapped_column(String(120))
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Uploads are kept for the tenant's upload period, then deleted by retention.
    expires_at: Mapped[datetime] = mapped_column(index=True)
    deleted_at: Mapped[datetime | None]
