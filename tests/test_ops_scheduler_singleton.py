"""Two real `warren scheduler` processes on one database: only the one holding the
advisory lock runs tasks, and the other takes over within seconds of the first being
killed (SIGKILL: no clean shutdown, PostgreSQL drops its lock with its connection)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import TEST_SECRET
from infra import wait_until

ROOT = Path(__file__).resolve().parents[1]


def _lines(path: Path) -> list[dict[str, object]]:
    found = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def tasks_run(path: Path) -> int:
    return sum(1 for line in _lines(path) if line.get("event") == "task ran")


def said(path: Path, event: str) -> bool:
    return any(str(line.get("event", "")).startswith(event) for line in _lines(path))


@pytest.fixture
def start_scheduler(
    database_url: str, tmp_path: Path
) -> Iterator[Callable[[str], tuple[subprocess.Popen[bytes], Path]]]:
    started: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_DATA_DIR": str(tmp_path / "data"),
        "WARREN_SECRET": TEST_SECRET,
        "WARREN_STORAGE_URL": f"file://{tmp_path / 'objects'}",
        "WARREN_SCHEDULER_RECOVER_SECONDS": "0.2",
        "WARREN_SCHEDULER_PURGE_UPLOADS_SECONDS": "0.2",
        "WARREN_SCHEDULER_STANDBY_SECONDS": "0.2",
        "WARREN_LOG_LEVEL": "DEBUG",
        "WARREN_LOG_FORMAT": "json",
    }
    for name in ("WARREN_BROKER_URL", "WARREN_QUEUE_PREFIX"):
        env.pop(name, None)

    def start(name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log_path = tmp_path / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "warren.cli", "scheduler"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(process)
        return process, log_path

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_one_scheduler_runs_tasks_and_a_standby_takes_over(
    start_scheduler: Callable[[str], tuple[subprocess.Popen[bytes], Path]],
) -> None:
    first, first_log = start_scheduler("first")
    wait_until(lambda: tasks_run(first_log) >= 2, 60, first_log.read_text)
    second, second_log = start_scheduler("second")
    wait_until(lambda: said(second_log, "scheduler standing by"), 60, second_log.read_text)
    # While the first lives, it keeps running tasks and the second runs none.
    ran = tasks_run(first_log)
    wait_until(lambda: tasks_run(first_log) >= ran + 10, 30, first_log.read_text)
    assert tasks_run(second_log) == 0, second_log.read_text()
    assert second.poll() is None

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed = time.monotonic()
    wait_until(lambda: tasks_run(second_log) >= 1, 30, second_log.read_text)
    takeover = time.monotonic() - killed
    print(f"standby took over {takeover:.2f} s after the leader was killed")
    assert said(second_log, "scheduler leading")
    assert takeover < 10
