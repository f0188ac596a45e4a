"""Legal and moderation holds: placing, lifting, listing, and the test every rule applies.

A hold has no foreign key to what it holds: it must outlive nothing, and it names an
account, a content item or an upload of one tenant. While it is active (not lifted) no
rule deletes the subject; an account hold protects the account and all of its data, and
a content item's hold protects the uploads it was made from (evidence of what was
generated includes what it was generated from).
Lifting it lets the clocks resume: the rules compare timestamps, so a held item that
became due meanwhile goes in the next sweep.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, any_, exists, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from warren.accounts.models import User
from warren.db.base import utcnow
from warren.errors import Conflict, InvalidInput, NotFound
from warren.library.models import ContentItem
from warren.lifecycle.models import Hold, HoldSubject
from warren.media.models import Upload
from warren.tenancy.tenant import Tenant

_SUBJECT_TABLES: dict[HoldSubject, type[User] | type[ContentItem] | type[Upload]] = {
    HoldSubject.ACCOUNT: User,
    HoldSubject.CONTENT_ITEM: ContentItem,
    HoldSubject.UPLOAD: Upload,
}


def held(
    slug: str,
    kind: HoldSubject,
    subject_id: SQLCoreOperations[uuid.UUID] | SQLCoreOperations[uuid.UUID | None],
) -> ColumnElement[bool]:
    """True where an active hold of ``kind`` names ``subject_id`` (a column of the outer row)."""
    return exists().where(
        Hold.tenant_id == slug,
        Hold.lifted_at.is_(None),
        Hold.subject_kind == kind.value,
        Hold.subject_id == subject_id,
    )


def source_of_held_item(slug: str, upload_id: SQLCoreOperations[uuid.UUID]) -> ColumnElement[bool]:
    """True where an active hold names a content item made from ``upload_id``."""
    return exists().where(
        Hold.tenant_id == slug,
        Hold.lifted_at.is_(None),
        Hold.subject_kind == HoldSubject.CONTENT_ITEM.value,
        ContentItem.tenant_id == slug,
        ContentItem.id == Hold.subject_id,
        upload_id == any_(ContentItem.source_upload_ids),
    )


def place_hold(
    db: Session,
    tenant: Tenant,
    kind: HoldSubject,
    subject_id: uuid.UUID,
    placed_by: str,
    reason: str,
    review_at: datetime | None,
) -> Hold:
    """Hold a subject of this tenant; NotFound if the tenant has no such subject."""
    placed_by, reason = placed_by.strip(), reason.strip()
    problems = {}
    if not placed_by:
        problems["by"] = "Say who places the hold."
    if not reason:
        problems["reason"] = "Say why the data is held."
    if review_at is not None and review_at <= utcnow():
        problems["review"] = "The review date must be in the future."
    if problems:
        raise InvalidInput(problems)
    table = _SUBJECT_TABLES[kind]
    found = db.scalar(
        select(table.id).where(table.tenant_id == tenant.slug, table.id == subject_id)
    )
    if found is None:
        raise NotFound(f"{tenant.name} has no {kind.value.replace('_', ' ')} {subject_id}.")
    hold = Hold(
        tenant_id=tenant.slug,
        subject_kind=kind.value,
        subject_id=subject_id,
        placed_by=placed_by,
        reason=reason,
        review_at=review_at,
    )
    db.add(hold)
    db.flush()
    return hold


def lift_hold(db: Session, tenant: Tenant, hold_id: uuid.UUID, lifted_by: str) -> Hold:
    hold = db.scalar(
        select(Hold).where(Hold.tenant_id == tenant.slug, Hold.id == hold_id).with_for_update()
    )
    if hold is None:
        raise NotFound(f"{tenant.name} has no hold {hold_id}.")
    if hold.lifted_at is not None:
        raise Conflict(f"hold {hold_id} was already lifted on {hold.lifted_at:%Y-%m-%d}.")
    if not lifted_by.strip():
        raise InvalidInput({"by": "Say who lifts the hold."})
    hold.lifted_at = utcnow()
    hold.lifted_by = lifted_by.strip()
    return hold


def list_holds(db: Session, tenant: Tenant, *, include_lifted: bool = False) -> list[Hold]:
    query = select(Hold).where(Hold.tenant_id == tenant.slug)
    if not include_lifted:
        query = query.where(Hold.lifted_at.is_(None))
    return list(db.scalars(query.order_by(Hold.placed_at)))


def account_is_held(db: Session, tenant: Tenant, user_id: uuid.UUID) -> bool:
    """The account, or any content item or upload of it, is under an active hold."""
    item_held = select(ContentItem.id).where(
        ContentItem.tenant_id == tenant.slug,
        ContentItem.user_id == user_id,
        held(tenant.slug, HoldSubject.CONTENT_ITEM, ContentItem.id),
    )
    upload_held = select(Upload.id).where(
        Upload.tenant_id == tenant.slug,
        Upload.user_id == user_id,
        held(tenant.slug, HoldSubject.UPLOAD, Upload.id),
    )
    account = select(Hold.id).where(
        Hold.tenant_id == tenant.slug,
        Hold.lifted_at.is_(None),
        Hold.subject_kind == HoldSubject.ACCOUNT.value,
        Hold.subject_id == user_id,
    )
    return bool(db.scalar(select(exists(account) | exists(item_held) | exists(upload_held))))
