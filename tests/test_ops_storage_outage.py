"""The S3-protocol server stopped while real processes upload and write results, then
started again: `warren serve --no-worker`, `warren worker` and `warren scheduler` on this
run's database and PostgreSQL queue, storing in a moto server.

During the outage an upload gets 503 with Retry-After and leaves no row behind; results
the provider already produced wait on the worker's disk. Afterwards every job ends done
exactly once with one capture, the provider was called once per job (nothing paid for
twice), and the stored results are exactly the rows' objects.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from moto.server import ThreadedMotoServer
from ops_processes import Processes
from sqlalchemy import func, select
from test_ops_faults import settled_once

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.generation.models import Job, JobState
from warren.library.models import ContentItem
from warren.media.models import Upload
from warren.runtime import Runtime
from warren.storage.factory import open_object_store
from warren.storage.tenant_store import TenantStore

from conftest import free_port
from infra import wait_until
from samples import photo
from served import wait_until_healthy
from standin_service import Answer, FakeService, chat_answer, standin_service, with_standin
from webclient import BrandClient, new_address, sign_up_and_sign_in

JOBS = 6


class Moto:
    """A moto server that can be stopped and started again on the same port; its
    buckets and objects live in this process, so they survive the restart as a real
    server's disks would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: ThreadedMotoServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"s3://key:secret@127.0.0.1:{self.port}/warren-outage?secure=false"

    def start(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()
        self.server = None


@pytest.fixture
def outage(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> Iterator[tuple[Runtime, FakeService, Processes, Moto]]:
    moto = Moto()
    with standin_service() as service:
        service.fallback = Answer(body=chat_answer("Rain on the roof.").body, delay=1.0)
        routed = with_standin(runtime, service, tmp_path, {"songly": {"products": ["poem"]}})
        group = Processes(
            database_url,
            tmp_path,
            WARREN_TENANTS_FILE=str(tmp_path / "tenants.toml"),
            WARREN_STORAGE_URL=moto.url,
            WARREN_PROVIDER_STANDIN_URL=service.base_url,
            WARREN_PROVIDER_STANDIN_KEY="sk-standin-key",
            WARREN_SCHEDULER_RECOVER_SECONDS="0.5",
            WARREN_SCHEDULER_STANDBY_SECONDS="0.5",
            WARREN_OUTBOX_RELAY_SECONDS="0.5",
            WARREN_OUTBOX_GRACE_SECONDS="1",
        )
        try:
            yield routed, service, group, moto
        finally:
            group.stop()
            if moto.server is not None:
                moto.stop()


def test_storage_stopped_mid_batch_loses_nothing_and_calls_no_provider_twice(
    outage: tuple[Runtime, FakeService, Processes, Moto], clean_db: None
) -> None:
    runtime, service, processes, moto = outage
    songly = runtime.registry.get("songly")
    port = free_port()
    web = processes.start("web", "serve", "--no-worker", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, web, processes.tmp_path / "web.log")
    processes.start("worker", "worker", "--threads", "2")
    processes.start("scheduler", "scheduler")

    client = BrandClient(url, "songly.localhost", new_address())
    assert sign_up_and_sign_in(client, "outage@example.com", "outage").status_code == 303
    with runtime.sessions() as db:
        user = find_user(db, songly, "outage")
        assert user is not None
        grant(db, songly, user.id, 1000, "test")
        db.commit()
        user_id = user.id

    jobs = []
    for n in range(JOBS):
        token = client.csrf("/create/poem")
        ordered = client.post("/create/poem", data={"_csrf": token, "prompt": f"Rain {n}"})
        match = re.fullmatch(r"/jobs/([0-9a-f-]{36})", ordered.headers.get("location", ""))
        assert ordered.status_code == 303, ordered.text
        assert match
        jobs.append(uuid.UUID(match.group(1)))

    def done() -> int:
        with runtime.sessions() as db:
            return int(
                db.scalar(select(func.count()).where(Job.id.in_(jobs), Job.status == JobState.DONE))
                or 0
            )

    # Storage goes away with the batch under way: one result stored, the rest not yet.
    wait_until(lambda: done() >= 1, 120, processes.logs)
    moto.stop()

    def upload() -> httpx.Response:
        token = client.csrf("/library")
        return client.post(
            "/uploads",
            data={"_csrf": token, "next": "/library"},
            files={"file": ("p.jpg", photo(400, 300), "application/octet-stream")},
        )

    refused = upload()
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "30"
    with runtime.sessions() as db:
        assert db.scalar(select(func.count()).where(Upload.user_id == user_id)) == 0
    # The provider keeps answering; a result whose storing failed waits on the worker's
    # disk and its job goes back to the queue, already paid for.
    staged = processes.data_dir / "staged-results"

    def handed_back() -> bool:
        with runtime.sessions() as db:
            waiting = db.scalar(
                select(func.count()).where(
                    Job.id.in_(jobs), Job.status == JobState.PENDING, Job.attempts >= 1
                )
            )
        return bool(waiting) and staged.is_dir() and any(staged.iterdir())

    wait_until(handed_back, 120, processes.logs)
    assert done() < JOBS, "the batch finished before the outage: it interrupted nothing"

    moto.start()
    wait_until(lambda: done() == JOBS, 240, processes.logs)
    settled_once(runtime, jobs)
    assert len(service.requests) == JOBS, "a result was paid for twice"

    accepted = upload()
    assert accepted.status_code == 303, accepted.text
    client.close()
    with runtime.sessions() as db:
        keys = set(
            db.scalars(select(ContentItem.storage_key).where(ContentItem.user_id == user_id))
        )
    store = TenantStore(open_object_store(moto.url, processes.data_dir), "songly")
    assert set(store.list(f"results/{user_id}/")) == keys
    assert len(keys) == JOBS
    assert not list(staged.iterdir())
