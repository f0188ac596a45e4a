"""check enumerated columns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00.000000

Every text column that holds one of a fixed set of values gets a CHECK, so a typo in
code (or a hand-edited row) is refused by the database instead of leaving a job in a
state no code path handles. The values are written out here, not imported, so this
revision means the same thing whatever the models later become.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS: list[tuple[str, str, tuple[str, ...]]] = [
    ("jobs", "status", ("pending", "running", "done", "failed")),
    ("jobs", "category", ("song", "image", "poem", "text", "video", "assistant")),
    ("uploads", "kind", ("image", "audio", "video", "text")),
    ("content_items", "category", ("song", "image", "poem", "text", "video")),
    ("point_movements", "kind", ("grant", "reserve", "capture", "refund")),
    ("chat_messages", "role", ("user", "assistant")),
]


def upgrade() -> None:
    for table, column, values in CHECKS:
        listed = ", ".join(f"'{value}'" for value in values)
        op.create_check_constraint(op.f(f"ck_{table}_{column}"), table, f"{column} IN ({listed})")


def downgrade() -> None:
    for table, column, _ in reversed(CHECKS):
        op.drop_constraint(op.f(f"ck_{table}_{column}"), table, type_="check")
