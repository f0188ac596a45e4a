"""Data-subject requests that need a person: opened with their deadlines, moved through
received → verifying → in progress → completed / refused, extended at most once, every
change recorded as a transition (who, when, why)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.db.base import utcnow
from warren.errors import Conflict, InvalidInput, NotFound
from warren.rights.deadlines import Jurisdiction, acknowledge_by, due_at, extended_due_at
from warren.rights.models import (
    DataSubjectRequest,
    RequestChannel,
    RequestKind,
    RequestState,
    RequestTransition,
)
from warren.tenancy.tenant import Tenant

_NEXT: dict[RequestState, frozenset[RequestState]] = {
    RequestState.RECEIVED: frozenset(
        {RequestState.VERIFYING, RequestState.IN_PROGRESS, RequestState.REFUSED}
    ),
    RequestState.VERIFYING: frozenset({RequestState.IN_PROGRESS, RequestState.REFUSED}),
    RequestState.IN_PROGRESS: frozenset({RequestState.COMPLETED, RequestState.REFUSED}),
    RequestState.COMPLETED: frozenset(),
    RequestState.REFUSED: frozenset(),
}
OPEN = (RequestState.RECEIVED, RequestState.VERIFYING, RequestState.IN_PROGRESS)


def _record(
    db: Session, request: DataSubjectRequest, to: str, by: str, note: str, at: datetime
) -> None:
    db.add(
        RequestTransition(
            tenant_id=request.tenant_id,
            request_id=request.id,
            from_state=None if to == RequestState.RECEIVED.value else request.state,
            to_state=to,
            by=by,
            note=note,
            at=at,
        )
    )


def open_request(
    db: Session,
    tenant: Tenant,
    kind: RequestKind,
    channel: RequestChannel,
    jurisdiction: Jurisdiction,
    received_at: datetime,
    by: str,
    user_id: uuid.UUID | None = None,
) -> DataSubjectRequest:
    deadline = tenant.policy.rights_deadline
    request = DataSubjectRequest(
        id=uuid.uuid4(),
        tenant_id=tenant.slug,
        user_id=user_id,
        kind=kind.value,
        channel=channel.value,
        jurisdiction=jurisdiction.value,
        state=RequestState.RECEIVED.value,
        received_at=received_at,
        due_at=due_at(deadline, jurisdiction, received_at),
        acknowledge_by=acknowledge_by(deadline, jurisdiction, received_at),
    )
    db.add(request)
    db.flush()
    _record(
        db,
        request,
        RequestState.RECEIVED.value,
        by,
        f"{kind.value} by {channel.value}",
        received_at,
    )
    return request


def _find(db: Session, tenant: Tenant, request_id: uuid.UUID) -> DataSubjectRequest:
    request = db.scalar(
        select(DataSubjectRequest)
        .where(DataSubjectRequest.tenant_id == tenant.slug, DataSubjectRequest.id == request_id)
        .with_for_update()
    )
    if request is None:
        raise NotFound(f"{tenant.name} has no data-subject request {request_id}.")
    return request


def move(
    db: Session,
    tenant: Tenant,
    request_id: uuid.UUID,
    to: RequestState,
    by: str,
    reason: str = "",
) -> DataSubjectRequest:
    request = _find(db, tenant, request_id)
    current = RequestState(request.state)
    if to not in _NEXT[current]:
        raise Conflict(f"a request that is {current.value} cannot become {to.value}.")
    if to is RequestState.REFUSED and not reason.strip():
        raise InvalidInput({"reason": "Say why the request is refused."})
    _record(db, request, to.value, by, reason.strip(), utcnow())
    request.state = to.value
    if to in (RequestState.COMPLETED, RequestState.REFUSED):
        request.closed_reason = reason.strip() or None
    return request


def extend(
    db: Session, tenant: Tenant, request_id: uuid.UUID, by: str, reason: str
) -> DataSubjectRequest:
    """The one extension the law allows, with its reason."""
    request = _find(db, tenant, request_id)
    if not reason.strip():
        raise InvalidInput({"reason": "Say why the request needs more time."})
    if request.extended_at is not None:
        raise Conflict("this request was already extended once.")
    if RequestState(request.state) not in OPEN:
        raise Conflict(f"a {request.state} request cannot be extended.")
    request.due_at = extended_due_at(
        tenant.policy.rights_deadline, Jurisdiction(request.jurisdiction), request.received_at
    )
    request.extended_at = utcnow()
    request.extension_reason = reason.strip()
    _record(db, request, request.state, by, f"extended: {reason.strip()}", request.extended_at)
    return request


def list_requests(
    db: Session, tenant: Tenant | None, overdue: bool, now: datetime
) -> list[DataSubjectRequest]:
    query = select(DataSubjectRequest).order_by(DataSubjectRequest.due_at)
    if tenant is not None:
        query = query.where(DataSubjectRequest.tenant_id == tenant.slug)
    if overdue:
        query = query.where(
            DataSubjectRequest.state.in_([s.value for s in OPEN]),
            DataSubjectRequest.due_at < now,
        )
    return list(db.scalars(query))
