"""`warren scheduler` really runs its housekeeping: started as ops start it, against this
run's database and a file:// object store it shares with the test, with short intervals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select, text, update

from warren.accounts.signup import SignUpForm, sign_up
from warren.billing.gateways.demo import DemoGateway
from warren.billing.ledger import balance, grant
from warren.billing.models import Order, OrderState, PointMovement
from warren.billing.orders import begin_checkout
from warren.db.base import utcnow
from warren.generation.models import Job
from warren.generation.submit import RUN_JOB_ACTOR, submit_generation
from warren.media.models import Upload
from warren.media.uploads import store_upload
from warren.privacy.policy import policy_version
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings
from warren.storage.tenant_store import TenantStore

from conftest import TEST_SECRET
from infra import wait_until
from samples import photo

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def shared_store_runtime(
    settings: Settings, database_url: str, stub_broker: StubBroker, tmp_path: Path
) -> Iterator[Runtime]:
    storage_url = f"file://{tmp_path / 'objects'}"
    runtime = build_runtime(
        settings.model_copy(update={"storage_url": storage_url}), database_url, stub_broker
    )
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def scheduler(
    shared_store_runtime: Runtime, database_url: str, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_DATA_DIR": str(tmp_path / "data"),
        "WARREN_SECRET": TEST_SECRET,
        "WARREN_STORAGE_URL": str(shared_store_runtime.settings.storage_url),
        "WARREN_SCHEDULER_RECOVER_SECONDS": "0.5",
        "WARREN_SCHEDULER_PURGE_UPLOADS_SECONDS": "0.5",
        "WARREN_SCHEDULER_RECONCILE_PAYMENTS_SECONDS": "0.5",
    }
    # The PostgreSQL queue in this run's own database: nothing shared with other runs.
    for name in ("WARREN_BROKER_URL", "WARREN_QUEUE_PREFIX"):
        env.pop(name, None)
    log_path = tmp_path / "scheduler.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "warren.cli", "scheduler"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _queued_messages(runtime: Runtime, job_id: uuid.UUID) -> int:
    with runtime.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM dramatiq.queue "
                    "WHERE message->>'actor_name' = :actor AND message->'args'->>1 = :job"
                ),
                {"actor": RUN_JOB_ACTOR, "job": str(job_id)},
            ).scalar_one()
        )


def test_scheduler_purges_expired_uploads_and_requeues_stale_jobs(
    shared_store_runtime: Runtime,
    scheduler: subprocess.Popen[bytes],
    tmp_path: Path,
    clean_db: None,
) -> None:
    runtime = shared_store_runtime
    homiwork = runtime.registry.get("homiwork")
    version = policy_version(homiwork)
    name = f"sched{uuid.uuid4().hex[:6]}"
    with runtime.sessions() as db:
        user = sign_up(
            db,
            homiwork,
            SignUpForm(f"{name}@example.com", name, "correct horse battery", True, version),
            version,
            "hmac-sha256:00",
        ).user
        assert user is not None
        grant(db, homiwork, user.id, 10, "test")
        db.commit()
        expired = store_upload(db, runtime.store, homiwork, user.id, photo(300, 200), "old")
        fresh = store_upload(db, runtime.store, homiwork, user.id, photo(300, 200), "new")
        job = submit_generation(db, homiwork, user.id, "poem", "About autumn", [])
        db.commit()
        stale_since: datetime = utcnow() - timedelta(hours=1)
        db.execute(update(Upload).where(Upload.id == expired.id).values(expires_at=utcnow()))
        db.execute(update(Job).where(Job.id == job.id).values(queued_at=stale_since))
        db.commit()
    store = TenantStore(runtime.store, homiwork.slug)
    assert store.exists(expired.storage_key)
    assert _queued_messages(runtime, job.id) == 0
    log = tmp_path / "scheduler.log"

    def upload_purged() -> bool:
        with runtime.sessions() as db:
            row = db.get(Upload, expired.id)
        return row is None and not store.exists(expired.storage_key)

    def job_requeued() -> bool:
        with runtime.sessions() as db:
            queued_at = db.scalar(select(Job.queued_at).where(Job.id == job.id))
        return (
            queued_at is not None
            and queued_at > stale_since
            and _queued_messages(runtime, job.id) == 1
        )

    def explain() -> str:
        return f"scheduler (exit {scheduler.poll()}) printed:\n{log.read_text(errors='replace')}"

    wait_until(upload_purged, 90, explain)
    wait_until(job_requeued, 30, explain)
    assert scheduler.poll() is None, explain()
    # Only what was due went: the fresh upload and its object are untouched.
    with runtime.sessions() as db:
        assert db.get(Upload, fresh.id) is not None
    assert store.exists(fresh.storage_key)


def test_scheduler_settles_a_paid_order_whose_notification_was_lost(
    shared_store_runtime: Runtime,
    scheduler: subprocess.Popen[bytes],
    tmp_path: Path,
    clean_db: None,
) -> None:
    runtime = shared_store_runtime
    vizardio = runtime.registry.get("vizardio")
    version = policy_version(vizardio)
    name = f"buyer{uuid.uuid4().hex[:6]}"
    gateway = runtime.gateways.get(vizardio, "demo")
    assert isinstance(gateway, DemoGateway)
    with runtime.sessions() as db:
        user = sign_up(
            db,
            vizardio,
            SignUpForm(f"{name}@example.com", name, "correct horse battery", True, version),
            version,
            "198.51.100.7",
        ).user
        assert user is not None
        started = begin_checkout(db, vizardio, gateway, user, "points-100", "https://vizardio.com")
        db.commit()
        order_id, user_id = started.order.id, user.id
    payment_id = started.redirect_url.rsplit("/", 1)[1]
    # Paid at the gateway; the notification never arrives.
    assert gateway.complete(payment_id, "pay")
    minutes = runtime.settings.payments_reconcile_after_minutes
    with runtime.sessions() as db:
        db.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(created_at=utcnow() - timedelta(minutes=minutes + 1))
        )
        db.commit()
    log = tmp_path / "scheduler.log"

    def settled() -> bool:
        with runtime.sessions() as db:
            return db.scalar(select(Order.state).where(Order.id == order_id)) == OrderState.PAID

    wait_until(settled, 60, lambda: log.read_text(errors="replace"))
    with runtime.sessions() as db:
        assert balance(db, vizardio, user_id) == 100
        credits = db.scalars(
            select(PointMovement.amount).where(PointMovement.order_id == order_id)
        ).all()
    # Settled once, though the scheduler keeps asking every half second.
    assert credits == [100]
