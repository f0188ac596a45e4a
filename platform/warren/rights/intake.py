"""Data-subject requests made on the brand's site by a signed-in user.

The signed-in session is the identity check: the request starts in progress, its
transition saying so, and the requester gets the receipt by email at the account's
address. Which laws a user may invoke comes from the brand's config (the jurisdictions
its policy serves), "other" always; the due date follows from the one chosen.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.db.base import utcnow
from warren.errors import Conflict, InvalidInput
from warren.i18n import N_
from warren.rights.deadlines import Jurisdiction
from warren.rights.models import DataSubjectRequest, RequestChannel, RequestKind, RequestState
from warren.rights.notices import Notice, notify
from warren.rights.requests import OPEN, move, open_request
from warren.tenancy.tenant import Tenant

# Open requests one account may have at a time: enough for every kind of right, few
# enough that the form cannot flood the queue.
MAX_OPEN = 5
MAX_DETAILS = 4000
WEB_VERIFIED = "identity verified by the signed-in session"


def jurisdictions(tenant: Tenant) -> list[Jurisdiction]:
    """The laws a requester of this brand may invoke, the brand's first one first."""
    served = [Jurisdiction(name) for name in tenant.policy.jurisdictions]
    return [*served, Jurisdiction.OTHER]


def submit_web_request(
    db: Session, tenant: Tenant, user: User, kind: str, jurisdiction: str, details: str
) -> DataSubjectRequest:
    problems: dict[str, str] = {}
    kinds = {k.value for k in RequestKind}
    if kind not in kinds:
        problems["kind"] = N_("Choose what you are asking for.")
    allowed = {j.value for j in jurisdictions(tenant)}
    if jurisdiction not in allowed:
        problems["jurisdiction"] = N_("Choose the law you are asking under.")
    details = details.strip()
    if len(details) > MAX_DETAILS:
        problems["details"] = f"Keep the details under {MAX_DETAILS} characters."
    if kind in (RequestKind.CORRECTION.value, RequestKind.OTHER.value) and not details:
        problems["details"] = N_("Say what should be corrected or what you are asking for.")
    if problems:
        raise InvalidInput(problems)
    open_count = db.scalar(
        select(func.count()).where(
            DataSubjectRequest.tenant_id == tenant.slug,
            DataSubjectRequest.user_id == user.id,
            DataSubjectRequest.state.in_([state.value for state in OPEN]),
        )
    )
    if (open_count or 0) >= MAX_OPEN:
        raise Conflict(
            f"You already have {MAX_OPEN} open requests; we will answer them first. "
            f"Write to {tenant.support_email} if something is urgent."
        )
    request = open_request(
        db,
        tenant,
        RequestKind(kind),
        RequestChannel.WEB,
        Jurisdiction(jurisdiction),
        utcnow(),
        f"user:{user.id}",
        user.id,
    )
    request.details = details or None
    move(db, tenant, request.id, RequestState.IN_PROGRESS, f"user:{user.id}", WEB_VERIFIED)
    notify(db, tenant, request, Notice.RECEIVED, user.email)
    return request


def requests_of(db: Session, tenant: Tenant, user: User) -> list[DataSubjectRequest]:
    """The user's own requests, newest first."""
    return list(
        db.scalars(
            select(DataSubjectRequest)
            .where(
                DataSubjectRequest.tenant_id == tenant.slug, DataSubjectRequest.user_id == user.id
            )
            .order_by(DataSubjectRequest.received_at.desc())
        )
    )
