"""Server-side record of analytics consent choices."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class ConsentRecord(TenantOwned, Base):
    """One choice: what was chosen, when, under which policy version, from which IP value."""

    __tablename__ = "consent_records"
    __table_args__ = (
        Index(
            "ix_consent_records_tenant_created_ip",
            "tenant_id",
            "created_at",
            postgresql_where=text("ip_value IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # The random id in the visitor's consent cookie links choices of one browser.
    visitor_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool]
    # banner, settings, account, or gpc (a Sec-GPC: 1 request treated as a refusal).
    source: Mapped[str] = mapped_column(String(20))
    policy_version: Mapped[str] = mapped_column(String(64))
    # Cleared once older than the tenant's log period: the choice stays provable, the
    # address (or its hash) goes.
    ip_value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
