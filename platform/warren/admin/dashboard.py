"""The numbers on the console's first page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.admin.models import AuditEntry
from warren.db.base import utcnow
from warren.rights.models import DataSubjectRequest
from warren.rights.requests import OPEN
from warren.tenancy.tenant import Tenant

DUE_SOON = timedelta(days=7)


@dataclass(frozen=True)
class Counts:
    open_requests: int
    overdue_requests: int
    due_soon: int
    users: int
    actions_today: int


def counts(db: Session, tenant: Tenant) -> Counts:
    now = utcnow()
    open_states = [s.value for s in OPEN]

    def requests(*conditions: object) -> int:
        return int(
            db.scalar(
                select(func.count()).where(
                    DataSubjectRequest.tenant_id == tenant.slug,
                    DataSubjectRequest.state.in_(open_states),
                    *conditions,  # type: ignore[arg-type]
                )
            )
            or 0
        )

    return Counts(
        open_requests=requests(),
        overdue_requests=requests(DataSubjectRequest.due_at < now),
        due_soon=requests(
            DataSubjectRequest.due_at >= now, DataSubjectRequest.due_at < now + DUE_SOON
        ),
        users=int(db.scalar(select(func.count()).where(User.tenant_id == tenant.slug)) or 0),
        actions_today=int(
            db.scalar(
                select(func.count()).where(
                    AuditEntry.tenant_id == tenant.slug, AuditEntry.at >= now - timedelta(days=1)
                )
            )
            or 0
        ),
    )
