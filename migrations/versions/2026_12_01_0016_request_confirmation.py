"""a request that came by email can be confirmed by a link sent to the account's address

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "data_subject_requests",
        sa.Column("confirmation_hash", sa.LargeBinary(length=32), nullable=True),
    )
    op.add_column(
        "data_subject_requests",
        sa.Column("confirmation_expires_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("data_subject_requests", "confirmation_expires_at")
    op.drop_column("data_subject_requests", "confirmation_hash")
