"""`warren serve --workers 2`: two web processes share the port and both answer, while
the job worker and the scheduler are started once; SIGTERM to serve stops them all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
from prometheus_client.mmap_dict import MmapedDict

from conftest import TEST_SECRET, free_port
from served import ROOT, wait_until_healthy


def answering_pids(metrics_dir: Path) -> set[int]:
    """Processes that have counted a request: prometheus-client writes one file of
    counters per process (``counter_<pid>.db``); every process that imports warren's
    metrics has one (counters without labels exist from the start), so only those
    holding a request count are answering ones."""
    return {
        int(found.group(1))
        for path in metrics_dir.iterdir()
        if (found := re.fullmatch(r"counter_(\d+)\.db", path.name))
        and any(
            key.startswith('["warren_http_requests"')
            for key, *_ in MmapedDict.read_all_values_from_file(str(path))
        )
    }


def test_two_web_processes_answer_and_helpers_start_once(database_url: str, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_SECRET": TEST_SECRET,
        "WARREN_DATA_DIR": str(tmp_path / "data"),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "WARREN_LOG_LEVEL": "WARNING",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "warren.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    spawned: list[psutil.Process] = []
    try:
        wait_until_healthy(base, process, log_path)

        def one(host: str) -> int:
            # A fresh connection each time, so the kernel hands each to whichever
            # process accepts it first.
            with httpx.Client(headers={"Host": host}) as client:
                return client.get(base + "/").status_code

        hosts = ["songly.localhost", "vizardio.localhost"] * 8
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(8) as pool:
            while len(answering_pids(metrics_dir)) < 2 and time.monotonic() < deadline:
                assert set(pool.map(one, hosts)) == {200}
        children = psutil.Process(process.pid).children(recursive=True)
        spawned = children
        pids = {child.pid for child in children}
        answered = answering_pids(metrics_dir)
        assert len(answered) >= 2, log_path.read_text()
        # Both are serve's own web processes (not the job worker or scheduler).
        assert answered <= pids
        # serve's own children: the two web processes, one job worker (which runs its
        # own Dramatiq processes below it) and one scheduler.
        commands = [" ".join(child.cmdline()) for child in psutil.Process(process.pid).children()]
        assert sum("scheduler" in command for command in commands) == 1, commands
        assert sum("workers.actors" in command for command in commands) == 1, commands
        assert sum("spawn_main" in command for command in commands) == 2, commands
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
    assert process.returncode == 0, log_path.read_text()
    _, alive = psutil.wait_procs(spawned, timeout=30)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
