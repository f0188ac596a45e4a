"""Requests per second for a brand's pages against a plaintext endpoint on the same server.

Run: .venv/bin/python bench/pages.py [--seconds 5] [--connections 32] [--rounds 3]

Starts, one after the other on loopback: `warren serve --no-worker` (its database is one
of its own on DATABASE_URL's server when that is set, else the embedded PostgreSQL in a
temporary data dir) and the
plaintext Litestar app in bench/plaintext_app.py, both by uvicorn in one process with
the same event loop and parser. A small asyncio load generator (httpx, keep-alive,
N concurrent connections; simpler to ship and to read than a locust file for one GET
per scenario) hits each path for a fixed time, several rounds; the median req/s of each
is printed with the ratio warren / plaintext. The goal (issue "Performance") is ≥ 0.8×.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import own_database

ROOT = Path(__file__).resolve().parents[1]

SCENARIOS = [("policy", "/privacy"), ("home", "/")]
HOST = "songly.localhost"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {timeout} s")


async def load(url: str, host: str, seconds: float, connections: int) -> float:
    """Completed requests per second over ``seconds`` with ``connections`` in flight."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    done = 0
    async with httpx.AsyncClient(limits=limits, headers={"Host": host}, timeout=30) as client:
        stop = time.monotonic() + seconds

        async def one() -> None:
            nonlocal done
            while time.monotonic() < stop:
                response = await client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(one() for _ in range(connections)))
        return done / (time.monotonic() - started)


def cpu_seconds(pid: int) -> float:
    """User + system CPU the server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, host: str, pid: int, args: argparse.Namespace) -> tuple[float, float]:
    """Median req/s, and the server's CPU milliseconds per request over all rounds.

    CPU per request does not depend on how fast the load generator is, which on a small
    machine running both is often the real limit of req/s."""
    asyncio.run(load(url, host, 1.0, args.connections))  # warm-up
    before = cpu_seconds(pid)
    rates = []
    requests = 0.0
    for _ in range(args.rounds):
        rate = asyncio.run(load(url, host, args.seconds, args.connections))
        rates.append(rate)
        requests += rate * args.seconds
    cpu_ms = (cpu_seconds(pid) - before) * 1000 / max(requests, 1)
    return statistics.median(rates), cpu_ms


@contextmanager
def server_environment(data_dir: str) -> Iterator[dict[str, str]]:
    """The environment for a benchmark's `warren serve`: with DATABASE_URL set, a
    database of its own on that server (`warren serve` migrates the database it is
    given), else the embedded PostgreSQL in ``data_dir``."""
    env = {**os.environ, "WARREN_DATA_DIR": data_dir, "WARREN_LOG_LEVEL": "WARNING"}
    admin = env.pop("DATABASE_URL", "")
    if not admin:
        yield env
        return
    with own_database(admin) as url:
        yield {**env, "DATABASE_URL": url}


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="warren-bench-") as tmp, server_environment(tmp) as env:
        port = free_port()
        baseline_port = free_port()
        warren = start(
            [sys.executable, "-m", "warren.cli", "serve", "--no-worker", "--port", str(port)],
            env,
            Path(tmp) / "warren.log",
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}/healthz", warren)
            results = {
                name: measure(f"http://127.0.0.1:{port}{path}", HOST, warren.pid, args)
                for name, path in SCENARIOS
            }
        finally:
            stop(warren)
        baseline = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.plaintext_app:app",
                "--port",
                str(baseline_port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env,
            Path(tmp) / "baseline.log",
        )
        try:
            wait_ready(f"http://127.0.0.1:{baseline_port}/", baseline)
            plaintext, plaintext_cpu = measure(
                f"http://127.0.0.1:{baseline_port}/", HOST, baseline.pid, args
            )
        finally:
            stop(baseline)

    print(
        f"{args.connections} connections, 1 process, median of {args.rounds} × {args.seconds:g} s"
    )
    print(
        f"{'scenario':<10} {'warren req/s':>13} {'plaintext req/s':>16} {'ratio':>7}"
        f" {'warren CPU ms/req':>18} {'plaintext CPU ms/req':>21} {'CPU ratio':>10}"
    )
    for name, (rate, cpu) in results.items():
        print(
            f"{name:<10} {rate:>13.0f} {plaintext:>16.0f} {rate / plaintext:>6.2f}×"
            f" {cpu:>18.2f} {plaintext_cpu:>21.2f} {cpu / plaintext_cpu:>9.1f}×"
        )
    print("goal: req/s ≥ 0.80× for each page; server CPU per request shows the real cost")


if __name__ == "__main__":
    main()
