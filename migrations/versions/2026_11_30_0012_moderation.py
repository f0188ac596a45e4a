"""moderation: share links, reports and flags, blocked accounts

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30 23:59:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("blocked_reason", sa.Text(), nullable=True))
    op.create_table(
        "share_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("content_item_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_item_id"],
            ["content_items.id"],
            name=op.f("fk_share_links_content_item_id_content_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_links_token_hash")),
    )
    op.create_index(op.f("ix_share_links_tenant_id"), "share_links", ["tenant_id"], unique=False)
    op.create_index(
        "ix_share_links_item", "share_links", ["tenant_id", "content_item_id"], unique=False
    )
    op.create_table(
        "moderation_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("content_item_id", sa.Uuid(), nullable=True),
        sa.Column("upload_id", sa.Uuid(), nullable=True),
        sa.Column("share_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("ip_value", sa.Text(), nullable=True),
        sa.Column("flagged_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "source IN ('report', 'flag')", name=op.f("ck_moderation_reports_source")
        ),
        sa.CheckConstraint(
            "reason IN ('illegal', 'sexual', 'violence', 'hate', 'harassment', 'self_harm', "
            "'privacy', 'copyright', 'spam', 'other')",
            name=op.f("ck_moderation_reports_reason"),
        ),
        sa.CheckConstraint(
            "resolution IN ('dismissed')", name=op.f("ck_moderation_reports_resolution")
        ),
        sa.CheckConstraint(
            "(content_item_id IS NULL) <> (upload_id IS NULL)",
            name=op.f("ck_moderation_reports_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["content_item_id"],
            ["content_items.id"],
            name=op.f("fk_moderation_reports_content_item_id_content_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["uploads.id"],
            name=op.f("fk_moderation_reports_upload_id_uploads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["share_links.id"],
            name=op.f("fk_moderation_reports_share_id_share_links"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_reports")),
    )
    op.create_index(
        op.f("ix_moderation_reports_tenant_id"), "moderation_reports", ["tenant_id"], unique=False
    )
    op.create_index(
        op.f("ix_moderation_reports_content_item_id"),
        "moderation_reports",
        ["content_item_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_moderation_reports_upload_id"), "moderation_reports", ["upload_id"], unique=False
    )
    op.create_index(
        "ix_moderation_reports_open",
        "moderation_reports",
        ["tenant_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("moderation_reports")
    op.drop_table("share_links")
    op.drop_column("users", "blocked_reason")
    op.drop_column("users", "blocked_at")
