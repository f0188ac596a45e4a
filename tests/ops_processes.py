"""warren's processes started as ops start them (`warren worker`, `warren scheduler`,
`warren serve --no-worker`), on this run's database and its PostgreSQL queue, with a
file:// object store and the mail outbox shared with the test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import TEST_SECRET

ROOT = Path(__file__).resolve().parents[1]


class Processes:
    def __init__(self, database_url: str, tmp_path: Path, **settings: str) -> None:
        self.tmp_path = tmp_path
        self.data_dir = tmp_path / "data"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "WARREN_DATA_DIR": str(self.data_dir),
            "WARREN_SECRET": TEST_SECRET,
            "WARREN_STORAGE_URL": f"file://{tmp_path / 'objects'}",
            "WARREN_LOG_FORMAT": "json",
            **settings,
        }
        # The PostgreSQL queue in this run's own database: nothing shared with other runs.
        for name in ("WARREN_BROKER_URL", "WARREN_QUEUE_PREFIX", "WARREN_MAIL_URL"):
            self.env.pop(name, None)
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        log_path = self.tmp_path / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "warren.cli", *command],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((name, process))
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL to the process group: the process and every child it forked, at once."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} (exit {p.poll()}):\n"
            + (self.tmp_path / f"{name}.log").read_text(errors="replace")[-4000:]
            for name, p in self.started
        )

    def stop(self) -> None:
        for _, process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
