"""The worker's lease keeper: one statement renews every lease a process holds, a job
another run took over is let go, and a finished run's job is no longer renewed."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from test_generation_runner import make_user, submit

from warren.db.base import utcnow
from warren.generation.leases import LeaseKeeper
from warren.generation.models import Job, JobState
from warren.runtime import Runtime

from infra import wait_until

LEASE = 60.0


def running(runtime: Runtime, job_id: uuid.UUID, started_at: datetime) -> None:
    """The job as a run claimed it at ``started_at``, its lease about to run out."""
    with runtime.sessions() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status=JobState.RUNNING,
                started_at=started_at,
                lease_until=utcnow() + timedelta(seconds=1),
            )
        )
        db.commit()


def lease_of(runtime: Runtime, job_id: uuid.UUID) -> datetime:
    with runtime.sessions() as db:
        until = db.scalar(select(Job.lease_until).where(Job.id == job_id))
    assert until is not None
    return until


def test_one_beat_renews_every_held_lease_and_lets_go_of_jobs_taken_over(
    runtime: Runtime, clean_db: None
) -> None:
    songly, vizardio = runtime.registry.get("songly"), runtime.registry.get("vizardio")
    # Held jobs of two tenants: the keeper serves the process, not a tenant.
    jobs = [
        submit(runtime, songly, make_user(runtime, songly, "leased", 20)),
        submit(runtime, vizardio, make_user(runtime, vizardio, "leased", 20)),
    ]
    taken_over = submit(runtime, songly, make_user(runtime, songly, "overtaken", 20))
    not_held = submit(runtime, vizardio, make_user(runtime, vizardio, "other", 20))
    claimed_at = utcnow() - timedelta(seconds=5)
    for job_id in [*jobs, taken_over, not_held]:
        running(runtime, job_id, claimed_at)
    keeper = LeaseKeeper(runtime.engine, LEASE, beat_seconds=3600)
    try:
        with (
            keeper.holding(jobs[0], claimed_at),
            keeper.holding(jobs[1], claimed_at),
            keeper.holding(taken_over, claimed_at),
        ):
            # Another run claimed it after this one's lease ran out.
            running(runtime, taken_over, utcnow())
            before = utcnow()
            assert keeper.renew() == set(jobs)
            for job_id in jobs:
                assert lease_of(runtime, job_id) >= before + timedelta(seconds=LEASE)
            assert lease_of(runtime, taken_over) < before + timedelta(seconds=LEASE)
            assert lease_of(runtime, not_held) < before + timedelta(seconds=LEASE)
            # Let go: the next beat no longer names it.
            assert keeper.renew() == set(jobs)
        # The runs ended: nothing is held, nothing renewed.
        assert keeper.renew() == set()
    finally:
        keeper.close()


def test_the_keeper_beats_by_itself_while_a_run_lives(runtime: Runtime, clean_db: None) -> None:
    songly = runtime.registry.get("songly")
    job_id = submit(runtime, songly, make_user(runtime, songly, "beating", 20))
    claimed_at = utcnow()
    running(runtime, job_id, claimed_at)
    first = lease_of(runtime, job_id)
    keeper = LeaseKeeper(runtime.engine, LEASE, beat_seconds=0.05)
    try:
        with keeper.holding(job_id, claimed_at):
            wait_until(lambda: lease_of(runtime, job_id) != first, 30)
    finally:
        keeper.close()
    assert lease_of(runtime, job_id) >= first + timedelta(seconds=LEASE - 5)


def test_a_locked_job_row_does_not_hold_up_the_other_leases(
    runtime: Runtime, clean_db: None
) -> None:
    """A row another transaction has locked (a deletion, a sweep) is skipped for a beat,
    kept, and renewed once free; the other leases are renewed without waiting for it."""
    songly, vizardio = runtime.registry.get("songly"), runtime.registry.get("vizardio")
    locked = submit(runtime, songly, make_user(runtime, songly, "locked", 20))
    free = submit(runtime, vizardio, make_user(runtime, vizardio, "free", 20))
    claimed_at = utcnow()
    for job_id in (locked, free):
        running(runtime, job_id, claimed_at)
    keeper = LeaseKeeper(runtime.engine, LEASE, beat_seconds=3600)
    renewed: list[set[uuid.UUID]] = []
    try:
        with keeper.holding(locked, claimed_at), keeper.holding(free, claimed_at):
            with runtime.engine.connect() as other:
                other.execute(select(Job.id).where(Job.id == locked).with_for_update())
                beat = threading.Thread(target=lambda: renewed.append(keeper.renew()))
                beat.start()
                beat.join(30)
                assert not beat.is_alive(), "the beat waited for the locked row"
                other.rollback()
            assert renewed == [{free}]
            # Still held: renewed on the next beat once the row is free.
            assert keeper.renew() == {locked, free}
    finally:
        keeper.close()


def test_a_closed_keeper_takes_no_more_runs(runtime: Runtime) -> None:
    keeper = LeaseKeeper(runtime.engine, LEASE, beat_seconds=3600)
    keeper.close()
    with pytest.raises(RuntimeError, match="closed"), keeper.holding(uuid.uuid4(), utcnow()):
        pass
