"""Holds, sweep history and erasure records."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class HoldSubject(StrEnum):
    """What a hold protects. An account hold protects the account and everything of it."""

    ACCOUNT = "account"
    CONTENT_ITEM = "content_item"
    UPLOAD = "upload"


class ErasureReason(StrEnum):
    INACTIVE = "inactive"
    CHILD = "child"
    SELF_SERVICE = "self_service"
    DATA_SUBJECT_REQUEST = "data_subject_request"


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class Hold(TenantOwned, Base):
    """A legal or moderation hold: while ``lifted_at`` is empty no rule deletes the subject."""

    __tablename__ = "holds"
    __table_args__ = (
        # The sweeps ask "is this subject held?" for every candidate row.
        Index(
            "ix_holds_active_subject",
            "tenant_id",
            "subject_kind",
            "subject_id",
            postgresql_where=text("lifted_at IS NULL"),
        ),
        _one_of("subject_kind", HoldSubject),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[uuid.UUID]
    placed_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(120))


class RetentionRun(TenantOwned, Base):
    """One rule swept for one tenant. A run with no ``finished_at`` was interrupted."""

    __tablename__ = "retention_runs"
    __table_args__ = (Index("ix_retention_runs_started", "started_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # Rows deleted (or cleared) per target, e.g. {"content_items": 12, "objects": 12}.
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class Erasure(TenantOwned, Base):
    """That an account was erased, and why — nothing that identifies whose it was."""

    __tablename__ = "erasures"
    __table_args__ = (_one_of("reason", ErasureReason),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    reason: Mapped[str] = mapped_column(String(30))
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
