"""The web process SIGKILLed during a burst of sign-ups and orders, as production meets it:
`warren serve --no-worker`, `warren worker` and `warren scheduler` as real processes on
this run's database and PostgreSQL queue.

Whatever the kill interrupted, afterwards: every account that exists got its welcome
email exactly once; every order that exists ends done or failed once with its points
reserve settled once; every answer the burst did receive (303) names an account or a job
that exists; nothing waits in the outbox; and no stored result lacks its row, nor a row
its object.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from inbox import parse
from ops_processes import Processes
from sqlalchemy import func, select, text
from test_ops_faults import settled_once

from warren.accounts.lookup import find_user
from warren.accounts.models import User
from warren.billing.ledger import balance, grant
from warren.billing.models import PointMovement
from warren.generation.models import Job, JobState
from warren.library.models import ContentItem
from warren.runtime import Runtime
from warren.storage.factory import open_object_store
from warren.storage.tenant_store import TenantStore

from conftest import free_port
from infra import wait_until
from served import wait_until_healthy
from standin_service import Answer, FakeService, chat_answer, standin_service, with_standin
from webclient import BrandClient, new_address, sign_up, sign_up_and_sign_in

SIGN_UPS = 24
ORDERS = 24
THREADS = 4
GRANTED = 10_000


@pytest.fixture
def deployment(
    runtime: Runtime, database_url: str, tmp_path: Path
) -> Iterator[tuple[Runtime, FakeService, Processes]]:
    with standin_service() as service:
        service.fallback = Answer(body=chat_answer("Rain on the roof.").body, delay=0.2)
        routed = with_standin(runtime, service, tmp_path, {"songly": {"products": ["poem"]}})
        group = Processes(
            database_url,
            tmp_path,
            WARREN_TENANTS_FILE=str(tmp_path / "tenants.toml"),
            WARREN_PROVIDER_STANDIN_URL=service.base_url,
            WARREN_PROVIDER_STANDIN_KEY="sk-standin-key",
            WARREN_JOB_LEASE_SECONDS="2",
            WARREN_JOB_HEARTBEAT_SECONDS="0.5",
            WARREN_SCHEDULER_RECOVER_SECONDS="0.5",
            WARREN_SCHEDULER_STANDBY_SECONDS="0.5",
            WARREN_OUTBOX_RELAY_SECONDS="0.5",
            WARREN_OUTBOX_GRACE_SECONDS="1",
        )
        try:
            yield routed, service, group
        finally:
            group.stop()


def start_web(processes: Processes, name: str) -> tuple[str, object]:
    port = free_port()
    process = processes.start(name, "serve", "--no-worker", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, process, processes.tmp_path / f"{name}.log")
    return url, process


def welcome_mails(processes: Processes) -> dict[str, int]:
    """How many welcome emails each address got, from the shared mail outbox."""
    counts: dict[str, int] = {}
    for path in sorted((processes.data_dir / "outbox").glob("*.eml")):
        message = parse(path.read_bytes())
        if str(message["Subject"]).startswith("Welcome to"):
            counts[str(message["To"])] = counts.get(str(message["To"]), 0) + 1
    return counts


def test_a_web_process_killed_mid_burst_loses_and_strands_nothing(
    deployment: tuple[Runtime, FakeService, Processes], clean_db: None
) -> None:
    runtime, service, processes = deployment
    songly = runtime.registry.get("songly")
    url, web = start_web(processes, "web-1")
    processes.start("worker", "worker", "--threads", "2")
    processes.start("scheduler", "scheduler")

    buyer = BrandClient(url, "songly.localhost", new_address())
    assert sign_up_and_sign_in(buyer, "buyer@example.com", "buyer").status_code == 303
    with runtime.sessions() as db:
        buyer_row = find_user(db, songly, "buyer")
        assert buyer_row is not None
        buyer_id = buyer_row.id
        grant(db, songly, buyer_id, GRANTED, "test")
        db.commit()
    cookies = dict(buyer.cookies)
    buyer.close()

    answered_sign_ups: list[str] = []
    answered_jobs: list[str] = []
    lock = threading.Lock()

    def one_sign_up(n: int) -> None:
        address = f"burst{n}@example.com"
        with BrandClient(url, "songly.localhost", new_address()) as client:
            try:
                answer = sign_up(client, address, f"burst{n}")
            except (httpx.TransportError, AssertionError):
                return  # the process died under this request, or before its form
        if answer.status_code == 303:
            with lock:
                answered_sign_ups.append(address)

    def one_order(n: int) -> None:
        with BrandClient(url, "songly.localhost", buyer_address, cookies=cookies) as client:
            try:
                token = client.csrf("/create/poem")
                answer = client.post("/create/poem", data={"_csrf": token, "prompt": f"Rain {n}"})
            except (httpx.TransportError, AssertionError):
                return
        match = re.fullmatch(r"/jobs/([0-9a-f-]{36})", answer.headers.get("location", ""))
        if answer.status_code == 303 and match:
            with lock:
                answered_jobs.append(match.group(1))

    buyer_address = new_address()

    def users() -> int:
        with runtime.sessions() as db:
            return int(
                db.scalar(
                    select(func.count()).where(User.tenant_id == "songly", User.id != buyer_id)
                )
                or 0
            )

    def jobs_made() -> int:
        with runtime.sessions() as db:
            return int(db.scalar(select(func.count()).where(Job.user_id == buyer_id)) or 0)

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [
            pool.submit(task, n)
            for n in range(max(SIGN_UPS, ORDERS))
            for task, count in ((one_sign_up, SIGN_UPS), (one_order, ORDERS))
            if n < count
        ]
        # Kill in the middle of the burst: some of each are in, most are not yet.
        wait_until(lambda: users() >= 3 and jobs_made() >= 3, 120, processes.logs)
        processes.kill(web)  # type: ignore[arg-type]
        for future in futures:
            future.result()
    interrupted = "the kill came after that part of the burst: it interrupted nothing there"
    assert len(answered_sign_ups) < SIGN_UPS, interrupted
    assert len(answered_jobs) < ORDERS, interrupted

    # A new web process on the same database: the site serves again.
    url, _ = start_web(processes, "web-2")
    assert httpx.get(url + "/", headers={"Host": "songly.localhost"}).status_code == 200

    with runtime.sessions() as db:
        addresses = set(
            db.scalars(select(User.email).where(User.tenant_id == "songly", User.id != buyer_id))
        )
        job_ids = list(db.scalars(select(Job.id).where(Job.user_id == buyer_id)))
    # What the burst was told exists; what exists may include more (committed, then the
    # answer was lost with the process).
    assert set(answered_sign_ups) <= addresses
    assert {uuid.UUID(j) for j in answered_jobs} <= set(job_ids)

    def every_job_finished() -> bool:
        with runtime.sessions() as db:
            finished = db.scalar(
                select(func.count()).where(
                    Job.id.in_(job_ids), Job.status.in_([JobState.DONE, JobState.FAILED])
                )
            )
        return finished == len(job_ids)

    def every_account_welcomed() -> bool:
        mails = welcome_mails(processes)
        return all(mails.get(address) for address in addresses | {"buyer@example.com"})

    def outbox_empty() -> bool:
        with runtime.engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM outbox")) == 0

    wait_until(every_job_finished, 120, processes.logs)
    wait_until(every_account_welcomed, 120, processes.logs)
    wait_until(outbox_empty, 60, processes.logs)

    mails = welcome_mails(processes)
    assert all(mails[address] == 1 for address in addresses), mails
    settled_once(runtime, job_ids)
    with runtime.sessions() as db:
        captured = db.scalar(
            select(func.coalesce(func.sum(PointMovement.amount), 0)).where(
                PointMovement.user_id == buyer_id, PointMovement.kind != "grant"
            )
        )
        assert balance(db, songly, buyer_id) == GRANTED + int(captured or 0)
        keys = set(
            db.scalars(select(ContentItem.storage_key).where(ContentItem.user_id == buyer_id))
        )
        done = db.scalar(
            select(func.count()).where(Job.id.in_(job_ids), Job.status == JobState.DONE)
        )
    assert len(keys) == done
    store = TenantStore(
        open_object_store(processes.env["WARREN_STORAGE_URL"], processes.data_dir), "songly"
    )
    assert set(store.list(f"results/{buyer_id}/")) == keys
    print(
        f"burst: {len(answered_sign_ups)}/{SIGN_UPS} sign-ups and {len(answered_jobs)}/{ORDERS}"
        f" orders answered before the kill; {len(addresses)} accounts and {len(job_ids)} jobs"
        f" exist; {len(service.requests)} provider calls"
    )
