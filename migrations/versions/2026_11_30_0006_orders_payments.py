"""orders, demo gateway payments, checkout drafts; purchases in the ledger

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 12:00:00.000000

Orders are accounting records: their user reference is cut (SET NULL) when an account is
deleted, so they outlive it for the tenant's transaction period. A gateway's payment id
is unique per gateway, and the ledger takes at most one purchase and one reversal per
order. The values of each CHECK are written out, not imported, so this revision means
the same thing whatever the models later become.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('grant', 'reserve', 'capture', 'refund')"
NEW_KINDS = "kind IN ('grant', 'reserve', 'capture', 'refund', 'purchase', 'reversal')"


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("item_key", sa.String(length=40), nullable=False),
        sa.Column("item_kind", sa.String(length=10), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("prime_days", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("gateway_payment_id", sa.String(length=120), nullable=True),
        sa.Column("confirmation", sa.Text(), nullable=True),
        sa.Column("refund_id", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "state IN ('created', 'pending', 'paid', 'failed', 'cancelled', 'refunded')",
            name=op.f("ck_orders_state"),
        ),
        sa.CheckConstraint("item_kind IN ('points', 'prime')", name=op.f("ck_orders_item_kind")),
        sa.CheckConstraint(
            "gateway IN ('demo', 'stripe', 'yookassa')", name=op.f("ck_orders_gateway")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_orders_amount_positive")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_orders_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("gateway", "gateway_payment_id", name="uq_orders_gateway_payment"),
    )
    op.create_index(op.f("ix_orders_tenant_id"), "orders", ["tenant_id"], unique=False)
    op.create_index("ix_orders_tenant_user", "orders", ["tenant_id", "user_id"], unique=False)
    op.create_index("ix_orders_state_created", "orders", ["state", "created_at"], unique=False)

    op.create_table(
        "demo_payments",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("success_url", sa.Text(), nullable=False),
        sa.Column("cancel_url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'succeeded', 'failed', 'abandoned', 'refunded')",
            name=op.f("ck_demo_payments_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_payments")),
    )
    op.create_index(
        op.f("ix_demo_payments_tenant_id"), "demo_payments", ["tenant_id"], unique=False
    )

    op.create_table(
        "checkout_drafts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("product_key", sa.String(length=40), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("reference_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_checkout_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkout_drafts")),
    )
    op.create_index(
        op.f("ix_checkout_drafts_tenant_id"), "checkout_drafts", ["tenant_id"], unique=False
    )
    op.create_index(
        op.f("ix_checkout_drafts_order_id"), "checkout_drafts", ["order_id"], unique=False
    )

    op.add_column("point_movements", sa.Column("order_id", sa.Uuid(), nullable=True))
    op.create_index(
        "uq_point_movements_order_kind",
        "point_movements",
        ["order_id", "kind"],
        unique=True,
        postgresql_where=sa.text("order_id IS NOT NULL"),
    )
    op.drop_constraint(op.f("ck_point_movements_kind"), "point_movements", type_="check")
    op.create_check_constraint(op.f("ck_point_movements_kind"), "point_movements", NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM point_movements WHERE kind IN ('purchase', 'reversal')")
    op.drop_constraint(op.f("ck_point_movements_kind"), "point_movements", type_="check")
    op.create_check_constraint(op.f("ck_point_movements_kind"), "point_movements", OLD_KINDS)
    op.drop_index("uq_point_movements_order_kind", table_name="point_movements")
    op.drop_column("point_movements", "order_id")
    op.drop_table("checkout_drafts")
    op.drop_table("demo_payments")
    op.drop_table("orders")
