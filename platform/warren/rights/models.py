"""Account exports: a user's copy of their data, kept a short while for download."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class ExportState(StrEnum):
    REQUESTED = "requested"
    BUILDING = "building"
    READY = "ready"


class AccountExport(TenantOwned, Base):
    """One export of one account; the ZIP lives in the object store under ``storage_key``."""

    __tablename__ = "account_exports"
    __table_args__ = (
        CheckConstraint(
            "state IN ({})".format(", ".join(f"'{s.value}'" for s in ExportState)), name="state"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(12), default=ExportState.REQUESTED.value)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # Set when the ZIP is stored: the download link and the ZIP end together.
    expires_at: Mapped[datetime | None]
    storage_key: Mapped[str | None] = mapped_column(String(300))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
