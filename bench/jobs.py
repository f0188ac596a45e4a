"""The job engine against a bare Dramatiq actor on the same broker, and submitting a job
against a bare INSERT.

Run: DATABASE_URL=postgresql://… .venv/bin/python bench/jobs.py [--jobs 300] [--threads 4]
     [--rounds 3] [--broker amqp://…]

In a database of its own (created, migrated, dropped afterwards), in this one process:

- **submit**: ``submit_generation`` of a poem in its unit of work (the balance debit,
  the reserve, the job row, the outbox row, the commit, the message sent) against one
  bare ``INSERT`` of a row and its commit through the same engine; medians in ms.
- **drain**: ``--jobs`` poem jobs (the offline demo provider, which writes a short poem:
  the closest thing to a no-op job warren has) queued, then a Dramatiq worker with
  ``--threads`` threads started in this process and timed until every job is done, against
  the same number of messages to the no-op actor of bench/noop_actors.py drained by a
  worker with the same threads on the same broker. Prints jobs/s for both, the ratio
  (goal ≥ 0.25×) and this process's CPU milliseconds per job during the drain (worker
  threads, broker client, database driver; the database server's work is not in it).

The broker is ``--broker`` (default: WARREN_BROKER_URL, else the benchmark's database via
dramatiq-postgres); a queue prefix of its own keeps it off any other deployment's queue.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = "poem"
TENANT = "songly"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--submits", type=int, default=200, help="timed submissions per round")
    parser.add_argument("--broker", default=os.environ.get("WARREN_BROKER_URL", ""))
    args = parser.parse_args()
    from bench.databases import in_process_warren, server_url

    admin = server_url()
    if admin is None:
        return 2
    with in_process_warren(admin) as url:
        if args.broker:
            os.environ["WARREN_BROKER_URL"] = args.broker
        return _run(args, url)


def _run(args: argparse.Namespace, url: str) -> int:
    # Imported here: the settings and the broker are read from the environment set above.
    import dramatiq
    from sqlalchemy import text

    from warren.accounts.signup import SignUpForm, sign_up
    from warren.billing.ledger import grant
    from warren.db.migrate import upgrade
    from warren.db.unit_of_work import unit_of_work
    from warren.generation.submit import submit_generation
    from warren.privacy.policy import policy_version

    upgrade(url)
    # Installs warren's broker (from the settings above) and declares its actors on it.
    import workers.actors  # noqa: F401
    from bench import noop_actors
    from workers.runtime import get_runtime

    broker = dramatiq.get_broker()
    runtime = get_runtime()
    tenant = runtime.registry.get(TENANT)
    price = tenant.products[PRODUCT].price
    version = policy_version(tenant)
    form = SignUpForm("bench@example.com", "bench", "correct horse battery", True, version)
    with unit_of_work(runtime.sessions) as db:
        user = sign_up(db, tenant, form, version, "bench").user
        assert user is not None
        total = (args.jobs + args.submits) * args.rounds * price * 2
        grant(db, tenant, user.id, total, "bench")
    with runtime.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_bare (id uuid PRIMARY KEY, body text)"))

    def submit_once() -> None:
        with unit_of_work(runtime.sessions) as db:
            submit_generation(db, tenant, user.id, PRODUCT, "About the sea", [])

    def bare_once() -> None:
        with runtime.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO bench_bare VALUES (:id, :body)"),
                {"id": uuid.uuid4(), "body": "About the sea"},
            )

    def timed(step: object, times: int) -> float:
        samples = []
        for _ in range(times):
            started = time.perf_counter()
            step()  # type: ignore[operator]
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1000

    # Polled every 20 ms during a drain, in the process being measured: a session and an
    # ORM query per poll held the GIL a tenth of the drain in a profile, a cost
    # the no-op actor's in-memory counter never pays. A pooled connection and one text statement.
    done_count = text("SELECT count(*) FROM jobs WHERE status = 'done'")

    def done_jobs() -> int:
        with runtime.engine.connect() as connection:
            return int(connection.execute(done_count).scalar_one())

    def drain(queue: str, finished: object, target: int) -> tuple[float, float]:
        worker = dramatiq.Worker(broker, queues={queue}, worker_threads=args.threads)
        # A worker adds its own middleware to the broker and never takes it away; later
        # rounds would each pay for every earlier round's on every message.
        middleware = list(broker.middleware)
        cpu = time.process_time()
        started = time.perf_counter()
        worker.start()
        try:
            while finished() < target:  # type: ignore[operator]
                if time.perf_counter() - started > 600:
                    raise SystemExit(f"{queue}: not drained in 600 s")
                time.sleep(0.02)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        finally:
            worker.stop()
            broker.middleware[:] = middleware
        return elapsed, cpu

    from warren.queue.broker import queue_name

    warren_queue = queue_name(runtime.settings.queue_prefix)
    submit_ms, bare_ms, warren_rates, noop_rates, cpu_ms = [], [], [], [], []
    for _ in range(args.rounds):
        # Submissions queue their messages; the drain below runs them with the rest.
        submit_ms.append(timed(submit_once, args.submits))
        bare_ms.append(timed(bare_once, args.submits))
        for _ in range(args.jobs):
            submit_once()
        target = done_jobs() + args.submits + args.jobs
        elapsed, cpu = drain(warren_queue, done_jobs, target)
        warren_rates.append((args.submits + args.jobs) / elapsed)
        cpu_ms.append(cpu * 1000 / (args.submits + args.jobs))
        noop_actors.reset()
        for n in range(args.submits + args.jobs):
            noop_actors.noop.send(n)
        elapsed, _ = drain(noop_actors.NOOP_QUEUE, noop_actors.done, args.submits + args.jobs)
        noop_rates.append((args.submits + args.jobs) / elapsed)

    scheme = (runtime.settings.broker_url or url).split("://", 1)[0]
    warren_rate, noop_rate = statistics.median(warren_rates), statistics.median(noop_rates)
    submit, bare = statistics.median(submit_ms), statistics.median(bare_ms)
    print(
        f"jobs: broker {scheme}, 1 process × {args.threads} threads, "
        f"{args.jobs + args.submits} jobs per round, median of {args.rounds}"
    )
    print(f"{'scenario':<22} {'warren':>10} {'baseline':>10} {'ratio':>8}")
    print(
        f"{'drain jobs/s':<22} {warren_rate:>10.0f} {noop_rate:>10.0f} "
        f"{warren_rate / noop_rate:>7.2f}×   (goal ≥ 0.25×; baseline: bare no-op actor)"
    )
    print(
        f"{'submit ms':<22} {submit:>10.2f} {bare:>10.2f} {submit / bare:>7.1f}×   "
        "(goal ≤ 5 ms; baseline: one bare INSERT + commit)"
    )
    print(f"{'worker CPU ms/job':<22} {statistics.median(cpu_ms):>10.2f}")
    if scheme.startswith("amqp"):
        # The benchmark's queues (and their delay and dead-letter queues) would otherwise
        # stay on the shared server; the PostgreSQL broker's go with the database.
        for queue in (warren_queue, noop_actors.NOOP_QUEUE):
            for suffix in ("", ".DQ", ".XQ"):
                broker.channel.queue_delete(queue + suffix)  # type: ignore[attr-defined]
    runtime.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
