"""The emails a requester gets about their data-subject request: at receipt, at the one
extension, and when it is completed or refused.

The address is decided when the notice is queued and travels only in the queued
message: an erasure request's requester must still hear that the account is gone after
it is gone. The text reads the request row when the message is sent, so it states the
due date and reasons as they are then.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.mailing import link, send
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.rights.models import DataSubjectRequest, RequestKind
from warren.tenancy.tenant import Tenant

NOTICE_ACTOR = "send_request_notice"
STATUS_PATH = "/account/requests"

_WHAT: dict[RequestKind, str] = {
    RequestKind.ACCESS: "a copy of your personal data",
    RequestKind.CORRECTION: "the correction of your personal data",
    RequestKind.ERASURE: "the erasure of your account and personal data",
    RequestKind.RESTRICTION: "the restriction of the processing of your personal data",
    RequestKind.OBJECTION: "your objection to the processing of your personal data",
    RequestKind.PORTABILITY: "your personal data in a portable format",
    RequestKind.OTHER: "your privacy request",
}


class Notice(StrEnum):
    RECEIVED = "received"
    EXTENDED = "extended"
    COMPLETED = "completed"
    REFUSED = "refused"


def notify(
    db: Session, tenant: Tenant, request: DataSubjectRequest, notice: Notice, to: str
) -> None:
    """Queue ``notice`` about ``request`` to ``to``, sent once the transaction commits."""
    enqueue_after_commit(db, NOTICE_ACTOR, tenant.slug, str(request.id), notice.value, to)


def _day(request: DataSubjectRequest) -> str:
    due = request.due_at
    return f"{due.strftime('%B')} {due.day}, {due.year}"


def send_notice(
    db: Session, mailer: Mailer, tenant: Tenant, request_id: uuid.UUID, notice: Notice, to: str
) -> bool:
    """Send one notice; False when the request no longer exists (nothing to say)."""
    request = db.scalar(
        select(DataSubjectRequest).where(
            DataSubjectRequest.tenant_id == tenant.slug, DataSubjectRequest.id == request_id
        )
    )
    if request is None:
        return False
    what = _WHAT[RequestKind(request.kind)]
    reference = str(request.id)[:8]
    if notice is Notice.RECEIVED:
        subject = f"We received your privacy request ({reference})"
        body = (
            f"We received your request about {what} on "
            f"{request.received_at:%Y-%m-%d}. We will answer by {_day(request)}.\n"
        )
        if request.user_id is not None and request.channel == "web":
            body += f"\nYou can follow it on your account page: {link(tenant, STATUS_PATH)}\n"
    elif notice is Notice.EXTENDED:
        subject = f"Your privacy request needs more time ({reference})"
        body = (
            f"Your request about {what} needs more time: we will answer by {_day(request)}.\n"
            f"Why: {request.extension_reason}\n"
        )
    elif notice is Notice.COMPLETED:
        subject = f"Your privacy request is done ({reference})"
        body = f"We have done what you asked: {what}.\n"
        if request.closed_reason:
            body += f"{request.closed_reason}\n"
    else:
        subject = f"About your privacy request ({reference})"
        body = (
            f"We cannot do what you asked ({what}).\nWhy: {request.closed_reason}\n\n"
            f"You may reply to this message, or complain to your data protection authority.\n"
        )
    send(
        mailer,
        tenant,
        to,
        subject,
        f"Hello,\n\n{body}\nQuestions: {tenant.support_email}\n",
    )
    return True
