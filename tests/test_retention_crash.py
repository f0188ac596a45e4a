"""A sweep killed mid-batch leaves nothing orphaned and the next one finishes; two
sweepers at once share the work without errors; the scheduler runs the sweep itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from retention_world import ROOT, World, days_ago, seed_local_content
from sqlalchemy import func, select
from test_retention_rules import make_world

from warren.accounts.models import User
from warren.library.models import ContentItem
from warren.lifecycle.models import RetentionRun
from warren.settings import Settings

from infra import wait_until

DUE = 3000
BATCH = 200


def _stop_inside_a_batch(sweeper: subprocess.Popen[bytes], root: Path, world: World) -> None:
    """Freeze the sweeper (SIGSTOP) at a moment when it has deleted part of a batch's
    objects: every batch deletes exactly BATCH objects, so a count of deleted objects
    that is not a multiple of BATCH, seen while it is stopped, is mid-batch."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if sweeper.poll() is not None:
            break
        gone = DUE + 1 - len(_objects(root))
        if gone % BATCH == 0:
            continue
        os.killpg(sweeper.pid, signal.SIGSTOP)
        gone = DUE + 1 - len(_objects(root))
        if gone % BATCH != 0:
            return
        os.killpg(sweeper.pid, signal.SIGCONT)
    raise AssertionError("never caught the sweep inside a batch:\n" + world.explain())


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
    sweeper = world.popen("retention", "sweep", "songly", "--rule", "content")
    try:
        _stop_inside_a_batch(sweeper, root, world)
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
    assert rules == {"uploads", "trash", "content", "chats", "logs", "inactive_accounts"}
