"""The moderation queue and its actions. Every action is recorded in the admin audit log
(``warren.admin.audit.record``, before and after) in the caller's transaction.

Removing content deletes it the way the retention sweep does: the row goes with
``DELETE … RETURNING storage_key`` (its share links and reports cascade), then the
object, then the caller's commit — so an object is never left without its row. Blocking
an account and placing a hold never delete anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.accounts.sessions import end_sessions
from warren.admin.audit import record
from warren.db.base import utcnow
from warren.errors import Conflict, InvalidInput, NotFound
from warren.library.models import ContentItem
from warren.lifecycle.holds import held, place_hold
from warren.lifecycle.models import Hold, HoldSubject
from warren.media.models import Upload
from warren.moderation.models import Report, ReportSource, Resolution, ShareLink, SubjectKind
from warren.moderation.reports import clean_details, parse_reason
from warren.storage.base import ObjectStore
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Tenant

QUEUE_LIMIT = 200


def parse_kind(value: str) -> SubjectKind:
    try:
        return SubjectKind(value)
    except ValueError:
        raise NotFound() from None


def subject_name(kind: SubjectKind, subject_id: uuid.UUID) -> str:
    """How audit entries name a subject (evidence exports find them by it)."""
    return f"{kind.value}:{subject_id}"


@dataclass(frozen=True)
class Subject:
    """A content item or an upload, as moderation sees it."""

    kind: SubjectKind
    id: uuid.UUID
    owner_id: uuid.UUID
    title: str
    content_type: str
    size_bytes: int
    storage_key: str
    created_at: datetime
    deleted_at: datetime | None

    @property
    def name(self) -> str:
        return subject_name(self.kind, self.id)

    def metadata(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "id": str(self.id),
            "owner_id": str(self.owner_id),
            "title": self.title,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "storage_key": self.storage_key,
            "created_at": self.created_at.isoformat(),
            "in_trash_since": self.deleted_at.isoformat() if self.deleted_at else None,
        }


def _table(kind: SubjectKind) -> type[ContentItem] | type[Upload]:
    return ContentItem if kind is SubjectKind.CONTENT_ITEM else Upload


def load_subject(db: Session, tenant: Tenant, kind: SubjectKind, subject_id: uuid.UUID) -> Subject:
    """The tenant's item or upload; NotFound for another tenant's or a deleted one."""
    if kind is SubjectKind.CONTENT_ITEM:
        item = db.scalar(
            select(ContentItem).where(
                ContentItem.tenant_id == tenant.slug, ContentItem.id == subject_id
            )
        )
        if item is None:
            raise NotFound()
        return Subject(
            kind, item.id, item.user_id, item.title, item.content_type, item.size_bytes,
            item.storage_key, item.created_at, item.deleted_at,
        )  # fmt: skip
    upload = db.scalar(
        select(Upload).where(Upload.tenant_id == tenant.slug, Upload.id == subject_id)
    )
    if upload is None:
        raise NotFound()
    return Subject(
        kind, upload.id, upload.user_id, upload.display_name, upload.content_type,
        upload.size_bytes, upload.storage_key, upload.created_at, upload.deleted_at,
    )  # fmt: skip


def _subject_filter(kind: SubjectKind, subject_id: uuid.UUID) -> Any:
    if kind is SubjectKind.CONTENT_ITEM:
        return Report.content_item_id == subject_id
    return Report.upload_id == subject_id


def _hold_kind(kind: SubjectKind) -> HoldSubject:
    return HoldSubject(kind.value)


# ---------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueRow:
    kind: SubjectKind
    subject_id: uuid.UUID
    title: str
    owner: str
    open_reports: int
    flags: int
    first_at: datetime
    reasons: list[str]
    held: bool


def open_queue(db: Session, tenant: Tenant, limit: int = QUEUE_LIMIT) -> list[QueueRow]:
    """Items and uploads with open reports or flags, the longest-waiting first."""
    rows: list[QueueRow] = []
    for kind in SubjectKind:
        table = _table(kind)
        column = Report.content_item_id if kind is SubjectKind.CONTENT_ITEM else Report.upload_id
        title = ContentItem.title if kind is SubjectKind.CONTENT_ITEM else Upload.display_name
        found = db.execute(
            select(
                table.id,
                title,
                User.username,
                func.count(Report.id),
                func.count(Report.id).filter(Report.source == ReportSource.FLAG.value),
                func.min(Report.created_at),
                func.array_agg(func.distinct(Report.reason)),
                held(tenant.slug, _hold_kind(kind), table.id),
            )
            .join(table, table.id == column)
            .join(User, User.id == table.user_id)
            .where(
                Report.tenant_id == tenant.slug,
                table.tenant_id == tenant.slug,
                Report.resolved_at.is_(None),
            )
            .group_by(table.id, title, User.username)
            .order_by(func.min(Report.created_at))
            .limit(limit)
        ).all()
        rows.extend(
            QueueRow(kind, r[0], r[1], r[2], r[3], r[4], r[5], sorted(r[6]), bool(r[7]))
            for r in found
        )
    return sorted(rows, key=lambda row: row.first_at)[:limit]


@dataclass(frozen=True)
class Case:
    subject: Subject
    owner: User
    reports: list[Report]
    holds: list[Hold]
    share: ShareLink | None

    @property
    def open_reports(self) -> list[Report]:
        return [r for r in self.reports if r.resolved_at is None]

    @property
    def held(self) -> bool:
        return any(h.lifted_at is None for h in self.holds)


def holds_of(db: Session, tenant: Tenant, subject: Subject) -> list[Hold]:
    """Holds on the subject, and on its owner's account (which protect it too)."""
    return list(
        db.scalars(
            select(Hold)
            .where(
                Hold.tenant_id == tenant.slug,
                (
                    (Hold.subject_kind == subject.kind.value) & (Hold.subject_id == subject.id)
                    | (Hold.subject_kind == HoldSubject.ACCOUNT.value)
                    & (Hold.subject_id == subject.owner_id)
                ),
            )
            .order_by(Hold.placed_at)
        )
    )


