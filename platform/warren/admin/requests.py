"""The data-subject request queue as admins work it: log a request that came by email,
assign it, extend it, complete it (running the export or the erasure) or refuse it.

The states, deadlines and transitions are warren.rights.requests'; this module adds the
console's bookkeeping (warren.admin.models.RequestDesk) and an audit entry per step.
Audit entries name the request by id and never copy the requester's address.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from warren.accounts.lookup import find_user
from warren.accounts.models import User
from warren.admin import audit
from warren.admin.accounts import normalised_email
from warren.admin.models import AdminAccount, AdminRole, RequestDesk
from warren.db.base import utcnow
from warren.errors import Conflict, InvalidInput, NotFound
from warren.lifecycle.erasure import AccountHeld, erase_account
from warren.lifecycle.models import ErasureReason
from warren.rights import requests as rights
from warren.rights.confirmation import ask_for_confirmation
from warren.rights.deadlines import Jurisdiction
from warren.rights.export import request_export
from warren.rights.models import (
    DataSubjectRequest,
    RequestChannel,
    RequestKind,
    RequestState,
    RequestTransition,
)
from warren.rights.notices import Notice, notify
from warren.storage.base import ObjectStore
from warren.tenancy.tenant import Tenant

WORKERS = (AdminRole.ADMIN, AdminRole.SUPPORT)
ACTIONS: dict[RequestState, tuple[str, ...]] = {
    RequestState.RECEIVED: ("verified", "refuse"),
    RequestState.VERIFYING: ("verified", "refuse"),
    RequestState.IN_PROGRESS: ("complete", "refuse"),
    RequestState.COMPLETED: (),
    RequestState.REFUSED: (),
}
CLOSED_SHOWN = 50


@dataclass(frozen=True)
class QueueRow:
    request: DataSubjectRequest
    requester_email: str | None
    assignee: str | None
    overdue: bool


def _rows(
    db: Session,
    tenant: Tenant,
    states: list[str],
    now: datetime,
    limit: int | None,
    request_id: uuid.UUID | None = None,
) -> list[QueueRow]:
    overdue = DataSubjectRequest.due_at < now
    query = (
        select(DataSubjectRequest, RequestDesk.requester_email, AdminAccount.email)
        .outerjoin(
            RequestDesk,
            (RequestDesk.request_id == DataSubjectRequest.id)
            & (RequestDesk.tenant_id == tenant.slug),
        )
        .outerjoin(AdminAccount, AdminAccount.id == RequestDesk.assigned_to)
        .where(DataSubjectRequest.tenant_id == tenant.slug, DataSubjectRequest.state.in_(states))
        .order_by(case((overdue, 0), else_=1), DataSubjectRequest.due_at, DataSubjectRequest.id)
    )
    if request_id is not None:
        query = query.where(DataSubjectRequest.id == request_id)
    if limit is not None:
        query = query.limit(limit)
    open_states = {s.value for s in rights.OPEN}
    return [
        QueueRow(r, email, assignee, r.state in open_states and r.due_at < now)
        for r, email, assignee in db.execute(query)
    ]


def open_queue(db: Session, tenant: Tenant, now: datetime) -> list[QueueRow]:
    """Open requests, overdue first, then by due date."""
    return _rows(db, tenant, [s.value for s in rights.OPEN], now, None)


def closed_recently(db: Session, tenant: Tenant, now: datetime) -> list[QueueRow]:
    closed = [RequestState.COMPLETED.value, RequestState.REFUSED.value]
    return _rows(db, tenant, closed, now, CLOSED_SHOWN)


@dataclass(frozen=True)
class RequestView:
    row: QueueRow
    transitions: list[RequestTransition]
    workers: list[AdminAccount]
    # What the console offers next: "verified" (→ in progress), "complete", "refuse".
    actions: tuple[str, ...]


def detail(db: Session, tenant: Tenant, request_id: uuid.UUID) -> RequestView:
    now = utcnow()
    found = _rows(db, tenant, [s.value for s in RequestState], now, None, request_id)
    if not found:
        raise NotFound(f"{tenant.name} has no such request.")
    transitions = list(
        db.scalars(
            select(RequestTransition)
            .where(
                RequestTransition.tenant_id == tenant.slug,
                RequestTransition.request_id == request_id,
            )
            .order_by(RequestTransition.at, RequestTransition.id)
        )
    )
    return RequestView(
        row=found[0],
        transitions=transitions,
        workers=_workers(db, tenant),
        actions=ACTIONS[RequestState(found[0].request.state)],
    )


def _workers(db: Session, tenant: Tenant) -> list[AdminAccount]:
    return list(
        db.scalars(
            select(AdminAccount)
            .where(
                AdminAccount.tenant_id == tenant.slug,
                AdminAccount.role.in_([r.value for r in WORKERS]),
                AdminAccount.activated_at.is_not(None),
            )
            .order_by(AdminAccount.email)
        )
    )


def _state(request: DataSubjectRequest) -> dict[str, object]:
    return {"state": request.state, "due_at": request.due_at}


def _choice(enum: type[RequestKind] | type[Jurisdiction], value: str, field: str) -> str:
    if value not in {member.value for member in enum}:
        raise InvalidInput({field: "Choose one of the listed values."})
    return value


def log_email_request(
    db: Session,
    tenant: Tenant,
    kind: str,
    requester_email: str,
    jurisdiction: str,
    *,
    actor: str,
    ip_value: str,
) -> DataSubjectRequest:
    """Record a request that came by email; identity verification starts at once."""
    chosen_kind = RequestKind(_choice(RequestKind, kind, "kind"))
    chosen_law = Jurisdiction(_choice(Jurisdiction, jurisdiction, "jurisdiction"))
    try:
        email = normalised_email(requester_email)
    except InvalidInput:
        raise InvalidInput({"email": "Enter the requester's email address."}) from None
    user = find_user(db, tenant, email)
    request = rights.open_request(
        db,
        tenant,
        chosen_kind,
        RequestChannel.EMAIL,
        chosen_law,
        utcnow(),
        actor,
        user.id if user else None,
    )
    db.add(RequestDesk(tenant_id=tenant.slug, request_id=request.id, requester_email=email))
    rights.move(db, tenant, request.id, RequestState.VERIFYING, actor, "verifying identity")
    notify(db, tenant, request, Notice.RECEIVED, email)
    if user is not None:
        # The account's owner confirms by a link to the account's own address; until then
        # nothing is done (an email's sender address proves nothing).
        ask_for_confirmation(db, tenant, request)
    audit.record(
        db,
        tenant,
        actor=actor,
        action="request_logged",
        subject=f"request:{request.id}",
        before=None,
        after={
            "kind": chosen_kind.value,
            "channel": "email",
            "jurisdiction": chosen_law.value,
            "state": request.state,
            "due_at": request.due_at,
            "account_found": user is not None,
        },
        ip_value=ip_value,
    )
    return request


def _desk(db: Session, tenant: Tenant, request_id: uuid.UUID) -> RequestDesk:
    desk = db.scalar(
        select(RequestDesk).where(
            RequestDesk.tenant_id == tenant.slug, RequestDesk.request_id == request_id
        )
    )
    if desk is None:
        desk = RequestDesk(tenant_id=tenant.slug, request_id=request_id)
        db.add(desk)
    return desk


def _request(db: Session, tenant: Tenant, request_id: uuid.UUID) -> DataSubjectRequest:
    request = db.scalar(
        select(DataSubjectRequest).where(
            DataSubjectRequest.tenant_id == tenant.slug, DataSubjectRequest.id == request_id
        )
    )
    if request is None:
        raise NotFound(f"{tenant.name} has no such request.")
    return request


def assign(
    db: Session,
    tenant: Tenant,
    request_id: uuid.UUID,
    admin_id: str,
    *,
    actor: str,
    ip_value: str,
) -> None:
    _request(db, tenant, request_id)
    try:
        wanted = uuid.UUID(admin_id)
    except ValueError:
        raise InvalidInput({"admin": "Choose an admin."}) from None
    worker = next((w for w in _workers(db, tenant) if w.id == wanted), None)
    if worker is None:
        raise InvalidInput({"admin": "Choose an admin of this brand who works requests."})
    desk = _desk(db, tenant, request_id)
    before = db.get(AdminAccount, desk.assigned_to) if desk.assigned_to else None
    desk.assigned_to = worker.id
    audit.record(
        db,
        tenant,
        actor=actor,
        action="request_assigned",
        subject=f"request:{request_id}",
        before={"assigned_to": before.email if before else None},
        after={"assigned_to": worker.email},
        ip_value=ip_value,
    )


def _requester(db: Session, tenant: Tenant, request: DataSubjectRequest) -> str | None:
    """Where the requester hears from us: the address they wrote from, else the account's."""
    desk = db.get(RequestDesk, request.id)
    if desk is not None and desk.requester_email:
        return desk.requester_email
    if request.user_id is None:
        return None
    return db.scalar(
        select(User.email).where(User.tenant_id == tenant.slug, User.id == request.user_id)
    )


