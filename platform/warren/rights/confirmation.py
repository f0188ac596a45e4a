"""Confirming a request that came by email with a link sent to the account's address.

A request written from an address is acted on only once the account's owner confirms
it: the link goes to the address the account has (never to one the request names), and
using it moves the request from verifying to in progress, the transition saying how.
The link is signed and checked by the account links' own functions (warren.accounts.tokens);
only the SHA-256 of the random part is stored, on the request, with its expiry. Using it
is one conditional UPDATE, so it works once.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warren.accounts.mailing import link, send, words_for
from warren.accounts.models import User
from warren.accounts.tokens import InvalidLink, sign, token_hash, verified
from warren.db.base import utcnow
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.rights.models import DataSubjectRequest, RequestState
from warren.rights.requests import move
from warren.tenancy.tenant import Tenant

CONFIRM_ACTOR = "send_request_confirmation"
CONFIRM_PATH = "/privacy/requests/confirm"
LIFETIME = timedelta(days=7)
LINK_VERIFIED = "identity verified by a link sent to the account's address"
_PURPOSE = "confirm_request"


def ask_for_confirmation(db: Session, tenant: Tenant, request: DataSubjectRequest) -> None:
    """Queue the confirmation email; the link is made when it is sent."""
    enqueue_after_commit(db, CONFIRM_ACTOR, tenant.slug, str(request.id))


def send_confirmation(
    db: Session, mailer: Mailer, tenant: Tenant, key: bytes, request_id: uuid.UUID
) -> bool:
    """Make the link and mail it to the account's address; False when there is nothing
    to confirm (no such request, no account, or no longer waiting for its identity)."""
    row = db.execute(
        select(DataSubjectRequest, User)
        .join(User, User.id == DataSubjectRequest.user_id)
        .where(
            DataSubjectRequest.tenant_id == tenant.slug,
            DataSubjectRequest.id == request_id,
            User.tenant_id == tenant.slug,
        )
        .with_for_update(of=DataSubjectRequest)
    ).one_or_none()
    if row is None or row[0].state != RequestState.VERIFYING.value:
        return False
    request, user = row
    token = secrets.token_urlsafe(32)
    request.confirmation_hash = token_hash(token)
    request.confirmation_expires_at = utcnow() + LIFETIME
    confirm = link(tenant, f"{CONFIRM_PATH}?token={token}.{sign(key, _PURPOSE, token)}")
    words = words_for(tenant, user)
    send(
        mailer,
        tenant,
        user.email,
        words.gettext("Confirm your privacy request to %(brand)s", brand=tenant.name),
        words.gettext(
            "Hello %(username)s,\n\n%(brand)s received a privacy request (%(kind)s) "
            "about your account by email. We act on it only when you confirm it is yours, "
            "with this link (it works once, for 7 days):\n\n%(link)s\n\n"
            "If you did not ask for this, ignore this message and nothing will be done.\n",
            username=user.username,
            brand=tenant.name,
            kind=request.kind,
            link=confirm,
        ),
    )
    return True


def confirm(db: Session, tenant: Tenant, key: bytes, value: str) -> DataSubjectRequest:
    """Use the link: the request moves on to in progress. InvalidLink when the link is
    forged, foreign, used, expired or its request is no longer waiting."""
    token = verified(key, _PURPOSE, value)
    if token is None:
        raise InvalidLink()
    request_id = db.scalar(
        update(DataSubjectRequest)
        .where(
            DataSubjectRequest.tenant_id == tenant.slug,
            DataSubjectRequest.confirmation_hash == token_hash(token),
            DataSubjectRequest.confirmation_expires_at > utcnow(),
            DataSubjectRequest.state == RequestState.VERIFYING.value,
        )
        .values(confirmation_hash=None, confirmation_expires_at=None)
        .returning(DataSubjectRequest.id)
    )
    if request_id is None:
        raise InvalidLink()
    return move(db, tenant, request_id, RequestState.IN_PROGRESS, "requester", LINK_VERIFIED)
