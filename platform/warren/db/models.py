"""Every table, imported in one place so Alembic and tests see the whole schema."""

from warren.accounts.models import AuthSession, SecurityEvent, User
from warren.db.base import Base
from warren.privacy.consent_models import ConsentRecord

__all__ = ["AuthSession", "Base", "ConsentRecord", "SecurityEvent", "User"]
