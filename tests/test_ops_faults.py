"""Faults as production meets them, measured on real processes: `warren worker` and
`warren scheduler` on this run's database and PostgreSQL queue, a stand-in provider
that answers slowly, and SIGKILL.

After each fault every job ends done or failed exactly once, every reserve of points is
settled once, and nothing is left running.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_processes import Processes
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from warren.accounts.signup import SignUpForm, sign_up
from warren.billing.ledger import balance, grant
from warren.billing.models import PointMovement
from warren.db.engine import make_sessionmaker
from warren.generation.models import Job, JobState
from warren.generation.submit import submit_generation
from warren.privacy.policy import policy_version
from warren.queue.broker import make_broker, queue_name
from warren.queue.port import attach_broker
from warren.runtime import Runtime

from infra import wait_until
from standin_service import Answer, FakeService, chat_answer, standin_service, with_standin

PROVIDER_DELAY = 4.0
LEASE = 2.0


@pytest.fixture
def slow_poems(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[Runtime, FakeService]]:
    with standin_service() as service:
        service.fallback = Answer(body=chat_answer("Rain on the roof.").body, delay=PROVIDER_DELAY)
        yield with_standin(runtime, service, tmp_path, {"songly": {"products": ["poem"]}}), service


@pytest.fixture
def processes(
    database_url: str, tmp_path: Path, slow_poems: tuple[Runtime, FakeService]
) -> Iterator[Processes]:
    _, service = slow_poems
    group = Processes(
        database_url,
        tmp_path,
        WARREN_TENANTS_FILE=str(tmp_path / "tenants.toml"),
        WARREN_PROVIDER_STANDIN_URL=service.base_url,
        WARREN_PROVIDER_STANDIN_KEY="sk-standin-key",
        WARREN_JOB_LEASE_SECONDS=str(LEASE),
        WARREN_JOB_HEARTBEAT_SECONDS=str(LEASE / 4),
        WARREN_SCHEDULER_RECOVER_SECONDS="0.5",
        WARREN_SCHEDULER_STANDBY_SECONDS="0.5",
        WARREN_OUTBOX_RELAY_SECONDS="0.5",
        WARREN_OUTBOX_GRACE_SECONDS="1",
    )
    yield group
    group.stop()


def queue_sessions(runtime: Runtime, database_url: str) -> sessionmaker[Session]:
    """Sessions whose messages go to the PostgreSQL queue the worker processes read."""
    sessions = make_sessionmaker(runtime.engine)
    attach_broker(sessions, make_broker(database_url), queue_name(""))
    return sessions


def order_poems(
    runtime: Runtime, sessions: sessionmaker[Session], count: int
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    songly = runtime.registry.get("songly")
    version = policy_version(songly)
    name = f"f{uuid.uuid4().hex[:8]}"
    with sessions() as db:
        user = sign_up(
            db,
            songly,
            SignUpForm(f"{name}@example.com", name, "correct horse battery", True, version),
            version,
            "hmac-sha256:00",
        ).user
        assert user is not None
        grant(db, songly, user.id, 1000, "test")
        db.commit()
        jobs = [
            submit_generation(db, songly, user.id, "poem", f"Rain {i}", []).id for i in range(count)
        ]
        db.commit()
    return user.id, jobs


def settled_once(runtime: Runtime, job_ids: list[uuid.UUID]) -> None:
    """Every job ended once: one reserve, and exactly one capture (done) or refund (failed)."""
    with runtime.sessions() as db:
        for job_id in job_ids:
            job = db.get(Job, job_id)
            assert job is not None
            assert job.status in {JobState.DONE, JobState.FAILED}, job.status
            kinds = sorted(
                db.scalars(select(PointMovement.kind).where(PointMovement.job_id == job_id))
            )
            final = "capture" if job.status == JobState.DONE else "refund"
            assert kinds == sorted(["reserve", final]), (job_id, kinds)


def test_a_worker_killed_mid_job_has_its_job_taken_over_and_charged_once(
    slow_poems: tuple[Runtime, FakeService],
    processes: Processes,
    database_url: str,
    clean_db: None,
) -> None:
    runtime, service = slow_poems
    sessions = queue_sessions(runtime, database_url)
    processes.start("scheduler", "scheduler")
    doomed = processes.start("worker-1", "worker", "--threads", "1")
    user_id, [job_id] = order_poems(runtime, sessions, 1)
    with runtime.sessions() as db:
        start_balance = balance(db, runtime.registry.get("songly"), user_id)

    # The job is running and its provider call under way on the first worker.
    wait_until(lambda: len(service.requests) == 1, 60, processes.logs)
    processes.start("worker-2", "worker", "--threads", "2")
    processes.kill(doomed)
    killed = time.monotonic()

    def done() -> bool:
        with runtime.sessions() as db:
            return db.scalar(select(Job.status).where(Job.id == job_id)) == JobState.DONE

    wait_until(done, 120, processes.logs)
    took = time.monotonic() - killed
    print(f"a killed worker's job was done by another {took:.1f} s later (lease {LEASE} s)")
    # The lease and the sweep bound it, not the queue's own dead-worker detection (a minute).
    assert took < 30
    settled_once(runtime, [job_id])
    with runtime.sessions() as db:
        assert balance(db, runtime.registry.get("songly"), user_id) == start_balance
    # One call died with the worker, one call made the poem.
    assert len(service.requests) == 2


def test_a_live_run_keeps_its_job_past_the_lease(
    slow_poems: tuple[Runtime, FakeService],
    processes: Processes,
    database_url: str,
    clean_db: None,
) -> None:
    """Each call takes twice the lease; the heartbeat keeps it, so the recovery sweep and
    the worker's free threads never take a live job over: one provider call per job."""
    runtime, service = slow_poems
    sessions = queue_sessions(runtime, database_url)
    processes.start("scheduler", "scheduler")
    processes.start("worker", "worker", "--threads", "3")
    _, jobs = order_poems(runtime, sessions, 2)

    def all_done() -> bool:
        with runtime.sessions() as db:
            finished = db.scalar(
                select(func.count()).where(Job.id.in_(jobs), Job.status == JobState.DONE)
            )
        return finished == len(jobs)

    wait_until(all_done, 120, processes.logs)
    settled_once(runtime, jobs)
    assert len(service.requests) == len(jobs)
