"""The database counts ``/metrics`` reads at scrape time beyond jobs: data-subject
requests open, overdue and due soon, and rows kept past their retention deadline — what
ops alert on so that no deadline a policy states passes unnoticed. Per tenant: one
tenant's late work never shows under another's name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from retention_world import World, days_ago
from sqlalchemy import text
from test_ops_health_metrics import sample

from warren.db.base import utcnow
from warren.db.engine import make_engine
from warren.ops.scrape import DUE_SOON, exposition
from warren.rights.deadlines import Jurisdiction
from warren.rights.models import RequestChannel, RequestKind, RequestState
from warren.rights.requests import move, open_request
from warren.runtime import Runtime


@pytest.fixture
def world(runtime: Runtime, clean_db: None) -> Iterator[World]:
    yield World(runtime, env={})
    with runtime.engine.begin() as conn:
        conn.execute(text("TRUNCATE data_subject_requests CASCADE"))


def scrape(runtime: Runtime, grace: timedelta = timedelta(0)) -> str:
    return exposition(
        runtime.engine, runtime.broker, "default", None, tuple(runtime.registry), grace
    ).decode()


def open_one(
    runtime: Runtime, slug: str, received_days_ago: float, jurisdiction: Jurisdiction
) -> None:
    tenant = runtime.registry.get(slug)
    with runtime.sessions() as db:
        open_request(
            db,
            tenant,
            RequestKind.ACCESS,
            RequestChannel.EMAIL,
            jurisdiction,
            days_ago(received_days_ago),
            "test",
        )
        db.commit()


def test_requests_overdue_and_due_soon_are_counted_per_tenant(
    runtime: Runtime, world: World
) -> None:
    deadline = runtime.registry.get("vizardio").policy.rights_deadline
    # vizardio: one past its deadline, one inside the last week, one with time to spare,
    # and one already answered (late, but closed: no longer anybody's work).
    open_one(runtime, "vizardio", deadline.days + 3, Jurisdiction.OTHER)
    open_one(runtime, "vizardio", deadline.days - DUE_SOON.days + 2, Jurisdiction.OTHER)
    open_one(runtime, "vizardio", 1, Jurisdiction.OTHER)
    tenant = runtime.registry.get("vizardio")
    with runtime.sessions() as db:
        closed = open_request(
            db,
            tenant,
            RequestKind.ERASURE,
            RequestChannel.EMAIL,
            Jurisdiction.OTHER,
            days_ago(deadline.days + 10),
            "test",
        )
        move(db, tenant, closed.id, RequestState.IN_PROGRESS, "test")
        move(db, tenant, closed.id, RequestState.COMPLETED, "test")
        db.commit()

    body = scrape(runtime)
    assert sample(body, "warren_scrape_source_up", source="rights") == 1
    assert sample(body, "warren_rights_requests_open", tenant="vizardio", state="received") == 3
    assert sample(body, "warren_rights_requests_overdue", tenant="vizardio") == 1
    assert sample(body, "warren_rights_requests_due_soon", tenant="vizardio") == 1
    # Another tenant with nothing open reports zero, not a missing series an alert
    # rule would read as "no data".
    assert sample(body, "warren_rights_requests_overdue", tenant="songly") == 0
    assert sample(body, "warren_rights_requests_due_soon", tenant="songly") == 0


def test_rows_past_their_retention_deadline_are_a_gauge_per_tenant_and_rule(
    runtime: Runtime, world: World
) -> None:
    viz = runtime.registry.get("vizardio")
    log_days = viz.retention.log_months * 31
    # A security event kept well past the log retention the policy states.
    world.event("vizardio", created=days_ago(log_days + 40), ip="hmac-sha256:old")
    world.event("songly", created=days_ago(1), ip="hmac-sha256:new")
    user = world.user("songly", "fresh-upload-owner")
    world.upload(user, created=utcnow())

    body = scrape(runtime)
    assert sample(body, "warren_scrape_source_up", source="retention") == 1
    late = {
        (labels_tenant, rule)
        for labels_tenant in ("vizardio", "songly")
        for rule in ("logs", "uploads")
        if (sample(body, "warren_retention_overdue_rows", tenant=labels_tenant, rule=rule) or 0) > 0
    }
    assert late == {("vizardio", "logs")}
    # The grace ops allow the sweep hides what is only a little late.
    lenient = scrape(runtime, grace=timedelta(days=400))
    assert not sample(lenient, "warren_retention_overdue_rows", tenant="vizardio", rule="logs")


def test_sources_that_fail_are_reported_and_the_queue_still_answers(
    runtime: Runtime, empty_database: str
) -> None:
    # A database with none of warren's tables: every database source fails.
    elsewhere = make_engine(empty_database)
    try:
        body = exposition(
            elsewhere, runtime.broker, "default", None, tuple(runtime.registry), timedelta(0)
        ).decode()
    finally:
        elsewhere.dispose()
    for source in ("jobs", "payments", "rights", "retention", "points"):
        assert sample(body, "warren_scrape_source_up", source=source) == 0
    assert sample(body, "warren_scrape_source_up", source="queue") == 1
