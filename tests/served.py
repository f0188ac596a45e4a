"""Running `warren serve` as a separate process, as a user or an init system would."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def start_serve(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`warren serve` in its own session, everything it prints going to ``log_path``."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "warren.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_healthy(
    base_url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(base_url + "/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("warren serve did not start:\n" + log_path.read_text())
        time.sleep(0.2)
