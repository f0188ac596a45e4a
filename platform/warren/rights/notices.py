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

from warren.accounts.mailing import language_of, link, send, user_of, words_in
from warren.i18n import N_, Translator
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.rights.models import DataSubjectRequest, RequestKind
from warren.tenancy.tenant import Tenant

NOTICE_ACTOR = "send_request_notice"
STATUS_PATH = "/account/requests"

_WHAT: dict[RequestKind, str] = {
    RequestKind.ACCESS: N_("a copy of your personal data"),
    RequestKind.CORRECTION: N_("the correction of your personal data"),
    RequestKind.ERASURE: N_("the erasure of your account and personal data"),
    RequestKind.RESTRICTION: N_("the restriction of the processing of your personal data"),
    RequestKind.OBJECTION: N_("your objection to the processing of your personal data"),
    RequestKind.PORTABILITY: N_("your personal data in a portable format"),
    RequestKind.OTHER: N_("your privacy request"),
}


class Notice(StrEnum):
    RECEIVED = "received"
    EXTENDED = "extended"
    COMPLETED = "completed"
    REFUSED = "refused"


def notify(
    db: Session, tenant: Tenant, request: DataSubjectRequest, notice: Notice, to: str
) -> None:
    """Queue ``notice`` about ``request`` to ``to``, sent once the transaction commits.

    Its language is the requester's account's, decided now: by the time an erasure's
    notice is sent, the account is gone."""
    owner = user_of(db, tenant, request.user_id) if request.user_id is not None else None
    language = language_of(tenant, owner)
    enqueue_after_commit(db, NOTICE_ACTOR, tenant.slug, str(request.id), notice.value, to, language)


def _day(words: Translator, request: DataSubjectRequest) -> str:
    return words.date(request.due_at)


def send_notice(
    db: Session,
    mailer: Mailer,
    tenant: Tenant,
    request_id: uuid.UUID,
    notice: Notice,
    to: str,
    language: str | None = None,
) -> bool:
    """Send one notice; False when the request no longer exists (nothing to say)."""
    request = db.scalar(
        select(DataSubjectRequest).where(
            DataSubjectRequest.tenant_id == tenant.slug, DataSubjectRequest.id == request_id
        )
    )
    if request is None:
        return False
    words = words_in(tenant, language)
    _ = words.gettext
    what = _(_WHAT[RequestKind(request.kind)])
    reference = str(request.id)[:8]
    due = _day(words, request)
    if notice is Notice.RECEIVED:
        subject = _("We received your privacy request (%(reference)s)", reference=reference)
        body = _(
            "We received your request about %(what)s on %(received)s. We will answer by %(due)s.\n",
            what=what,
            received=f"{request.received_at:%Y-%m-%d}",
            due=due,
        )
        if request.user_id is not None and request.channel == "web":
            body += _(
                "\nYou can follow it on your account page: %(page)s\n",
                page=link(tenant, STATUS_PATH),
            )
    elif notice is Notice.EXTENDED:
        subject = _("Your privacy request needs more time (%(reference)s)", reference=reference)
        body = _(
            "Your request about %(what)s needs more time: we will answer by %(due)s.\n"
            "Why: %(reason)s\n",
            what=what,
            due=due,
            reason=request.extension_reason,
        )
    elif notice is Notice.COMPLETED:
        subject = _("Your privacy request is done (%(reference)s)", reference=reference)
        body = _("We have done what you asked: %(what)s.\n", what=what)
        if request.closed_reason:
            body += f"{request.closed_reason}\n"
    else:
        subject = _("About your privacy request (%(reference)s)", reference=reference)
        body = _(
            "We cannot do what you asked (%(what)s).\nWhy: %(reason)s\n\n"
            "You may reply to this message, or complain to your data protection authority.\n",
            what=what,
            reason=request.closed_reason,
        )
    send(
        mailer,
        tenant,
        to,
        subject,
        _(
            "Hello,\n\n%(body)s\nQuestions: %(support)s\n",
            body=body,
            support=tenant.support_email,
        ),
    )
    return True