def _tell_requester(
    db: Session, tenant: Tenant, request: DataSubjectRequest, notice: Notice, to: str | None
) -> None:
    if to is not None:
        notify(db, tenant, request, notice, to)


def extend(
    db: Session, tenant: Tenant, request_id: uuid.UUID, reason: str, *, actor: str, ip_value: str
) -> None:
    before = _state(_request(db, tenant, request_id))
    request = rights.extend(db, tenant, request_id, actor, reason)
    _tell_requester(db, tenant, request, Notice.EXTENDED, _requester(db, tenant, request))
    audit.record(
        db,
        tenant,
        actor=actor,
        action="request_extended",
        subject=f"request:{request_id}",
        before=before,
        after={**_state(request), "reason": reason.strip()},
        ip_value=ip_value,
    )


def _transition(
    db: Session,
    tenant: Tenant,
    request_id: uuid.UUID,
    to: RequestState,
    note: str,
    action: str,
    *,
    actor: str,
    ip_value: str,
    extra: dict[str, object] | None = None,
) -> DataSubjectRequest:
    before = _state(_request(db, tenant, request_id))
    request = rights.move(db, tenant, request_id, to, actor, note)
    audit.record(
        db,
        tenant,
        actor=actor,
        action=action,
        subject=f"request:{request_id}",
        before=before,
        after={
            **_state(request),
            **({"note": note.strip()} if note.strip() else {}),
            **(extra or {}),
        },
        ip_value=ip_value,
    )
    return request


