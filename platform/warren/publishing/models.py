"""Published versions of a brand's admin-owned configuration, the one draft per brand,
and the per-user markers of notice emails.

A version row is never changed once written: a trigger (migration 0017) refuses every
UPDATE and DELETE, so what a brand published, when and by whom stays as it was. A
scheduled publication is a row whose ``effective_at`` is in the future.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class BrandConfigVersion(TenantOwned, Base):
    __tablename__ = "brand_config_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # 1, 2, 3… per tenant; what /privacy/versions/<n> names.
    version: Mapped[int] = mapped_column(Integer)
    # The admin-owned keys (warren.publishing.ownership), as a nested table.
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The policy as published (Markdown) and its version id (privacy.policy.policy_version).
    policy_markdown: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(64))
    # Who published: an admin account, or None for ops (`warren tenants publish-bootstrap`).
    # No foreign key: the row outlives the admin account, and may never change.
    author_id: Mapped[uuid.UUID | None]
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime]
    effective_at: Mapped[datetime]
    # The material keys that changed against the version before (empty: not material).
    material: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # How users were told of a material change: "email", "site_notice" or "" (not told).
    notified_by: Mapped[str] = mapped_column(String(16), default="")
    # The version whose publication last changed the analytics consent: consent given
    # before it is asked again (warren.privacy.consent).
    consent_epoch: Mapped[int] = mapped_column(Integer)


class BrandConfigDraft(Base):
    """The draft a brand's admins edit; one per tenant, gone when published."""

    __tablename__ = "brand_config_drafts"

    tenant_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # "admin" (edited in the console) or "tenants.toml" (a file change to review).
    source: Mapped[str] = mapped_column(String(16))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConfigNoticeSent(TenantOwned, Base):
    """One user told of one version: the sender skips users with a row, so a crashed
    run resumes without sending anyone the notice twice."""

    __tablename__ = "brand_config_notices"
    __table_args__ = (UniqueConstraint("tenant_id", "version", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
