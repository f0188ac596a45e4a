"""account exports, the per-user "use my data only for storage" flag, data-subject
requests and their transitions

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-30 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("storage_only", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "account_exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("storage_key", sa.String(length=300), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "state IN ('requested', 'building', 'ready')",
            name=op.f("ck_account_exports_state"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_exports")),
    )
    op.create_index(
        op.f("ix_account_exports_tenant_id"), "account_exports", ["tenant_id"], unique=False
    )
    op.create_index(
        op.f("ix_account_exports_user_id"), "account_exports", ["user_id"], unique=False
    )

    op.create_table(
        "data_subject_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "kind IN ('access', 'correction', 'erasure', 'restriction', 'objection', "
            "'portability', 'other')",
            name=op.f("ck_data_subject_requests_kind"),
        ),
        sa.CheckConstraint(
            "channel IN ('web', 'email')", name=op.f("ck_data_subject_requests_channel")
        ),
        sa.CheckConstraint(
            "jurisdiction IN ('gdpr', 'ccpa', 'other')",
            name=op.f("ck_data_subject_requests_jurisdiction"),
        ),
        sa.CheckConstraint(
            "state IN ('received', 'verifying', 'in_progress', 'completed', 'refused')",
            name=op.f("ck_data_subject_requests_state"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_subject_requests_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_subject_requests")),
    )
    op.create_index(
        op.f("ix_data_subject_requests_tenant_id"),
        "data_subject_requests",
        ["tenant_id"],
        unique=False,
    )
    op.create_index(
        "ix_data_subject_requests_open_due",
        "data_subject_requests",
        ["tenant_id", "state", "due_at"],
        unique=False,
    )
    op.create_table(
        "data_subject_request_transitions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_subject_requests.id"],
            name=op.f("fk_data_subject_request_transitions_request_id_data_subject_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_subject_request_transitions")),
    )
    op.create_index(
        op.f("ix_data_subject_request_transitions_request_id"),
        "data_subject_request_transitions",
        ["request_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_data_subject_request_transitions_tenant_id"),
        "data_subject_request_transitions",
        ["tenant_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("data_subject_request_transitions")
    op.drop_table("data_subject_requests")
    op.drop_index(op.f("ix_account_exports_user_id"), table_name="account_exports")
    op.drop_index(op.f("ix_account_exports_tenant_id"), table_name="account_exports")
    op.drop_table("account_exports")
    op.drop_column("users", "storage_only")