def identity_verified(
    db: Session, tenant: Tenant, request_id: uuid.UUID, note: str, *, actor: str, ip_value: str
) -> None:
    _transition(
        db,
        tenant,
        request_id,
        RequestState.IN_PROGRESS,
        note.strip() or "identity verified",
        "request_in_progress",
        actor=actor,
        ip_value=ip_value,
    )


def refuse(
    db: Session, tenant: Tenant, request_id: uuid.UUID, reason: str, *, actor: str, ip_value: str
) -> None:
    request = _transition(
        db,
        tenant,
        request_id,
        RequestState.REFUSED,
        reason,
        "request_refused",
        actor=actor,
        ip_value=ip_value,
    )
    _tell_requester(db, tenant, request, Notice.REFUSED, _requester(db, tenant, request))


EXPORT_KINDS = (RequestKind.ACCESS, RequestKind.PORTABILITY)


def complete(
    db: Session,
    store: ObjectStore,
    tenant: Tenant,
    request_id: uuid.UUID,
    note: str,
    *,
    actor: str,
    ip_value: str,
) -> None:
    """Do what the request asks and close it: an access or portability request builds
    the account's export, an erasure request erases the account (refused while on hold);
    any other kind needs a note saying what was done."""
    request = _request(db, tenant, request_id)
    # Read before an erasure takes the account (and its address) away.
    requester = _requester(db, tenant, request)
    if request.state != RequestState.IN_PROGRESS.value:
        raise Conflict("Only a request in progress (identity verified) can be completed.")
    kind = RequestKind(request.kind)
    user = (
        db.scalar(select(User).where(User.tenant_id == tenant.slug, User.id == request.user_id))
        if request.user_id
        else None
    )
    extra: dict[str, object] = {}
    if kind in EXPORT_KINDS or kind is RequestKind.ERASURE:
        if user is None:
            raise Conflict(
                "No account of this brand is linked to the request: there is nothing to "
                "export or erase. Refuse it with a reason, or complete it as another kind."
            )
        if kind is RequestKind.ERASURE:
            try:
                erasure = erase_account(
                    db, store, tenant, user.id, ErasureReason.DATA_SUBJECT_REQUEST
                )
            except AccountHeld:
                raise AccountHeld(
                    "The account is on hold (legal or moderation): it cannot be erased until "
                    "the hold is lifted. Nothing was deleted; the request stays open."
                ) from None
            extra = {"erasure": erasure.id}
        else:
            export = request_export(db, tenant, user)
            extra = {"export": export.id}
        note = note.strip() or ("account erased" if kind is RequestKind.ERASURE else "export built")
    elif not note.strip():
        raise InvalidInput({"note": "Say what was done to answer the request."})
    completed = _transition(
        db,
        tenant,
        request_id,
        RequestState.COMPLETED,
        note,
        "request_completed",
        actor=actor,
        ip_value=ip_value,
        extra=extra,
    )
    _tell_requester(db, tenant, completed, Notice.COMPLETED, requester)
