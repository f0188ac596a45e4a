"""data-subject requests made on the brand's site: what the requester wrote

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-01 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("data_subject_requests", sa.Column("details", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("data_subject_requests", "details")
