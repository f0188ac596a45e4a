"""Sign-in sessions: a random token in a cookie signed with the tenant's key.

The cookie is ``<token>.<HMAC(tenant session key, token)>``; the database holds only the
token's SHA-256, scoped by tenant. A cookie carried to another brand's host fails both
the signature and the tenant-scoped lookup. Every sign-in creates a new token, so a
token planted before sign-in (session fixation) is never promoted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from warren.accounts.models import AuthSession, User
from warren.db.base import utcnow
from warren.tenancy.tenant import Tenant

SESSION_LIFETIME = timedelta(days=30)
# last_access_at feeds a one-year inactivity rule; writing it more often is wasted I/O.
ACCESS_WRITE_INTERVAL = timedelta(minutes=10)


@dataclass(frozen=True)
class SessionLookup:
    user: User | None
    # True when a cookie was presented but not honoured (tampered, foreign, expired).
    refused: bool


def _sign(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("ascii"), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


def start_session(db: Session, tenant: Tenant, key: bytes, user: User) -> str:
    """Create a session and return the cookie value."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        AuthSession(
            tenant_id=tenant.slug,
            user_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    user.last_access_at = now
    return f"{token}.{_sign(key, token)}"


def verified_token(key: bytes, cookie: str | None) -> str | None:
    """The token of a cookie signed with ``key``, or None."""
    if not cookie:
        return None
    token, _, signature = cookie.partition(".")
    # Tokens and signatures warren mints are ASCII; anything else is someone else's.
    if not token or not signature or not cookie.isascii():
        return None
    if not hmac.compare_digest(signature, _sign(key, token)):
        return None
    return token


def resolve_session(db: Session, tenant: Tenant, key: bytes, cookie: str | None) -> SessionLookup:
    if not cookie:
        return SessionLookup(user=None, refused=False)
    token = verified_token(key, cookie)
    if token is None:
        return SessionLookup(user=None, refused=True)
    now = utcnow()
    row = db.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(
            AuthSession.tenant_id == tenant.slug,
            User.tenant_id == tenant.slug,
            AuthSession.token_hash == _token_hash(token),
            AuthSession.expires_at > now,
            # Blocking ends the sessions too; this also refuses one started meanwhile.
            User.blocked_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        return SessionLookup(user=None, refused=True)
    auth_session, user = row
    if now - auth_session.last_seen_at > ACCESS_WRITE_INTERVAL:
        auth_session.last_seen_at = now
    if now - user.last_access_at > ACCESS_WRITE_INTERVAL:
        user.last_access_at = now
    return SessionLookup(user=user, refused=False)


def current_session_id(
    db: Session, tenant: Tenant, key: bytes, cookie: str | None
) -> uuid.UUID | None:
    token = verified_token(key, cookie) if cookie else None
    if token is None:
        return None
    return db.scalar(
        select(AuthSession.id).where(
            AuthSession.tenant_id == tenant.slug, AuthSession.token_hash == _token_hash(token)
        )
    )


def sessions_of(db: Session, tenant: Tenant, user_id: uuid.UUID) -> list[AuthSession]:
    """The user's live sessions, most recently seen first."""
    return list(
        db.scalars(
            select(AuthSession)
            .where(
                AuthSession.tenant_id == tenant.slug,
                AuthSession.user_id == user_id,
                AuthSession.expires_at > utcnow(),
            )
            .order_by(AuthSession.last_seen_at.desc(), AuthSession.created_at.desc())
        )
    )


def end_sessions(
    db: Session, tenant: Tenant, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
) -> int:
    """Sign the user out everywhere (but in session ``keep``); returns how many ended."""
    statement = delete(AuthSession).where(
        AuthSession.tenant_id == tenant.slug, AuthSession.user_id == user_id
    )
    if keep is not None:
        statement = statement.where(AuthSession.id != keep)
    result: CursorResult[Any] = db.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def end_one_session(db: Session, tenant: Tenant, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
    result: CursorResult[Any] = db.execute(  # type: ignore[assignment]
        delete(AuthSession).where(
            AuthSession.tenant_id == tenant.slug,
            AuthSession.user_id == user_id,
            AuthSession.id == session_id,
        )
    )
    return result.rowcount > 0


def end_session(db: Session, tenant: Tenant, key: bytes, cookie: str | None) -> None:
    token = verified_token(key, cookie) if cookie else None
    if token is not None:
        db.execute(
            delete(AuthSession).where(
                AuthSession.tenant_id == tenant.slug, AuthSession.token_hash == _token_hash(token)
            )
        )
