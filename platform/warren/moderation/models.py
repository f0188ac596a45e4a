"""Share links and reports (reports by visitors and flags by the console, one table).

Both reference what they are about with a cascading foreign key: whatever deletes a
content item or an upload (the library's trash sweep, the retention rules, account
erasure, a moderator's removal) deletes its share links and reports in the same
statement, so neither outlives the content. A held item is never deleted, so its
reports stay with it as evidence.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow


class ReportSource(StrEnum):
    REPORT = "report"  # a visitor of a share link
    FLAG = "flag"  # a moderator or admin in the console


class ReportReason(StrEnum):
    ILLEGAL = "illegal"
    SEXUAL = "sexual"
    VIOLENCE = "violence"
    HATE = "hate"
    HARASSMENT = "harassment"
    SELF_HARM = "self_harm"
    PRIVACY = "privacy"
    COPYRIGHT = "copyright"
    SPAM = "spam"
    OTHER = "other"


REASON_LABELS: dict[ReportReason, str] = {
    ReportReason.ILLEGAL: "Illegal content",
    ReportReason.SEXUAL: "Sexual content",
    ReportReason.VIOLENCE: "Violence or threats",
    ReportReason.HATE: "Hate speech",
    ReportReason.HARASSMENT: "Harassment or bullying",
    ReportReason.SELF_HARM: "Self-harm",
    ReportReason.PRIVACY: "Shows private information or a person without consent",
    ReportReason.COPYRIGHT: "Copyright infringement",
    ReportReason.SPAM: "Spam or scam",
    ReportReason.OTHER: "Something else",
}


class Resolution(StrEnum):
    DISMISSED = "dismissed"


class SubjectKind(StrEnum):
    """What a report or a moderation action is about (the hold subjects' names)."""

    CONTENT_ITEM = "content_item"
    UPLOAD = "upload"


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class ShareLink(TenantOwned, Base):
    """A revocable link to one generated result. The link carries a random token; only
    its SHA-256 is stored, so the table alone opens nothing."""

    __tablename__ = "share_links"
    __table_args__ = (Index("ix_share_links_item", "tenant_id", "content_item_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    content_item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE")
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Report(TenantOwned, Base):
    """One report (a visitor) or flag (the console) about a content item or an upload."""

    __tablename__ = "moderation_reports"
    __table_args__ = (
        _one_of("source", ReportSource),
        _one_of("reason", ReportReason),
        _one_of("resolution", Resolution),
        CheckConstraint("(content_item_id IS NULL) <> (upload_id IS NULL)", name="one_subject"),
        # The queue: open reports of a tenant, oldest first.
        Index(
            "ix_moderation_reports_open",
            "tenant_id",
            "created_at",
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    content_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    upload_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), index=True
    )
    # The link a visitor reported through (revoking it keeps the report).
    share_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("share_links.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str | None] = mapped_column(Text)
    # A visitor's report: the tenant's IP value (a keyed hash for hashed-IP tenants).
    ip_value: Mapped[str | None] = mapped_column(Text)
    # A flag: who raised it in the console.
    flagged_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(String(20))

    @property
    def subject_kind(self) -> SubjectKind:
        return SubjectKind.CONTENT_ITEM if self.content_item_id else SubjectKind.UPLOAD

    @property
    def subject_id(self) -> uuid.UUID:
        subject = self.content_item_id or self.upload_id
        assert subject is not None  # the one_subject constraint
        return subject
