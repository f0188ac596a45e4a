"""Keeping the leases of the jobs a worker process is running.

A running job's lease is short (``job_lease_seconds``) so that a dead worker's job is
free again soon; while its run lives the lease is renewed every ``job_heartbeat_seconds``.
One thread per process renews every lease it holds with one statement per beat: a
thread per run cost every job a thread start and join, and a statement per job and beat.

A lease is held by (job id, the claim's ``started_at``): once another run has taken the
job over, the renewal no longer matches it and the job is let go.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from warren.db.base import utcnow
from warren.logs import get_logger

log = get_logger("warren.generation")
_CLOSE_WAIT_SECONDS = 10.0

# A held job whose row another transaction has locked (a deletion, a sweep, the run's own
# finish) is skipped for this beat instead of making every other lease wait for it; it
# is let go only once it no longer matches, and renewed on a later beat otherwise.
_RENEW = text(
    """
    WITH held AS (
        SELECT * FROM unnest(CAST(:b_ids AS uuid[]), CAST(:b_started AS timestamptz[]))
            AS held(id, started_at)
    ), ours AS (
        SELECT jobs.id FROM jobs JOIN held
            ON jobs.id = held.id AND jobs.started_at = held.started_at
        WHERE jobs.status = 'running'
    ), free AS (
        SELECT jobs.id FROM jobs JOIN held
            ON jobs.id = held.id AND jobs.started_at = held.started_at
        WHERE jobs.status = 'running'
        FOR UPDATE OF jobs SKIP LOCKED
    ), renewed AS (
        UPDATE jobs SET lease_until = :b_until FROM free WHERE jobs.id = free.id
        RETURNING jobs.id
    )
    SELECT ours.id, renewed.id IS NOT NULL AS renewed
    FROM ours LEFT JOIN renewed ON renewed.id = ours.id
    """
)


class LeaseKeeper:
    def __init__(self, engine: Engine, lease_seconds: float, beat_seconds: float) -> None:
        self._engine = engine
        self._lease = timedelta(seconds=lease_seconds)
        self._beat = beat_seconds
        self._held: dict[uuid.UUID, datetime] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, job_id: uuid.UUID, claimed_at: datetime) -> Iterator[None]:
        """Renew the job's lease while the block runs."""
        with self._lock:
            if self._stop.is_set():
                raise RuntimeError("this lease keeper is closed: its runtime runs no more jobs")
            self._held[job_id] = claimed_at
            if self._thread is None:
                # Started on the first run, so processes that never run a job have none.
                self._thread = threading.Thread(
                    target=self._keep, name="warren-job-leases", daemon=True
                )
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                if self._held.get(job_id) == claimed_at:
                    del self._held[job_id]

    def renew(self) -> set[uuid.UUID]:
        """One beat: renew every lease held whose row is not locked, let go of the jobs
        another run took over (or that are no longer running); the ids renewed."""
        with self._lock:
            held = dict(self._held)
        if not held:
            return set()
        with self._engine.begin() as conn:
            rows = conn.execute(
                _RENEW,
                {
                    "b_until": utcnow() + self._lease,
                    "b_ids": list(held),
                    "b_started": list(held.values()),
                },
            ).all()
        ours = {job_id for job_id, _ in rows}
        renewed = {job_id for job_id, done in rows if done}
        with self._lock:
            for job_id in held.keys() - ours:
                if self._held.get(job_id) == held[job_id]:
                    del self._held[job_id]
        return renewed

    def _keep(self) -> None:
        while not self._stop.wait(self._beat):
            try:
                self.renew()
            except Exception:
                # A missed beat is not fatal: the lease is several beats long.
                log.warning("lease renewal failed", held=len(self._held), exc_info=True)

    def close(self) -> None:
        """Stop renewing, for good. A beat in flight is given a while to end; the thread
        is a daemon, so a beat stuck on the network does not keep the process alive."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        if thread is not None:
            thread.join(_CLOSE_WAIT_SECONDS)
