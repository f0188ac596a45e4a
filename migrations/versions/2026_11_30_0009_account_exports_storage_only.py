"""account exports, and the per-user "use my data only for storage" flag

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


def downgrade() -> None:
    op.drop_index(op.f("ix_account_exports_user_id"), table_name="account_exports")
    op.drop_index(op.f("ix_account_exports_tenant_id"), table_name="account_exports")
    op.drop_table("account_exports")
    op.drop_column("users", "storage_only")
