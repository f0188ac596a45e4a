"""retention engine: holds, sweep history, erasures, the indexes the sweeps use

Revision ID: 0005
Revises: 0007
Create Date: 2026-11-30 12:00:00.000000

The ledger outlives the account: point_movements.user_id becomes nullable and is set
to NULL when the user row goes (it was ON DELETE CASCADE, which would have deleted the
transactions with the account). Consent records keep the choice but lose the IP value
after the log period, so ip_value becomes nullable.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, columns, partial-index condition)
INDEXES: list[tuple[str, str, list[str], str | None]] = [
    ("ix_users_tenant_last_access", "users", ["tenant_id", "last_access_at"], None),
    ("ix_security_events_tenant_created", "security_events", ["tenant_id", "created_at"], None),
    (
        "ix_consent_records_tenant_created_ip",
        "consent_records",
        ["tenant_id", "created_at"],
        "ip_value IS NOT NULL",
    ),
    (
        "ix_content_items_live_created",
        "content_items",
        ["tenant_id", "created_at"],
        "deleted_at IS NULL",
    ),
    (
        "ix_content_items_trashed",
        "content_items",
        ["tenant_id", "deleted_at"],
        "deleted_at IS NOT NULL",
    ),
    ("ix_uploads_tenant_created", "uploads", ["tenant_id", "created_at"], None),
    ("ix_uploads_trashed", "uploads", ["tenant_id", "deleted_at"], "deleted_at IS NOT NULL"),
    ("ix_chat_messages_tenant_created", "chat_messages", ["tenant_id", "created_at"], None),
]


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("inactivity_warned_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.alter_column("consent_records", "ip_value", existing_type=sa.Text(), nullable=True)
    op.drop_constraint(
        op.f("fk_point_movements_user_id_users"), "point_movements", type_="foreignkey"
    )
    op.alter_column("point_movements", "user_id", existing_type=sa.Uuid(), nullable=True)
    op.create_foreign_key(
        op.f("fk_point_movements_user_id_users"),
        "point_movements",
        "users",
        ["user_id"],
        ["id"],
        ondelete="SET NULL",
    )
    for name, table, columns, where in INDEXES:
        op.create_index(
            name,
            table,
            columns,
            unique=False,
            postgresql_where=sa.text(where) if where else None,
        )

    op.create_table(
        "holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("placed_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=120), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "subject_kind IN ('account', 'content_item', 'upload')",
            name=op.f("ck_holds_subject_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_index(op.f("ix_holds_tenant_id"), "holds", ["tenant_id"], unique=False)
    op.create_index(
        "ix_holds_active_subject",
        "holds",
        ["tenant_id", "subject_kind", "subject_id"],
        unique=False,
        postgresql_where=sa.text("lifted_at IS NULL"),
    )

    op.create_table(
        "retention_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    op.create_index(
        op.f("ix_retention_runs_tenant_id"), "retention_runs", ["tenant_id"], unique=False
    )
    op.create_index("ix_retention_runs_started", "retention_runs", ["started_at"], unique=False)

    op.create_table(
        "erasures",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "reason IN ('inactive', 'child', 'self_service', 'data_subject_request')",
            name=op.f("ck_erasures_reason"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index(op.f("ix_erasures_tenant_id"), "erasures", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_table("retention_runs")
    op.drop_table("holds")
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_constraint(
        op.f("fk_point_movements_user_id_users"), "point_movements", type_="foreignkey"
    )
    # Ledger rows whose account was erased cannot point at a user again.
    op.execute("DELETE FROM point_movements WHERE user_id IS NULL")
    op.alter_column("point_movements", "user_id", existing_type=sa.Uuid(), nullable=False)
    op.create_foreign_key(
        op.f("fk_point_movements_user_id_users"),
        "point_movements",
        "users",
        ["user_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.execute("UPDATE consent_records SET ip_value = 'unknown' WHERE ip_value IS NULL")
    op.alter_column("consent_records", "ip_value", existing_type=sa.Text(), nullable=False)
    op.drop_column("users", "inactivity_warned_at")
