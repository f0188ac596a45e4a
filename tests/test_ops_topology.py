"""The scale-out topology of compose.yaml as local processes: two `warren serve
--no-worker`, two `warren worker`, one `warren scheduler`, on this run's database and its
PostgreSQL queue. A batch of orders goes in through both web processes; one worker is
SIGKILLed while both are busy; every job still ends done exactly once, with one capture
and one library item each."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_processes import Processes
from sqlalchemy import func, select
from test_ops_faults import LEASE, PROVIDER_DELAY, settled_once

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.generation.models import Job, JobState
from warren.library.models import ContentItem
from warren.runtime import Runtime

from conftest import free_port
from infra import wait_until
from served import wait_until_healthy
from standin_service import Answer, FakeService, chat_answer, standin_service, with_standin
from webclient import BrandClient, new_address, sign_up_and_sign_in

JOBS = 8
THREADS = 2


@pytest.fixture
def topology(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> Iterator[tuple[Runtime, FakeService, Processes, list[str]]]:
    with standin_service() as service:
        service.fallback = Answer(body=chat_answer("Rain on the roof.").body, delay=PROVIDER_DELAY)
        routed = with_standin(runtime, service, tmp_path, {"songly": {"products": ["poem"]}})
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
        try:
            web = []
            for n in (1, 2):
                port = free_port()
                process = group.start(f"web-{n}", "serve", "--no-worker", "--port", str(port))
                url = f"http://127.0.0.1:{port}"
                wait_until_healthy(url, process, tmp_path / f"web-{n}.log")
                web.append(url)
            yield routed, service, group, web
        finally:
            group.stop()


def test_a_batch_through_two_web_processes_survives_a_killed_worker(
    topology: tuple[Runtime, FakeService, Processes, list[str]], clean_db: None
) -> None:
    runtime, service, processes, web = topology
    songly = runtime.registry.get("songly")
    address = new_address()
    first, second = (BrandClient(url, "songly.localhost", address) for url in web)
    try:
        assert sign_up_and_sign_in(first, "batch@example.com", "batcher").status_code == 303
        with runtime.sessions() as db:
            user = find_user(db, songly, "batcher")
            assert user is not None
            grant(db, songly, user.id, 1000, "test")
            db.commit()
        # The second web process knows the session the first one started.
        second.cookies = first.cookies

        processes.start("scheduler", "scheduler")
        doomed = processes.start("worker-1", "worker", "--threads", str(THREADS))
        processes.start("worker-2", "worker", "--threads", str(THREADS))

        jobs = []
        for n in range(JOBS):
            client = (first, second)[n % 2]
            token = client.csrf("/create/poem")
            ordered = client.post("/create/poem", data={"_csrf": token, "prompt": f"Rain {n}"})
            assert ordered.status_code == 303, ordered.text
            match = re.fullmatch(r"/jobs/([0-9a-f-]{36})", ordered.headers["location"])
            assert match
            jobs.append(match.group(1))
    finally:
        first.close()
        second.close()

    # Every thread of both workers is inside a provider call (each takes PROVIDER_DELAY):
    # the worker killed now dies holding jobs.
    wait_until(lambda: len(service.requests) >= 2 * THREADS, 60, processes.logs)
    processes.kill(doomed)
    killed = time.monotonic()

    def all_finished() -> bool:
        with runtime.sessions() as db:
            finished = db.scalar(
                select(func.count()).where(
                    Job.id.in_(jobs), Job.status.in_([JobState.DONE, JobState.FAILED])
                )
            )
        return finished == JOBS

    wait_until(all_finished, 180, processes.logs)
    took = time.monotonic() - killed
    print(
        f"{JOBS} jobs through 2 web processes; the batch finished {took:.1f} s after a "
        f"worker was killed; {len(service.requests)} provider calls"
    )
    # The remaining work on one worker is about three rounds of PROVIDER_DELAY after the
    # lease; messages stranded in the killed worker's prefetch would add a minute.
    assert took < 40
    ids = [uuid.UUID(job) for job in jobs]
    with runtime.sessions() as db:
        states = {
            row.id: row.status
            for row in db.execute(select(Job.id, Job.status).where(Job.id.in_(ids)))
        }
        items = {
            row.job_id: row.count
            for row in db.execute(
                select(ContentItem.job_id, func.count().label("count"))
                .where(ContentItem.job_id.in_(ids))
                .group_by(ContentItem.job_id)
            )
        }
    assert len(states) == JOBS
    assert set(states.values()) == {JobState.DONE}
    assert all(items.get(job) == 1 for job in states), items
    settled_once(runtime, list(states))
    # The killed worker's calls died with it and were made again by the other worker.
    assert len(service.requests) > JOBS
