"""The security event log: sign-ups, sign-ins, failures, refused sessions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from warren.accounts.models import SecurityEvent
from warren.tenancy.tenant import Tenant


def record_event(
    db: Session,
    tenant: Tenant,
    kind: str,
    ip_value: str,
    user_id: uuid.UUID | None = None,
    **detail: Any,
) -> None:
    db.add(
        SecurityEvent(
            tenant_id=tenant.slug, kind=kind, ip_value=ip_value, user_id=user_id, detail=detail
        )
    )
