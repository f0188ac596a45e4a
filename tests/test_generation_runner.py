"""The job runner under redelivery, worker death, provider failure and concurrency."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select, update

from warren.accounts.signup import SignUpForm, sign_up
from warren.billing.ledger import balance, grant
from warren.billing.models import PointMovement
from warren.chat.conversation import add_message, history
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.errors import InsufficientPoints
from warren.generation.models import Job
from warren.generation.recovery import recover_stale_jobs
from warren.generation.runner import MAX_ATTEMPTS, Outcome, RetryLater, run_job
from warren.generation.submit import submit_generation
from warren.library.models import ContentItem
from warren.media.models import Upload
from warren.privacy.policy import policy_version
from warren.queue.broker import QUEUE_NAME
from warren.runtime import Runtime
from warren.tenancy.tenant import Tenant

from standin_service import Answer, FakeService, standin_service, with_standin

ROOT = Path(__file__).resolve().parents[1]


def make_user(runtime: Runtime, tenant: Tenant, name: str, points: int) -> uuid.UUID:
    version = policy_version(tenant)
    form = SignUpForm(f"{name}@example.com", name, "correct horse battery", True, version)
    with runtime.sessions() as db:
        user = sign_up(db, tenant, form, version, "test").user
        assert user is not None
        if points:
            grant(db, tenant, user.id, points, "test")
        db.commit()
        return user.id


def submit(
    runtime: Runtime, tenant: Tenant, user_id: uuid.UUID, product: str = "poem"
) -> uuid.UUID:
    with unit_of_work(runtime.sessions) as db:
        return submit_generation(db, tenant, user_id, product, "About the sea", []).id


def movements(runtime: Runtime, job_id: uuid.UUID) -> list[str]:
    with runtime.sessions() as db:
        return list(
            db.scalars(
                select(PointMovement.kind)
                .where(PointMovement.job_id == job_id)
                .order_by(PointMovement.id)
            )
        )


def job(runtime: Runtime, job_id: uuid.UUID) -> Job:
    with runtime.sessions() as db:
        found = db.get(Job, job_id)
        assert found is not None
        return found


def test_a_redelivered_message_runs_the_job_once(runtime: Runtime, clean_db: None) -> None:
    tenant = runtime.registry.get("vizardio")
    user = make_user(runtime, tenant, "once", 20)
    job_id = submit(runtime, tenant, user)
    assert run_job(runtime, tenant, job_id) is Outcome.DONE
    assert run_job(runtime, tenant, job_id) is Outcome.SKIPPED
    with runtime.sessions() as db:
        assert len(db.scalars(select(ContentItem)).all()) == 1
        assert balance(db, tenant, user) == 20 - tenant.products["poem"].price
    assert movements(runtime, job_id) == ["reserve", "capture"]


def test_a_job_whose_worker_died_is_taken_over_after_its_lease(
    runtime: Runtime, clean_db: None
) -> None:
    tenant = runtime.registry.get("songly")
    user = make_user(runtime, tenant, "crash", 20)
    job_id = submit(runtime, tenant, user)
    # A worker claimed it and died: the row says running, with a live lease.
    with runtime.sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="running", attempts=1, lease_until=utcnow() + timedelta(minutes=5))
        )
        db.commit()
    with pytest.raises(RetryLater):
        run_job(runtime, tenant, job_id)
    with runtime.sessions() as db:
        db.execute(
            update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1))
        )
        db.commit()
    assert run_job(runtime, tenant, job_id) is Outcome.DONE
    finished = job(runtime, job_id)
    assert finished.status == "done"
    assert finished.attempts == 2
    assert movements(runtime, job_id) == ["reserve", "capture"]


def test_a_job_for_another_tenant_is_not_run_under_this_one(
    runtime: Runtime, clean_db: None
) -> None:
    songly, homiwork = runtime.registry.get("songly"), runtime.registry.get("homiwork")
    job_id = submit(runtime, songly, make_user(runtime, songly, "mine", 20))
    assert run_job(runtime, homiwork, job_id) is Outcome.SKIPPED
    assert job(runtime, job_id).status == "pending"


@pytest.fixture
def failing_runtime(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[Runtime, FakeService]]:
    """The same runtime, with songly's poems made by a provider that answers 503."""
    with standin_service() as service:
        service.fallback = Answer(status=503, body={"error": {"message": "overloaded"}})
        routed = {"songly": {"products": ["poem"]}}
        yield with_standin(runtime, service, tmp_path, routed), service


