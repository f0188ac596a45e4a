"""The schema comes from migrations, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from warren.runtime import Runtime
from warren.schema import Base


def test_migrated_schema_matches_the_models(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


# Queue plumbing, not data of a tenant: an outbox row lives until its message is sent
# (milliseconds, or until the relay's next run), a receipt is a message id.
QUEUE_PLUMBING = {"outbox", "message_receipts"}


def test_every_tenant_owned_table_has_tenant_id(runtime: Runtime) -> None:
    inspector = inspect(runtime.engine)
    tables = set(inspector.get_table_names()) - {"alembic_version"} - QUEUE_PLUMBING
    assert {
        "users",
        "jobs",
        "uploads",
        "content_items",
        "point_movements",
        "chat_messages",
    } <= tables
    for table in tables:
        columns = {column["name"] for column in inspector.get_columns(table)}
        assert "tenant_id" in columns, table
