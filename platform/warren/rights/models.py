"""Account exports, and data-subject requests with every transition."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow
from warren.rights.deadlines import Jurisdiction


class ExportState(StrEnum):
    REQUESTED = "requested"
    BUILDING = "building"
    READY = "ready"
    # Every attempt of the worker failed: the user is told and may ask again.
    FAILED = "failed"


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


class RequestKind(StrEnum):
    ACCESS = "access"
    CORRECTION = "correction"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    PORTABILITY = "portability"
    OTHER = "other"


class RequestChannel(StrEnum):
    WEB = "web"
    EMAIL = "email"


class RequestState(StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class DataSubjectRequest(TenantOwned, Base):
    """A rights request that needs a person, with its deadline and its one extension."""

    __tablename__ = "data_subject_requests"
    __table_args__ = (
        Index("ix_data_subject_requests_open_due", "tenant_id", "state", "due_at"),
        _one_of("kind", RequestKind),
        _one_of("channel", RequestChannel),
        _one_of("jurisdiction", Jurisdiction),
        _one_of("state", RequestState),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The account it concerns, once known; the record outlives the account (evidence
    # that the request was answered).
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default=RequestState.RECEIVED.value)
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    acknowledge_by: Mapped[datetime | None]
    extended_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    # What the requester wrote on the brand's form (a request by email keeps it in the mail).
    details: Mapped[str | None] = mapped_column(Text)
    # A request that came by email: the SHA-256 of the link sent to the account's address
    # (the link itself is only in the email), good once until it expires.
    confirmation_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    confirmation_expires_at: Mapped[datetime | None]


class RequestTransition(TenantOwned, Base):
    """Every change of a request: its state, or its extension."""

    __tablename__ = "data_subject_request_transitions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("data_subject_requests.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
