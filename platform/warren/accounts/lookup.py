"""Finding a user of a tenant by email or username (for admin commands)."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.accounts.signup import normalise_email
from warren.tenancy.tenant import Tenant


def find_user(db: Session, tenant: Tenant, login: str) -> User | None:
    login = login.strip()
    email = normalise_email(login) if "@" in login else None
    return db.scalar(
        select(User).where(
            User.tenant_id == tenant.slug,
            or_(User.email == email, func.lower(User.username) == login.lower()),
        )
    )
