"""Rows a benchmark needs in bulk, written by SQL (``generate_series``) rather than
through warren's services: a history of 10,000 jobs in one statement, not 10,000
submissions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

_USER = text(
    "INSERT INTO users (id, tenant_id, email, username, password_hash,"
    " accepted_policy_version, adult_confirmed_at, created_at, last_access_at)"
    " VALUES (:u, :t, :e, :n, 'x', 'v', now(), now(), now())"
)
# One a second from ``start`` on, each a finished poem.
_DONE_JOBS = text(
    "INSERT INTO jobs (id, tenant_id, user_id, product_key, category, provider,"
    " prompt, reference_ids, price, status, attempts, created_at, queued_at)"
    " SELECT gen_random_uuid(), :t, :u, 'poem', 'poem', 'demo', 'p', '{}', 5,"
    " 'done', 1, :start + (g || ' seconds')::interval, now()"
    " FROM generate_series(1, :n) g"
)


def user(db: Connection | Session, slug: str, email: str, username: str) -> uuid.UUID:
    """A user who cannot sign in (no real password hash)."""
    user_id = uuid.uuid4()
    db.execute(_USER, {"u": user_id, "t": slug, "e": email, "n": username})
    return user_id


def done_jobs(
    db: Connection | Session, slug: str, user_id: uuid.UUID, count: int, start: datetime
) -> None:
    db.execute(_DONE_JOBS, {"t": slug, "u": user_id, "n": count, "start": start})
