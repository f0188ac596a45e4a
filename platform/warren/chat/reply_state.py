"""Whether an assistant's latest reply is still being written, and why it failed if it did."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.generation.models import DONE, FAILED, Job
from warren.tenancy.tenant import Tenant


@dataclass(frozen=True)
class ReplyState:
    waiting: bool
    failure: str | None


def reply_state(db: Session, tenant: Tenant, user_id: uuid.UUID, assistant_key: str) -> ReplyState:
    last = db.execute(
        select(Job.status, Job.error)
        .where(
            Job.tenant_id == tenant.slug,
            Job.user_id == user_id,
            Job.assistant_key == assistant_key,
        )
        .order_by(Job.created_at.desc())
        .limit(1)
    ).one_or_none()
    if last is None:
        return ReplyState(waiting=False, failure=None)
    return ReplyState(
        waiting=last.status not in (DONE, FAILED),
        failure=last.error if last.status == FAILED else None,
    )
