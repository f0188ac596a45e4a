"""The energy-point ledger: every movement is a row; balances are sums, never stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class PointMovement(TenantOwned, Base):
    """grant (+n), reserve (−n, held for a job), capture (0: the hold is final), refund (+n).

    At most one reserve, capture and refund per job (unique index), so a redelivered
    job message can neither charge twice nor refund twice.
    """

    __tablename__ = "point_movements"
    __table_args__ = (
        Index(
            "uq_point_movements_job_kind",
            "job_id",
            "kind",
            unique=True,
            postgresql_where=text("job_id IS NOT NULL"),
        ),
        Index("ix_point_movements_tenant_user", "tenant_id", "user_id"),
        CheckConstraint("kind IN ('grant', 'reserve', 'capture', 'refund')", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # Cut (NULL) when the account is erased: the ledger is kept for the tenant's
    # transaction period, the person is not.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int]
    job_id: Mapped[uuid.UUID | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