def case_of(db: Session, tenant: Tenant, kind: SubjectKind, subject_id: uuid.UUID) -> Case:
    subject = load_subject(db, tenant, kind, subject_id)
    owner = db.scalar(
        select(User).where(User.tenant_id == tenant.slug, User.id == subject.owner_id)
    )
    assert owner is not None  # items and uploads cascade with their owner
    reports = list(
        db.scalars(
            select(Report)
            .where(Report.tenant_id == tenant.slug, _subject_filter(kind, subject_id))
            .order_by(Report.created_at)
        )
    )
    share = None
    if kind is SubjectKind.CONTENT_ITEM:
        share = db.scalar(
            select(ShareLink).where(
                ShareLink.tenant_id == tenant.slug,
                ShareLink.content_item_id == subject_id,
                ShareLink.revoked_at.is_(None),
            )
        )
    return Case(subject, owner, reports, holds_of(db, tenant, subject), share)


# ---------------------------------------------------------------------- actions


def flag(
    db: Session,
    tenant: Tenant,
    kind: SubjectKind,
    subject_id: uuid.UUID,
    reason: str,
    details: str,
    *,
    actor: str,
    ip_value: str,
) -> Report:
    """A moderator's or admin's flag on any item or upload of the tenant."""
    subject = load_subject(db, tenant, kind, subject_id)
    report = Report(
        tenant_id=tenant.slug,
        content_item_id=subject.id if kind is SubjectKind.CONTENT_ITEM else None,
        upload_id=subject.id if kind is SubjectKind.UPLOAD else None,
        source=ReportSource.FLAG.value,
        reason=parse_reason(reason).value,
        details=clean_details(details),
        flagged_by=actor,
    )
    db.add(report)
    db.flush()
    record(
        db, tenant, actor=actor, action="moderation.flag", subject=subject.name, before=None,
        after={"report": report.id, "reason": report.reason, "details": report.details},
        ip_value=ip_value,
    )  # fmt: skip
    return report


def dismiss(
    db: Session,
    tenant: Tenant,
    kind: SubjectKind,
    subject_id: uuid.UUID,
    *,
    actor: str,
    ip_value: str,
) -> int:
    """Close the subject's open reports without acting on it; returns how many."""
    subject = load_subject(db, tenant, kind, subject_id)
    closed = list(
        db.scalars(
            update(Report)
            .where(
                Report.tenant_id == tenant.slug,
                _subject_filter(kind, subject_id),
                Report.resolved_at.is_(None),
            )
            .values(resolved_at=utcnow(), resolved_by=actor, resolution=Resolution.DISMISSED.value)
            .returning(Report.id)
        )
    )
    if not closed:
        raise Conflict("There are no open reports about this to dismiss.")
    record(
        db, tenant, actor=actor, action="moderation.dismiss", subject=subject.name,
        before={"open_reports": [str(r) for r in closed]},
        after={"open_reports": [], "resolution": Resolution.DISMISSED.value},
        ip_value=ip_value,
    )  # fmt: skip
    return len(closed)


