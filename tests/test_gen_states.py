"""Enumerated columns hold only their listed values; the database itself refuses others."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError, StatementError
from test_generation_runner import make_user

from warren.db.unit_of_work import unit_of_work
from warren.generation.models import Job, JobState
from warren.generation.submit import submit_generation
from warren.runtime import Runtime


@pytest.fixture
def job_id(runtime: Runtime, clean_db: None) -> uuid.UUID:
    tenant = runtime.registry.get("vizardio")
    user = make_user(runtime, tenant, "stately", 50)
    with unit_of_work(runtime.sessions) as db:
        return submit_generation(db, tenant, user, "poem", "About the sea", []).id


def test_a_job_state_is_an_enum_equal_to_its_text(runtime: Runtime, job_id: uuid.UUID) -> None:
    with runtime.sessions() as db:
        job = db.get(Job, job_id)
        assert job is not None
        assert job.status is JobState.PENDING
        assert job.status == "pending"


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        ("UPDATE jobs SET status = 'paused' WHERE id = :job", "ck_jobs_status"),
        ("UPDATE jobs SET category = 'hologram' WHERE id = :job", "ck_jobs_category"),
        ("UPDATE point_movements SET kind = 'gift' WHERE job_id = :job", "ck_point_movements_kind"),
    ],
)
def test_the_database_refuses_a_value_outside_the_list(
    runtime: Runtime, job_id: uuid.UUID, sql: str, constraint: str
) -> None:
    with runtime.engine.connect() as conn, pytest.raises(IntegrityError, match=constraint):
        conn.execute(text(sql), {"job": job_id})


def test_the_model_refuses_a_bad_state_before_the_database_does(
    runtime: Runtime, job_id: uuid.UUID
) -> None:
    with runtime.sessions() as db, pytest.raises(StatementError, match="not a valid JobState"):
        db.execute(update(Job).where(Job.id == job_id).values(status="Done"))


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        (
            "INSERT INTO uploads (id, tenant_id, user_id, kind, content_type, size_bytes,"
            " display_name, storage_key, created_at, expires_at)"
            " VALUES (gen_random_uuid(), 'vizardio', :user, 'pdf', 'application/pdf', 1,"
            " 'x', 'k', now(), now())",
            "ck_uploads_kind",
        ),
        (
            "INSERT INTO content_items (id, tenant_id, user_id, category, product_key, title,"
            " content_type, extension, size_bytes, storage_key, is_demo, source_upload_ids,"
            " created_at, created_with_prime)"
            " VALUES (gen_random_uuid(), 'vizardio', :user, 'assistant', 'p', 't', 'text/plain',"
            " 'txt', 1, 'k', false, '{}', now(), false)",
            "ck_content_items_category",
        ),
        (
            "INSERT INTO chat_messages (tenant_id, user_id, assistant_key, role, content,"
            " created_at) VALUES ('vizardio', :user, 'muse', 'system', 'x', now())",
            "ck_chat_messages_role",
        ),
    ],
)
def test_rows_with_a_value_outside_the_list_are_refused(
    runtime: Runtime, job_id: uuid.UUID, sql: str, constraint: str
) -> None:
    with runtime.engine.connect() as conn:
        user = conn.execute(
            text("SELECT user_id FROM jobs WHERE id = :job"), {"job": job_id}
        ).scalar()
        with pytest.raises(IntegrityError, match=constraint):
            conn.execute(text(sql), {"user": user})
