"""A sweep killed mid-batch leaves nothing orphaned and the next one finishes; two
sweepers at once share the work without errors; the scheduler runs the sweep itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from retention_world import ROOT, World, days_ago, seed_local_content
from sqlalchemy import func, select, text
from test_retention_rules import make_world

from warren.accounts.models import User
from warren.library.models import ContentItem
from warren.lifecycle.models import RetentionRun
from warren.lifecycle.rules import Rule
from warren.settings import Settings

from infra import wait_until

DUE = 3000
BATCH = 200


# A deferred trigger runs at COMMIT, after the sweeper has deleted a batch's objects and
# before its rows are gone for good; while the test holds this advisory lock the commit
# waits there, so the sweeper is caught inside a batch every time, not by a lucky poll.
HOLD_COMMIT = 7_000_001
_HOLD_SQL = [
    f"""
    CREATE FUNCTION hold_retention_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_lock({HOLD_COMMIT}); RETURN NULL; END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER hold_retention_commit AFTER DELETE ON content_items
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_retention_commit()
    """,
]
_RELEASE_SQL = [
    "DROP TRIGGER hold_retention_commit ON content_items",
    "DROP FUNCTION hold_retention_commit()",
]


@contextmanager
def commits_held(world: World) -> Iterator[None]:
    with world.runtime.engine.connect() as holder:
        for statement in _HOLD_SQL:
            holder.execute(text(statement))
        holder.commit()
        holder.execute(text(f"SELECT pg_advisory_lock({HOLD_COMMIT})"))
        holder.commit()
        try:
            yield
        finally:
            # A killed sweeper's connection is gone, but its server process waits on the
            # lock and would commit once it is free; end it as the server would when it
            # noticed, so the batch rolls back like any crash's.
            waiting = (
                holder.execute(
                    text(
                        "SELECT pid FROM pg_locks"
                        " WHERE locktype = 'advisory' AND objid = :key AND NOT granted"
                    ),
                    {"key": HOLD_COMMIT},
                )
                .scalars()
                .all()
            )
            for pid in waiting:
                holder.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

            def ended() -> bool:
                # pg_stat_activity is a snapshot per transaction: look in a fresh one.
                holder.commit()
                return not holder.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": list(waiting)},
                ).scalar()

            wait_until(ended, timeout=60)
            holder.execute(text(f"SELECT pg_advisory_unlock({HOLD_COMMIT})"))
            for statement in _RELEASE_SQL:
                holder.execute(text(statement))
            holder.commit()


@pytest.fixture
def local_world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    settings: Settings,
    database_url: str,
    stub_broker: StubBroker,
) -> Iterator[World]:
    yield from make_world("local", request, tmp_path, settings, database_url, stub_broker)


def _objects(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }


def _row_keys(world: World) -> set[str]:
    with world.runtime.sessions() as db:
        rows = db.execute(select(ContentItem.tenant_id, ContentItem.storage_key)).all()
    return {f"{tenant}/{key}" for tenant, key in rows}


def test_a_sweep_killed_mid_batch_resumes_with_no_orphans(
    local_world: World, tmp_path: Path
) -> None:
    world = local_world
    root = tmp_path / "objects"
    owner = world.user("songly", "bulk")
    seed_local_content(world, root, owner, DUE, age_days=40)
    kept = world.item(owner, created=days_ago(1))
    assert len(_objects(root)) == DUE + 1

    world.env["WARREN_RETENTION_BATCH"] = str(BATCH)
    with commits_held(world):
        sweeper = world.popen("retention", "sweep", "songly", "--rule", "content")
        try:
            # The first batch's objects are gone; its commit is waiting.
            wait_until(lambda: len(_objects(root)) == DUE + 1 - BATCH, timeout=120)
        finally:
            os.killpg(sweeper.pid, signal.SIGKILL)
            sweeper.wait(timeout=30)
    left_objects, left_rows = _objects(root), _row_keys(world)
    # Killed inside a batch: some of its objects are gone, its rows were not committed.
    assert left_rows - left_objects
    # Never an object without its row.
    assert left_objects <= left_rows
    with world.runtime.sessions() as db:
        interrupted = db.scalar(select(func.count()).where(RetentionRun.finished_at.is_(None)))
    assert interrupted == 1

    rerun = world.warren("retention", "sweep", "songly", "--rule", "content")
    assert rerun.returncode == 0, world.explain()
    assert _objects(root) == _row_keys(world) == {f"songly/{kept.storage_key}"}
    history = world.warren("retention", "history")
    assert "interrupted" in history.stdout


def test_two_sweepers_at_once_share_the_work(local_world: World, tmp_path: Path) -> None:
    world = local_world
    root = tmp_path / "objects"
    owner = world.user("songly", "bulk")
    seed_local_content(world, root, owner, DUE, age_days=40)
    world.env["WARREN_RETENTION_BATCH"] = "25"
    first = world.popen("retention", "sweep", "songly", "--rule", "content")
    second = world.popen("retention", "sweep", "songly", "--rule", "content")
    assert first.wait(timeout=300) == 0
    assert second.wait(timeout=300) == 0
    assert _objects(root) == _row_keys(world) == set()
    with world.runtime.sessions() as db:
        runs = db.scalars(select(RetentionRun)).all()
    assert len(runs) == 2
    assert all(run.error is None and run.finished_at is not None for run in runs)
    # Each row was deleted by exactly one of them.
    assert sum(run.counts["content_items"] for run in runs) == DUE


def test_the_scheduler_runs_every_rule(local_world: World, tmp_path: Path) -> None:
    world = local_world
    owner = world.user("songly", "scheduled")
    sleeper = world.user("vizardio", "sleeper", last_access=days_ago(400))
    content = world.item(owner, created=days_ago(31))
    fresh = world.item(owner, created=days_ago(1))
    upload = world.upload(owner, created=days_ago(4))
    env = {
        **world.env,
        "WARREN_SCHEDULER_RECOVER_SECONDS": "30",
        "WARREN_SCHEDULER_PURGE_UPLOADS_SECONDS": "0.5",
        "WARREN_SCHEDULER_RETENTION_SECONDS": "1",
    }
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

        def swept() -> bool:
            return not (
                world.exists(ContentItem, content.id)
                or world.exists(User, sleeper.id)
                or world.exists(type(upload), upload.id)
            )

        wait_until(swept, 120, lambda: log_path.read_text(errors="replace"))
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert world.exists(ContentItem, fresh.id)
    assert not world.store("songly").exists(content.storage_key)
    assert not world.store("songly").exists(upload.storage_key)
    with world.runtime.sessions() as db:
        rules = set(
            db.scalars(select(RetentionRun.rule).where(RetentionRun.finished_at.is_not(None)))
        )
    assert rules == {rule.value for rule in Rule}
