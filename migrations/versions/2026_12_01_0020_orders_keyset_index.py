"""the order history pages a user's jobs newest first by keyset: index the key

Revision ID: 0020_orders
Revises: 0019
Create Date: 2026-12-01 03:20:00.000000

(tenant_id, user_id) alone made every page read and sort all of the user's jobs; with
(created_at, id) behind it a page reads its 21 rows. It covers every query the old
(tenant_id, user_id) index served, which is dropped.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_orders"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_jobs_tenant_user_created", "jobs", ["tenant_id", "user_id", "created_at", "id"]
    )
    op.drop_index("ix_jobs_tenant_user", table_name="jobs")


def downgrade() -> None:
    op.create_index("ix_jobs_tenant_user", "jobs", ["tenant_id", "user_id"])
    op.drop_index("ix_jobs_tenant_user_created", table_name="jobs")
