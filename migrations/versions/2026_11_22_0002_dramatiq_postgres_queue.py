"""The dramatiq-postgres broker's tables, for deployments that queue on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:00:00

Created here rather than by `dramatiq-postgres init` so that migrations stay the only
way the schema is made; the SQL is the package's own, for the pinned version.
"""

from collections.abc import Sequence

from alembic import op
from dramatiq_postgres import generate_init_sql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS dramatiq")
    exists = op.get_bind().exec_driver_sql("SELECT to_regclass('dramatiq.queue')").scalar()
    if exists is None:
        op.get_bind().exec_driver_sql(generate_init_sql(schema="dramatiq"))


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS dramatiq CASCADE")
