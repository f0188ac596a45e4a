"""The policy page's latency during a burst of sign-ins, against the same page when idle.

Run: .venv/bin/python bench/signin_burst.py [--seconds 8] [--signins 50] [--probes 4] [--rounds 3]

Starts `warren serve --no-worker` on loopback (on a database of its own on DATABASE_URL's
server when that is set, else the embedded PostgreSQL in a temporary data dir), trusting loopback as a proxy so that every sign-in
can come from an address of its own (X-Forwarded-For). Then, in the same run:

- **idle**: ``--probes`` connections GET the songly policy page back to back for
  ``--seconds``; every response time is recorded;
- **burst**: the same probes while, in a separate process, ``--signins`` clients each
  POST sign-ins in a loop, every attempt from a new address (each one costs an Argon2id
  verification, unknown accounts included, since warren hashes a dummy to keep timing
  equal); a client told 429 waits what Retry-After says before its next attempt;
- **control**: the same probes while as many clients send as many requests per second
  as the burst's got answers, each a load of the sign-in page, which hashes nothing.

It prints the probes' p50/p99 in each phase, the p99 ratio burst / idle (goal ≤ 2×),
burst / control (the hashing's own share: control / idle is what any such load costs on
a machine whose cores the load generator shares), and what the sign-ins got back: 401
(hashed and refused), 429 (turned away by the hashing gate or a rate limit), anything
else.

The gate that keeps pages responsive is `warren.accounts.passwords`: at most one hash per
core less one runs at a time, a bounded queue waits, and the rest get 429 at once.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pages import free_port, server_environment, start, stop, wait_ready
from warren.web.csrf import FIELD

HOST = "songly.localhost"
TOKEN = re.compile(rf'name="{re.escape(FIELD)}" value="([^"]+)"')


async def probe(url: str, seconds: float, connections: int) -> list[float]:
    """Response times (ms) of back-to-back GETs on ``connections`` connections."""
    times: list[float] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, headers={"Host": HOST}, timeout=60) as client:
        stop_at = time.monotonic() + seconds

        async def one() -> None:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                response = await client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
                times.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(one() for _ in range(connections)))
    return times


def new_addresses(network: int) -> Iterator[str]:
    """A new client address for every attempt, inside 10.<network>.0.0/16."""
    for n in itertools.count(1):
        yield f"10.{network}.{n // 250 % 250}.{n % 250 + 1}"


async def sign_ins(base: str, seconds: float, clients: int, worker: int) -> Counter[int]:
    statuses: Counter[int] = Counter()
    addresses = new_addresses(worker)
    stop_at = time.monotonic() + seconds

    async def one(index: int) -> None:
        async with httpx.AsyncClient(headers={"Host": HOST}, timeout=60) as client:
            page = await client.get(f"{base}/sign-in")
            match = TOKEN.search(page.text)
            if match is None:
                raise SystemExit("no CSRF token on the sign-in page")
            while time.monotonic() < stop_at:
                address = next(addresses)
                response = await client.post(
                    f"{base}/sign-in",
                    data={
                        FIELD: match.group(1),
                        "login": f"nobody{index}-{address}@example.com",
                        "password": "not the password",
                        "next": "/",
                    },
                    headers={"X-Forwarded-For": address},
                )
                statuses[response.status_code] += 1
                if response.status_code == 429:
                    # A client that honours Retry-After, as browsers resubmitting by hand do
                    # in effect; without it the benchmark measures a flood, not a burst.
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))

    await asyncio.gather(*(one(i) for i in range(clients)))
    return statuses


async def page_loads(base: str, seconds: float, clients: int, pause: float) -> Counter[int]:
    """The control: as many clients, each loading the sign-in page (no hash) every
    ``pause`` seconds, from a new address each time."""
    statuses: Counter[int] = Counter()
    addresses = new_addresses(2)
    stop_at = time.monotonic() + seconds

    async def one(index: int) -> None:
        async with httpx.AsyncClient(headers={"Host": HOST}, timeout=60) as client:
            # On a fixed schedule, spread out as the sign-ins are, so the rate is the
            # burst's whatever the answers' own time.
            next_at = time.monotonic() + pause * index / clients
            while next_at < stop_at:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at += pause
                address = next(addresses)
                response = await client.get(f"{base}/sign-in", headers={"X-Forwarded-For": address})
                statuses[response.status_code] += 1

    await asyncio.gather(*(one(i) for i in range(clients)))
    return statuses


def burst_process(
    base: str,
    seconds: float,
    clients: int,
    pause: float | None,
    out: multiprocessing.Queue,  # type: ignore[type-arg]
) -> None:
    load = (
        sign_ins(base, seconds, clients, 1)
        if pause is None
        else page_loads(base, seconds, clients, pause)
    )
    out.put(dict(asyncio.run(load)))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--signins", type=int, default=50)
    parser.add_argument("--probes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    rounds: list[Round] = []
    with (
        tempfile.TemporaryDirectory(prefix="warren-bench-") as tmp,
        server_environment(tmp) as base_env,
    ):
        env = {
            **base_env,
            "WARREN_TRUSTED_PROXIES": "127.0.0.1/32",
            # Every attempt comes from a new address, so the per-address limit never
            # trips; the global limits below are what a burst meets.
            "WARREN_RATE_LIMIT_SIGN_IN": "1000/second",
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        warren = start(
            [sys.executable, "-m", "warren.cli", "serve", "--no-worker", "--port", str(port)],
            env,
            Path(tmp) / "warren.log",
        )
        try:
            wait_ready(f"{base}/healthz", warren)
            asyncio.run(probe(f"{base}/privacy", 1.0, args.probes))  # warm-up
            for _ in range(args.rounds):
                rounds.append(one_round(base, args))
        finally:
            stop(warren)

    print(f"policy page, {args.probes} probe connections, {args.seconds:g} s per phase")
    print(
        f"{'round':<6} {'idle p50':>9} {'idle p99':>9} {'burst p50':>10} {'burst p99':>10}"
        f" {'ratio':>6} {'control p99':>12} {'burst/control':>14}"
    )
    ratios, shares = [], []
    statuses: Counter[int] = Counter()
    for number, measured in enumerate(rounds, 1):
        idle_p99, busy_p99 = percentile(measured.idle, 0.99), percentile(measured.burst, 0.99)
        control_p99 = percentile(measured.control, 0.99)
        ratios.append(busy_p99 / idle_p99)
        shares.append(busy_p99 / control_p99)
        statuses.update(measured.answered)
        print(
            f"{number:<6} {statistics.median(measured.idle):>9.1f} {idle_p99:>9.1f}"
            f" {statistics.median(measured.burst):>10.1f} {busy_p99:>10.1f} {ratios[-1]:>5.2f}×"
            f" {control_p99:>12.1f} {shares[-1]:>13.2f}×"
        )
    print(
        f"p99 burst / idle, median of {len(ratios)} rounds: {statistics.median(ratios):.2f}×   (goal ≤ 2×)"
    )
    print(f"p99 burst / control (as many page loads, no hashing): {statistics.median(shares):.2f}×")
    print(
        f"sign-ins during the bursts ({args.signins} clients, a new address each attempt): "
        + ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
    )


@dataclass
class Round:
    idle: list[float]
    burst: list[float]
    control: list[float]
    # What the sign-ins got back.
    answered: dict[int, int]


def one_round(base: str, args: argparse.Namespace) -> Round:
    """An idle phase, a burst phase, and a control phase: the burst's clients sending as
    many requests, each a page load that hashes nothing. Burst p99 over control p99 is
    the hashing's own share; control over idle is what any 50 more clients cost on this
    machine (the load generator shares its cores)."""
    idle = asyncio.run(probe(f"{base}/privacy", args.seconds, args.probes))
    busy, answered = _probed_while(base, args, pause=None)
    rate = sum(answered.values()) / (args.seconds + 1)
    control, _ = _probed_while(base, args, pause=args.signins / max(rate, 1.0))
    return Round(idle, busy, control, answered)


def _probed_while(
    base: str, args: argparse.Namespace, pause: float | None
) -> tuple[list[float], dict[int, int]]:
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    load = multiprocessing.Process(
        target=burst_process, args=(base, args.seconds + 1, args.signins, pause, results)
    )
    load.start()
    time.sleep(1.0)  # let every client get going before probing
    times = asyncio.run(probe(f"{base}/privacy", args.seconds, args.probes))
    load.join(timeout=args.seconds + 120)
    if load.exitcode != 0:
        raise SystemExit(f"the load process failed ({load.exitcode})")
    statuses: dict[int, int] = results.get(timeout=10)
    return times, statuses


if __name__ == "__main__":
    main()
