"""Erasing one account: the one routine behind inactive-account deletion, a child's
account, self-service deletion and data-subject erasure.

Everything of the account goes — the user row, content and uploads with their objects,
chats, jobs (their prompts), sessions, consent records (with the visitor id's earlier,
anonymous choices), security events. The points ledger stays for the tenant's
transaction period with its user reference cut. What remains is one ``erasures`` row:
the tenant, the reason and the time, nothing about whose account it was.

It does not commit: the caller's unit of work does. Objects are deleted before that
commit, so a failed commit leaves rows whose objects are gone — the account is still
there and erasing it again finishes the job; it never leaves an object without a row.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from warren.accounts.models import AuthSession, SecurityEvent, User
from warren.billing.models import PointMovement
from warren.chat.models import ChatMessage
from warren.errors import Conflict, NotFound
from warren.generation.models import Job
from warren.library.models import ContentItem
from warren.lifecycle.holds import account_is_held
from warren.lifecycle.models import Erasure, ErasureReason
from warren.media.models import Upload
from warren.privacy.consent_models import ConsentRecord
from warren.storage.base import ObjectStore
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Tenant


class AccountHeld(Conflict):
    """The account, or something of it, is under a legal or moderation hold."""


def erase_account(
    db: Session, store: ObjectStore, tenant: Tenant, user_id: uuid.UUID, reason: ErasureReason
) -> Erasure:
    """Erase the account and all of its personal data; raises NotFound or AccountHeld."""
    user = db.scalar(
        select(User).where(User.tenant_id == tenant.slug, User.id == user_id).with_for_update()
    )
    if user is None:
        raise NotFound(f"{tenant.name} has no account {user_id}.")
    if account_is_held(db, tenant, user_id):
        raise AccountHeld(
            f"the account {user.username} on {tenant.name} is under a hold and was not erased."
        )
    slug = tenant.slug
    keys = set(
        db.scalars(
            delete(ContentItem)
            .where(ContentItem.tenant_id == slug, ContentItem.user_id == user_id)
            .returning(ContentItem.storage_key)
        )
    )
    keys |= set(
        db.scalars(
            delete(Upload)
            .where(Upload.tenant_id == slug, Upload.user_id == user_id)
            .returning(Upload.storage_key)
        )
    )
    tenant_store = TenantStore(store, slug)
    # Objects of the account that lost their row (a result stored by a job whose commit
    # failed) live under the same per-user folders, as do its exports (rows cascade).
    for prefix in (f"results/{user_id}/", f"uploads/{user_id}/", f"exports/{user_id}/"):
        keys.update(tenant_store.list(prefix))
    db.execute(
        delete(ChatMessage).where(ChatMessage.tenant_id == slug, ChatMessage.user_id == user_id)
    )
    db.execute(delete(Job).where(Job.tenant_id == slug, Job.user_id == user_id))
    db.execute(
        delete(AuthSession).where(AuthSession.tenant_id == slug, AuthSession.user_id == user_id)
    )
    visitors = select(ConsentRecord.visitor_id).where(
        ConsentRecord.tenant_id == slug, ConsentRecord.user_id == user_id
    )
    db.execute(
        delete(ConsentRecord).where(
            ConsentRecord.tenant_id == slug,
            or_(ConsentRecord.user_id == user_id, ConsentRecord.visitor_id.in_(visitors)),
        )
    )
    db.execute(
        delete(SecurityEvent).where(
            SecurityEvent.tenant_id == slug, SecurityEvent.user_id == user_id
        )
    )
    db.execute(
        update(PointMovement)
        .where(PointMovement.tenant_id == slug, PointMovement.user_id == user_id)
        .values(user_id=None)
    )
    db.execute(delete(User).where(User.id == user_id))
    erasure = Erasure(tenant_id=slug, reason=reason.value)
    db.add(erasure)
    db.flush()
    tenant_store.delete_many(sorted(keys))
    return erasure
