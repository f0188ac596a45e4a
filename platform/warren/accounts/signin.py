"""Checking credentials; every attempt is recorded with the tenant's IP value."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warren.accounts.lookup import find_user
from warren.accounts.models import User
from warren.accounts.passwords import DUMMY_HASH, verify_password
from warren.accounts.security_log import record_event
from warren.tenancy.tenant import Tenant


def authenticate(
    db: Session, tenant: Tenant, login: str, password: str, ip_value: str
) -> User | None:
    """The user whose email or username and password match, within this tenant only."""
    user = find_user(db, tenant, login)
    if user is None:
        verify_password(password, DUMMY_HASH)
        record_event(db, tenant, "sign_in_failed", ip_value, None, reason="unknown_account")
        return None
    if not verify_password(password, user.password_hash):
        record_event(db, tenant, "sign_in_failed", ip_value, user.id, reason="wrong_password")
        return None
    record_event(db, tenant, "sign_in", ip_value, user.id)
    return user
