"""admin console: admin accounts, invitations and sessions, the request desk, and the
audit log with its append-only trigger

The trigger refuses UPDATE and DELETE on admin_audit_log: the log is evidence, and the
hash chain (warren.admin.audit) only detects a rewrite after the fact. Two exceptions,
each only in a transaction that sets its flag: retention (a DELETE, with
warren.audit_retention on: warren.admin.audit.prune) and rehashing addresses after a
brand switched to hashed IPs (an UPDATE of ip_value alone, to a hash, with
warren.audit_rehash on: warren.admin.audit.rehash_ips). TRUNCATE is a table owner's
operation and is not covered.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 23:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION admin_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('warren.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('warren.audit_rehash', true) = 'on'
        AND NEW.ip_value LIKE 'hmac-sha256:%'
        AND (to_jsonb(NEW) - 'ip_value') = (to_jsonb(OLD) - 'ip_value') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'admin_audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "admin_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("totp_secret", sa.LargeBinary(), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by", sa.String(length=200), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(role = 'ops') = (tenant_id IS NULL)", name=op.f("ck_admin_accounts_ops_spans_tenants")
        ),
        sa.CheckConstraint(
            "role IN ('ops', 'admin', 'support', 'moderator')", name=op.f("ck_admin_accounts_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_accounts")),
        sa.UniqueConstraint(
            "tenant_id",
            "email",
            name=op.f("uq_admin_accounts_tenant_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        op.f("ix_admin_accounts_tenant_id"), "admin_accounts", ["tenant_id"], unique=False
    )
    op.create_table(
        "admin_audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("ip_value", sa.String(length=100), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit_log")),
        sa.UniqueConstraint("tenant_id", "seq", name=op.f("uq_admin_audit_log_tenant_id")),
    )
    op.create_index(
        op.f("ix_admin_audit_log_tenant_id"), "admin_audit_log", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_admin_audit_log_tenant_newest", "admin_audit_log", ["tenant_id", "id"], unique=False
    )
    op.create_table(
        "admin_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("admin_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["admin_accounts.id"],
            name=op.f("fk_admin_invitations_admin_id_admin_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_admin_invitations_token_hash")),
    )
    op.create_index(
        op.f("ix_admin_invitations_admin_id"), "admin_invitations", ["admin_id"], unique=False
    )
    op.create_index(
        op.f("ix_admin_invitations_tenant_id"), "admin_invitations", ["tenant_id"], unique=False
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("admin_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["admin_accounts.id"],
            name=op.f("fk_admin_sessions_admin_id_admin_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_admin_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_admin_sessions_admin_id"), "admin_sessions", ["admin_id"], unique=False
    )
    op.create_index(
        op.f("ix_admin_sessions_tenant_id"), "admin_sessions", ["tenant_id"], unique=False
    )
    op.create_table(
        "admin_request_desk",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("requester_email", sa.String(length=320), nullable=True),
        sa.Column("assigned_to", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_to"],
            ["admin_accounts.id"],
            name=op.f("fk_admin_request_desk_assigned_to_admin_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_subject_requests.id"],
            name=op.f("fk_admin_request_desk_request_id_data_subject_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_admin_request_desk")),
    )
    op.create_index(
        op.f("ix_admin_request_desk_assigned_to"),
        "admin_request_desk",
        ["assigned_to"],
        unique=False,
    )
    op.create_index(
        op.f("ix_admin_request_desk_tenant_id"), "admin_request_desk", ["tenant_id"], unique=False
    )
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER admin_audit_log_append_only BEFORE UPDATE OR DELETE ON admin_audit_log "
        "FOR EACH ROW EXECUTE FUNCTION admin_audit_log_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER admin_audit_log_append_only ON admin_audit_log")
    op.execute("DROP FUNCTION admin_audit_log_append_only()")
    op.drop_table("admin_request_desk")
    op.drop_index(op.f("ix_admin_sessions_tenant_id"), table_name="admin_sessions")
    op.drop_index(op.f("ix_admin_sessions_admin_id"), table_name="admin_sessions")
    op.drop_table("admin_sessions")
    op.drop_index(op.f("ix_admin_invitations_tenant_id"), table_name="admin_invitations")
    op.drop_index(op.f("ix_admin_invitations_admin_id"), table_name="admin_invitations")
    op.drop_table("admin_invitations")
    op.drop_index("ix_admin_audit_log_tenant_newest", table_name="admin_audit_log")
    op.drop_index(op.f("ix_admin_audit_log_tenant_id"), table_name="admin_audit_log")
    op.drop_table("admin_audit_log")
    op.drop_index(op.f("ix_admin_accounts_tenant_id"), table_name="admin_accounts")
    op.drop_table("admin_accounts")
