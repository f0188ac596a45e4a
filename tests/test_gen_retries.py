"""Provider calls per job are bounded by the one retry policy, whoever redelivers what.

The job runs through the real actor on a Dramatiq worker, against a stand-in service that
counts the requests it gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from test_generation_runner import job, make_user, movements, submit

from warren.billing.ledger import balance
from warren.generation.retry_policy import PROVIDER_CALLS
from warren.generation.runner import Outcome, run_job
from warren.runtime import Runtime

from conftest import worker_for
from standin_service import Answer, FakeService, chat_answer, standin_service, with_standin

OVERLOADED = Answer(status=503, body={"error": {"message": "overloaded"}})


@pytest.fixture
def poems(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[Runtime, FakeService]]:
    with standin_service() as service:
        routed = {"songly": {"products": ["poem"]}}
        yield with_standin(runtime, service, tmp_path, routed), service


def test_a_provider_that_always_fails_is_called_max_attempts_times_in_all(
    poems: tuple[Runtime, FakeService], stub_broker: StubBroker, clean_db: None
) -> None:
    runtime, service = poems
    service.fallback = OVERLOADED
    tenant = runtime.registry.get("songly")
    user = make_user(runtime, tenant, "unlucky", 20)
    job_id = submit(runtime, tenant, user)

    with worker_for(runtime, stub_broker) as drain:
        drain()

    assert len(service.requests) == PROVIDER_CALLS.max_attempts
    failed = job(runtime, job_id)
    assert failed.status == "failed"
    assert "503" in (failed.error or "")
    assert movements(runtime, job_id) == ["reserve", "refund"]
    with runtime.sessions() as db:
        assert balance(db, tenant, user) == 20


def test_a_call_retried_then_answered_is_charged_once(
    poems: tuple[Runtime, FakeService], clean_db: None
) -> None:
    runtime, service = poems
    service.answers = [OVERLOADED, chat_answer("The sea, the sea.")]
    tenant = runtime.registry.get("songly")
    price = tenant.products["poem"].price
    user = make_user(runtime, tenant, "patient", 20)
    job_id = submit(runtime, tenant, user)

    assert run_job(runtime, tenant, job_id) is Outcome.DONE

    assert len(service.requests) == 2
    done = job(runtime, job_id)
    assert (done.status, done.attempts, done.error) == ("done", 2, None)
    # No refund for the failed call: the points are held, then captured, once.
    assert movements(runtime, job_id) == ["reserve", "capture"]
    with runtime.sessions() as db:
        assert balance(db, tenant, user) == 20 - price
    assert run_job(runtime, tenant, job_id) is Outcome.SKIPPED
    assert movements(runtime, job_id) == ["reserve", "capture"]


def test_a_job_taken_over_after_a_crash_only_makes_the_calls_left(
    poems: tuple[Runtime, FakeService], clean_db: None
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from warren.db.base import utcnow
    from warren.generation.models import Job, JobState

    runtime, service = poems
    service.fallback = OVERLOADED
    tenant = runtime.registry.get("songly")
    job_id = submit(runtime, tenant, make_user(runtime, tenant, "crashy", 20))
    # A worker made two calls, then died mid-call: its lease has run out.
    with runtime.sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status=JobState.RUNNING,
                attempts=PROVIDER_CALLS.max_attempts - 1,
                lease_until=utcnow() - timedelta(seconds=1),
            )
        )
        db.commit()

    assert run_job(runtime, tenant, job_id) is Outcome.FAILED
    assert len(service.requests) == 1
    assert movements(runtime, job_id) == ["reserve", "refund"]
