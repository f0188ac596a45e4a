"""Checking credentials; every attempt is recorded with the tenant's IP value."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.accounts.passwords import DUMMY_HASH, verify_password
from warren.accounts.security_log import record_event
from warren.accounts.signup import normalise_email
from warren.tenancy.tenant import Tenant


def authenticate(
    db: Session, tenant: Tenant, login: str, password: str, ip_value: str
) -> User | None:
    """The user whose email or username and password match, within this tenant only."""
    login = login.strip()
    email = normalise_email(login) if "@" in login else None
    user = db.scalar(
        select(User).where(
            User.tenant_id == tenant.slug,
            or_(User.email == email, func.lower(User.username) == login.lower()),
        )
    )
    if user is None:
        verify_password(password, DUMMY_HASH)
        record_event(db, tenant, "sign_in_failed", ip_value, None, reason="unknown_account")
        return None
    if not verify_password(password, user.password_hash):
        record_event(db, tenant, "sign_in_failed", ip_value, user.id, reason="wrong_password")
        return None
    record_event(db, tenant, "sign_in", ip_value, user.id)
    return user