def remove(
    db: Session,
    store: ObjectStore,
    tenant: Tenant,
    kind: SubjectKind,
    subject_id: uuid.UUID,
    *,
    actor: str,
    ip_value: str,
) -> None:
    """Delete the item or upload and its file for good (not to the trash): gone from the
    owner's library, its share links and reports with it. Refused while it is held."""
    subject = load_subject(db, tenant, kind, subject_id)
    if holds_are_active(db, tenant, subject):
        raise Conflict("This is under a hold and cannot be removed. Lift the hold first.")
    reports = db.scalar(
        select(func.count(Report.id)).where(
            Report.tenant_id == tenant.slug, _subject_filter(kind, subject_id)
        )
    )
    table = _table(kind)
    keys = list(
        db.scalars(
            delete(table)
            .where(table.tenant_id == tenant.slug, table.id == subject_id)
            .returning(table.storage_key)
        )
    )
    record(
        db, tenant, actor=actor, action="moderation.remove", subject=subject.name,
        before={**subject.metadata(), "reports": reports}, after=None, ip_value=ip_value,
    )  # fmt: skip
    db.flush()
    TenantStore(store, tenant.slug).delete_many(keys)


def holds_are_active(db: Session, tenant: Tenant, subject: Subject) -> bool:
    return any(hold.lifted_at is None for hold in holds_of(db, tenant, subject))


def _user(db: Session, tenant: Tenant, user_id: uuid.UUID) -> User:
    user = db.scalar(
        select(User).where(User.tenant_id == tenant.slug, User.id == user_id).with_for_update()
    )
    if user is None:
        raise NotFound()
    return user


def block_account(
    db: Session, tenant: Tenant, user_id: uuid.UUID, reason: str, *, actor: str, ip_value: str
) -> int:
    """Block the account: every session ends now, sign-in is refused, its share links
    stop working. Nothing is deleted. Returns how many sessions ended."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"block_reason": "Say why the account is blocked."})
    user = _user(db, tenant, user_id)
    if user.blocked_at is not None:
        raise Conflict(f"{user.username} is already blocked.")
    user.blocked_at = utcnow()
    user.blocked_reason = reason
    ended = end_sessions(db, tenant, user.id)
    record(
        db, tenant, actor=actor, action="moderation.block", subject=f"account:{user.id}",
        before={"blocked_at": None},
        after={"blocked_at": user.blocked_at, "reason": reason, "sessions_ended": ended},
        ip_value=ip_value,
    )  # fmt: skip
    return ended


def unblock_account(
    db: Session, tenant: Tenant, user_id: uuid.UUID, *, actor: str, ip_value: str
) -> None:
    user = _user(db, tenant, user_id)
    if user.blocked_at is None:
        raise Conflict(f"{user.username} is not blocked.")
    before = {"blocked_at": user.blocked_at, "reason": user.blocked_reason}
    user.blocked_at = None
    user.blocked_reason = None
    record(
        db, tenant, actor=actor, action="moderation.unblock", subject=f"account:{user.id}",
        before=before, after={"blocked_at": None}, ip_value=ip_value,
    )  # fmt: skip


def hold(
    db: Session,
    tenant: Tenant,
    kind: SubjectKind,
    subject_id: uuid.UUID,
    reason: str,
    review_at: datetime | None,
    *,
    actor: str,
    ip_value: str,
) -> Hold:
    """A legal hold (the retention engine's): no rule, erasure or removal deletes the
    subject until it is lifted."""
    subject = load_subject(db, tenant, kind, subject_id)
    placed = place_hold(db, tenant, _hold_kind(kind), subject.id, actor, reason, review_at)
    record(
        db, tenant, actor=actor, action="moderation.hold", subject=subject.name, before=None,
        after={"hold": placed.id, "reason": placed.reason, "review_at": placed.review_at},
        ip_value=ip_value,
    )  # fmt: skip
    return placed


def blocked_accounts(db: Session, tenant: Tenant) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .where(User.tenant_id == tenant.slug, User.blocked_at.is_not(None))
            .order_by(User.blocked_at.desc())
        )
    )
