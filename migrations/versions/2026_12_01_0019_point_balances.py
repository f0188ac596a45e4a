"""a stored running balance per user, backfilled from the ledger, and the balance checks

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-01 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "point_balances",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_point_balances_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_point_balances")),
    )
    op.create_index(
        op.f("ix_point_balances_tenant_id"), "point_balances", ["tenant_id"], unique=False
    )
    op.create_table(
        "point_balance_checks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("mismatches", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_balance_checks")),
    )
    op.create_index(
        op.f("ix_point_balance_checks_tenant_id"),
        "point_balance_checks",
        ["tenant_id"],
        unique=False,
    )
    # The ledger is locked against writes for the backfill so no movement lands
    # between the sum and the new table taking over (migrations run before serving).
    op.execute("LOCK TABLE point_movements IN SHARE MODE")
    op.execute(
        "INSERT INTO point_balances (user_id, tenant_id, balance, updated_at) "
        "SELECT user_id, tenant_id, SUM(amount), now() FROM point_movements "
        "WHERE user_id IS NOT NULL GROUP BY user_id, tenant_id"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_point_balance_checks_tenant_id"), table_name="point_balance_checks")
    op.drop_table("point_balance_checks")
    op.drop_index(op.f("ix_point_balances_tenant_id"), table_name="point_balances")
    op.drop_table("point_balances")
