"""Every table, imported in one place so Alembic and tests see the whole schema.

It sits above the domain packages (it imports them all), so it is not part of `warren.db`."""

from warren.accounts.models import AccountToken, AuthSession, RecoveryCode, SecurityEvent, User
from warren.admin.models import (
    AdminAccount,
    AdminInvitation,
    AdminSession,
    AuditEntry,
    RequestDesk,
)
from warren.billing.models import (
    BalanceCheck,
    CheckoutDraft,
    DemoPayment,
    Order,
    PointBalance,
    PointMovement,
)
from warren.chat.models import ChatMessage
from warren.db.base import Base
from warren.generation.models import Job
from warren.library.models import ContentItem
from warren.lifecycle.models import Erasure, Hold, RetentionRun
from warren.media.models import Upload
from warren.moderation.models import Report, ShareLink
from warren.privacy.consent_models import ConsentRecord
from warren.publishing.models import BrandConfigDraft, BrandConfigVersion, ConfigNoticeSent
from warren.queue.models import MessageReceipt, OutboxMessage
from warren.rights.models import AccountExport, DataSubjectRequest, RequestTransition

__all__ = [
    "AccountExport",
    "AccountToken",
    "AdminAccount",
    "AdminInvitation",
    "AdminSession",
    "AuditEntry",
    "AuthSession",
    "BalanceCheck",
    "Base",
    "BrandConfigDraft",
    "BrandConfigVersion",
    "ChatMessage",
    "CheckoutDraft",
    "ConfigNoticeSent",
    "ConsentRecord",
    "ContentItem",
    "DataSubjectRequest",
    "DemoPayment",
    "Erasure",
    "Hold",
    "Job",
    "MessageReceipt",
    "Order",
    "OutboxMessage",
    "PointBalance",
    "PointMovement",
    "RecoveryCode",
    "Report",
    "RequestDesk",
    "RequestTransition",
    "RetentionRun",
    "SecurityEvent",
    "ShareLink",
    "Upload",
    "User",
]
