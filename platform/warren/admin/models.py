"""Admin accounts, their invitations and sessions, and the audit log.

Admins are not brand users: a separate table, a separate cookie, separate sessions, so
that nothing a brand user can do (sign up, reset a password, delete an account) reaches
an admin identity, and removing an admin ends exactly their sessions.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class AdminRole(StrEnum):
    # Every tenant (the platform's operators).
    OPS = "ops"
    # Everything for one tenant.
    ADMIN = "admin"
    # Users and data-subject requests.
    SUPPORT = "support"
    # The moderation queue.
    MODERATOR = "moderator"


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class AdminAccount(Base):
    """One admin. ``tenant_id`` is the brand they administer; it is NULL exactly for ops,
    who span every tenant (a CHECK keeps the two facts together)."""

    __tablename__ = "admin_accounts"
    __table_args__ = (
        _one_of("role", AdminRole),
        CheckConstraint("(role = 'ops') = (tenant_id IS NULL)", name="ops_spans_tenants"),
        UniqueConstraint("tenant_id", "email", postgresql_nulls_not_distinct=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Fernet-encrypted with the tenant's TOTP key (ops: the ops keyring entry).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_by: Mapped[str] = mapped_column(String(200))
    # Password set and TOTP enrolled: only then can the admin sign in.
    activated_at: Mapped[datetime | None]

    @property
    def actor(self) -> str:
        return f"admin:{self.email}"


class AdminInvitation(TenantOwned, Base):
    """A single-use, expiring invitation link, bound to the brand whose host it opens on;
    only the SHA-256 of its random part is stored."""

    __tablename__ = "admin_invitations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    admin_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("admin_accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class AdminSession(TenantOwned, Base):
    """A signed-in admin on one brand's host (``tenant_id``); rows go with the account."""

    __tablename__ = "admin_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    admin_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("admin_accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class AuditEntry(TenantOwned, Base):
    """One admin action. Rows form a hash chain per tenant (``row_hash`` = SHA-256 of the
    previous row's hash and this row's canonical content) and a trigger refuses UPDATE
    and DELETE (migration 0010); see warren.admin.audit."""

    __tablename__ = "admin_audit_log"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        Index("ix_admin_audit_log_tenant_newest", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # Position in the tenant's chain, from 1.
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The tenant's IP value (an HMAC for hashed-IP brands), or "" for the command line.
    ip_value: Mapped[str] = mapped_column(String(100))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class RequestDesk(TenantOwned, Base):
    """The console's side of a data-subject request: who asked (for a request that came
    by email) and which admin works it. The request itself and its transitions are
    warren.rights'."""

    __tablename__ = "admin_request_desk"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("data_subject_requests.id", ondelete="CASCADE"), primary_key=True
    )
    requester_email: Mapped[str | None] = mapped_column(String(320))
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("admin_accounts.id", ondelete="SET NULL"), index=True
    )
