"""Account tables."""

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
    Text,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class User(TenantOwned, Base):
    __tablename__ = "users"
    __table_args__ = (
        # The same address may hold separate accounts on two brands, never two on one.
        Index("uq_users_tenant_email", "tenant_id", "email", unique=True),
        Index("uq_users_tenant_username", "tenant_id", text("lower(username)"), unique=True),
        Index("ix_users_tenant_last_access", "tenant_id", "last_access_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Stored lower-cased: addresses are matched case-insensitively.
    email: Mapped[str] = mapped_column(String(254))
    username: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    adult_confirmed_at: Mapped[datetime]
    accepted_policy_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Drives the inactivity rule: accounts not accessed for a year are deleted.
    last_access_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Prime status lasts until this moment; None means no Prime. When it passes, the
    # standard retention clock for the user's content starts from this moment.
    prime_until: Mapped[datetime | None]
    # Set when the owner proved the address is theirs (a link sent to it was used).
    email_verified_at: Mapped[datetime | None]
    # The TOTP secret, encrypted with the tenant's key; set from the start of enrolment,
    # in force only once totp_enabled_at is set (the user proved their app has it).
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enabled_at: Mapped[datetime | None]
    # The latest 30-second step a code was accepted for: a code is good once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # One of the tenant's offered languages; None means the tenant's default.
    language: Mapped[str | None] = mapped_column(String(16))
    # Marketing and notification emails, off until the user opts in (history in
    # consent_records, category "marketing").
    marketing_emails: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Restriction and objection: the user's data is kept but not used beyond storing and
    # serving it to them (each change is a consent record, category "content_use").
    storage_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the inactivity warning went out; a sign-in after it makes the next one due.
    inactivity_warned_at: Mapped[datetime | None]
    # Blocked by moderation: sign-in is refused and no session of the account works.
    blocked_at: Mapped[datetime | None]
    blocked_reason: Mapped[str | None] = mapped_column(Text)

    def has_prime(self, now: datetime) -> bool:
        return self.prime_until is not None and self.prime_until > now

    @property
    def is_verified(self) -> bool:
        """Whether the email address is confirmed: paying, marketing emails and rights
        requests need it; everything else works without."""
        return self.email_verified_at is not None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None


class AuthSession(TenantOwned, Base):
    """A signed-in browser. The cookie holds a token; only its SHA-256 is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class SecurityEvent(TenantOwned, Base):
    """Sign-ups, sign-ins and their failures, for abuse investigation (kept for the
    tenant's ``retention.log_months``)."""

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The tenant's IP value: the address in raw mode, its keyed hash in hashed mode.
    ip_value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a password
    CHANGE_EMAIL = "change_email"


class AccountToken(TenantOwned, Base):
    """A link sent by email. Only the SHA-256 of its random part is stored; the link is
    good for one purpose, on one tenant, once, until it expires."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('verify_email', 'reset_password', 'change_email')", name="purpose"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # The address an email change moves to (change_email only).
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RecoveryCode(TenantOwned, Base):
    """A one-time two-factor recovery code, stored as a keyed hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
