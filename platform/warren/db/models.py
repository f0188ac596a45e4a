"""Every table, imported in one place so Alembic and tests see the whole schema."""

from warren.accounts.models import AuthSession, SecurityEvent, User
from warren.billing.models import PointMovement
from warren.chat.models import ChatMessage
from warren.db.base import Base
from warren.generation.models import Job
from warren.library.models import ContentItem
from warren.media.models import Upload
from warren.privacy.consent_models import ConsentRecord

__all__ = [
    "AuthSession",
    "Base",
    "ChatMessage",
    "ConsentRecord",
    "ContentItem",
    "Job",
    "PointMovement",
    "SecurityEvent",
    "Upload",
    "User",
]
