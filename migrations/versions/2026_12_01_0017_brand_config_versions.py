"""published brand configuration versions (immutable), drafts, notice markers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 03:00:00.000000

A published version is evidence of what a brand promised and when: a trigger refuses
UPDATE and DELETE on brand_config_versions, like the audit log's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IMMUTABLE_FUNCTION = """
CREATE FUNCTION brand_config_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'brand_config_versions rows are immutable: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "brand_config_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("policy_markdown", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("material", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("notified_by", sa.String(length=16), nullable=False),
        sa.Column("consent_epoch", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_config_versions")),
        sa.UniqueConstraint(
            "tenant_id", "version", name=op.f("uq_brand_config_versions_tenant_id")
        ),
    )
    op.create_index(
        op.f("ix_brand_config_versions_tenant_id"),
        "brand_config_versions",
        ["tenant_id"],
        unique=False,
    )
    op.execute(IMMUTABLE_FUNCTION)
    op.execute(
        "CREATE TRIGGER brand_config_versions_immutable BEFORE UPDATE OR DELETE "
        "ON brand_config_versions FOR EACH ROW EXECUTE FUNCTION brand_config_versions_immutable()"
    )
    op.create_table(
        "brand_config_drafts",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_brand_config_drafts")),
    )
    op.create_table(
        "brand_config_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_brand_config_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_config_notices")),
        sa.UniqueConstraint(
            "tenant_id", "version", "user_id", name=op.f("uq_brand_config_notices_tenant_id")
        ),
    )
    op.create_index(
        op.f("ix_brand_config_notices_tenant_id"),
        "brand_config_notices",
        ["tenant_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_brand_config_notices_tenant_id"), table_name="brand_config_notices")
    op.drop_table("brand_config_notices")
    op.drop_table("brand_config_drafts")
    op.execute("DROP TRIGGER brand_config_versions_immutable ON brand_config_versions")
    op.execute("DROP FUNCTION brand_config_versions_immutable()")
    op.drop_index(op.f("ix_brand_config_versions_tenant_id"), table_name="brand_config_versions")
    op.drop_table("brand_config_versions")