def test_provider_failures_are_retried_then_fail_with_a_reason_and_a_refund(
    failing_runtime: tuple[Runtime, FakeService], clean_db: None
) -> None:
    runtime, service = failing_runtime
    tenant = runtime.registry.get("songly")
    user = make_user(runtime, tenant, "unlucky", 20)
    job_id = submit(runtime, tenant, user)
    # The retry policy runs inside one run of the job: no redelivery is needed.
    assert run_job(runtime, tenant, job_id) is Outcome.FAILED
    failed = job(runtime, job_id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert "503" in failed.error or "did not" in failed.error
    assert "sk-standin-key" not in failed.error
    assert len(service.requests) == MAX_ATTEMPTS
    assert failed.attempts == MAX_ATTEMPTS
    assert movements(runtime, job_id) == ["reserve", "refund"]
    with runtime.sessions() as db:
        assert balance(db, tenant, user) == 20
    # A late redelivery changes nothing.
    assert run_job(runtime, tenant, job_id) is Outcome.SKIPPED
    assert movements(runtime, job_id) == ["reserve", "refund"]


def test_a_refusal_fails_at_once(
    failing_runtime: tuple[Runtime, FakeService], clean_db: None
) -> None:
    runtime, service = failing_runtime
    service.fallback = Answer(status=400, body={"error": {"message": "prompt refused by policy"}})
    tenant = runtime.registry.get("songly")
    job_id = submit(runtime, tenant, make_user(runtime, tenant, "refused", 20))
    assert run_job(runtime, tenant, job_id) is Outcome.FAILED
    assert "prompt refused by policy" in (job(runtime, job_id).error or "")
    assert movements(runtime, job_id) == ["reserve", "refund"]


def test_concurrent_orders_never_overdraw(runtime: Runtime, clean_db: None) -> None:
    tenant = runtime.registry.get("vizardio")
    price = tenant.products["poem"].price
    user = make_user(runtime, tenant, "rush", price * 5)
    results: list[bool] = []
    start = threading.Barrier(12)

    def attempt() -> None:
        start.wait()
        try:
            with unit_of_work(runtime.sessions) as db:
                submit_generation(db, tenant, user, "poem", "At once", [])
            results.append(True)
        except InsufficientPoints:
            results.append(False)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 5
    with runtime.sessions() as db:
        assert balance(db, tenant, user) == 0
        assert len(db.scalars(select(Job)).all()) == 5


def test_recovery_requeues_lost_jobs_and_fails_exhausted_ones(
    runtime: Runtime, stub_broker: StubBroker, clean_db: None
) -> None:
    tenant = runtime.registry.get("homiwork")
    user = make_user(runtime, tenant, "lost", 50)
    lost = submit(runtime, tenant, user)
    exhausted = submit(runtime, tenant, user)
    fresh = submit(runtime, tenant, user)
    stub_broker.flush_all()
    long_ago = utcnow() - timedelta(hours=1)
    with runtime.sessions() as db:
        db.execute(update(Job).where(Job.id == lost).values(queued_at=long_ago))
        db.execute(
            update(Job)
            .where(Job.id == exhausted)
            .values(status="running", attempts=MAX_ATTEMPTS, lease_until=long_ago)
        )
        db.commit()
    with runtime.sessions() as db:
        assert recover_stale_jobs(db, runtime.registry) == 2
    queued = [list(dramatiq.Message.decode(m).args) for m in stub_broker.queues[QUEUE_NAME].queue]
    assert queued == [["homiwork", str(lost)]]
    assert job(runtime, exhausted).status == "failed"
    assert movements(runtime, exhausted) == ["reserve", "refund"]
    assert job(runtime, fresh).status == "pending"
    # Just re-sent: the next sweep leaves it alone.
    with runtime.sessions() as db:
        assert recover_stale_jobs(db, runtime.registry) == 0


def test_chat_keeps_only_the_last_messages_per_assistant(runtime: Runtime, clean_db: None) -> None:
    base = runtime.registry.get("vizardio")
    tenant = base.model_copy(
        update={"retention": base.retention.model_copy(update={"chat_messages_per_assistant": 5})}
    )
    user = make_user(runtime, base, "talker", 0)
    with runtime.sessions() as db:
        for n in range(12):
            add_message(
                db, tenant, user, "muse", "user" if n % 2 == 0 else "assistant", f"message {n}"
            )
        add_message(db, tenant, user, "editor", "user", "other conversation")
        db.commit()
        kept = [m.content for m in history(db, tenant, user, "muse")]
        assert kept == [f"message {n}" for n in range(7, 12)]
        assert [m.content for m in history(db, tenant, user, "editor")] == ["other conversation"]


def test_a_request_carrying_an_identifier_is_held_back(runtime: Runtime, clean_db: None) -> None:
    tenant = runtime.registry.get("homiwork")
    user = make_user(runtime, tenant, "leaky", 20)
    with runtime.sessions() as db:
        # The user's id pasted into the prompt: it is not an email, so only the final check stops it.
        job_id = submit_generation(db, tenant, user, "poem", f"my account is {user}", []).id
        db.commit()
    assert run_job(runtime, tenant, job_id) is Outcome.FAILED
    failed = job(runtime, job_id)
    assert failed.error is not None
    assert "identify you" in failed.error
    assert movements(runtime, job_id) == ["reserve", "refund"]


def test_a_deleted_reference_is_never_sent(runtime: Runtime, clean_db: None) -> None:
    from warren.media.uploads import store_upload

    from samples import photo

    tenant = runtime.registry.get("homiwork")
    user = make_user(runtime, tenant, "regret", 50)
    with runtime.sessions() as db:
        upload = store_upload(db, runtime.store, tenant, user, photo(600, 400), "face.jpg")
        job_id = submit_generation(db, tenant, user, "portrait", "A portrait", [upload.id]).id
        db.commit()
        db.execute(update(Upload).where(Upload.id == upload.id).values(deleted_at=utcnow()))
        db.commit()
    assert run_job(runtime, tenant, job_id) is Outcome.FAILED
    failed = job(runtime, job_id)
    assert failed.error is not None
    assert "deleted or expired" in failed.error
    assert movements(runtime, job_id) == ["reserve", "refund"]


def test_an_exhausted_job_is_not_claimed_again(runtime: Runtime, clean_db: None) -> None:
    tenant = runtime.registry.get("vizardio")
    job_id = submit(runtime, tenant, make_user(runtime, tenant, "dying", 20))
    with runtime.sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status="running", attempts=MAX_ATTEMPTS, lease_until=utcnow() - timedelta(minutes=1)
            )
        )
        db.commit()
    assert run_job(runtime, tenant, job_id) is Outcome.SKIPPED
    assert job(runtime, job_id).attempts == MAX_ATTEMPTS
    with runtime.sessions() as db:
        recover_stale_jobs(db, runtime.registry)
    assert job(runtime, job_id).status == "failed"
    assert movements(runtime, job_id) == ["reserve", "refund"]
