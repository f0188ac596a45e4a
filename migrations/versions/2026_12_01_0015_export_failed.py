"""account exports can fail: a state the page shows, instead of "being prepared" forever

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 00:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_account_exports_state"), "account_exports", type_="check")
    op.create_check_constraint(
        op.f("ck_account_exports_state"),
        "account_exports",
        "state IN ('requested', 'building', 'ready', 'failed')",
    )


def downgrade() -> None:
    op.execute("UPDATE account_exports SET state = 'requested' WHERE state = 'failed'")
    op.drop_constraint(op.f("ck_account_exports_state"), "account_exports", type_="check")
    op.create_check_constraint(
        op.f("ck_account_exports_state"),
        "account_exports",
        "state IN ('requested', 'building', 'ready')",
    )
