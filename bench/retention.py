"""How fast the retention sweep deletes due content, against a naive per-row baseline.

Run: DATABASE_URL=postgresql://… .venv/bin/python bench/retention.py [--count 1000000]

In a database of its own (created, migrated, dropped afterwards) it seeds ``--count``
due content items of one tenant (rows by ``generate_series``, one tiny object file each
in a local object store) and a ``--sample`` of due items of another tenant. It then
times, in the same run:

- the naive baseline on the sample: load each ORM object, delete its file,
  ``session.delete``, commit — extrapolated to items per second;
- warren's sweep (``warren.lifecycle.sweep``, rule ``content``) on all ``--count`` items.

It prints items/s for both, the ratio (goal ≥ 20×) and the sweep's peak Python memory
(tracemalloc, in separate untimed sweeps of three sizes), which must not grow with the count.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warren.db.base import utcnow
from warren.db.engine import libpq_url, make_engine, make_sessionmaker
from warren.db.migrate import upgrade
from warren.library.models import ContentItem
from warren.lifecycle.rules import Rule
from warren.lifecycle.sweep import sweep
from warren.mail.outbox import OutboxMailer
from warren.paths import PROJECT_ROOT
from warren.settings import Settings
from warren.storage.local import LocalObjectStore
from warren.storage.tenant_store import TenantStore
from warren.tenancy.registry import Registry, load_registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import own_database, server_url

SWEPT, NAIVE = "songly", "vizardio"
USERS = 1000


@dataclass
class Deps:
    sessions: sessionmaker[Session]
    store: LocalObjectStore
    mailer: OutboxMailer
    registry: Registry


def seed(url: str, root: Path, tenant: str, count: int, age_days: int) -> None:
    """``count`` due items over USERS users: rows in one INSERT, files written plainly."""
    created = utcnow() - timedelta(days=age_days)
    with psycopg.connect(libpq_url(url)) as conn:
        users = [uuid.uuid4() for _ in range(USERS)]
        run = uuid.uuid4().hex[:8]
        with conn.cursor().copy(
            "COPY users (id, tenant_id, email, username, password_hash, adult_confirmed_at, "
            "accepted_policy_version, created_at, last_access_at) FROM STDIN"
        ) as copy:
            for n, user in enumerate(users):
                copy.write_row(
                    (
                        user,
                        tenant,
                        f"u{n}-{run}@example.com",
                        f"u{n}-{run}",
                        "x",
                        created,
                        "bench",
                        created,
                        utcnow(),
                    )
                )
        conn.execute(
            """
            INSERT INTO content_items (id, tenant_id, user_id, category, product_key, title,
                content_type, extension, size_bytes, storage_key, is_demo, source_upload_ids,
                created_at, created_with_prime)
            SELECT i.id, %(tenant)s, u.id, 'poem', 'poem', 'A poem', 'text/plain', 'txt', 1,
                   'results/' || u.id || '/' || i.id || '.txt', true, '{}', %(created)s, false
            FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, %(count)s) AS n) AS i
            JOIN (SELECT id, row_number() OVER () - 1 AS k FROM users WHERE id = ANY(%(users)s)) AS u
              ON u.k = i.n %% %(n_users)s
            """,
            {
                "tenant": tenant,
                "created": created,
                "count": count,
                "users": users,
                "n_users": USERS,
            },
        )
        for user in users:
            (root / tenant / "results" / str(user)).mkdir(parents=True, exist_ok=True)
        # A server-side cursor: the keys stream instead of filling memory.
        cursor = conn.cursor(name="keys")
        cursor.itersize = 20_000
        cursor.execute("SELECT storage_key FROM content_items WHERE user_id = ANY(%s)", (users,))
        for (key,) in cursor:
            fd = os.open(root / tenant / key, os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, b"x")
            os.close(fd)
        conn.commit()


def naive(deps: Deps, tenant: str) -> int:
    store = TenantStore(deps.store, tenant)
    cutoff = utcnow() - timedelta(
        days=deps.registry.get(tenant).retention.content_deletable_after_days
    )
    done = 0
    with deps.sessions() as db:
        items = db.scalars(
            select(ContentItem).where(
                ContentItem.tenant_id == tenant, ContentItem.created_at <= cutoff
            )
        ).all()
        for item in items:
            store.delete_many([item.storage_key])
            db.delete(item)
            db.commit()
            done += 1
    return done


def timed(work: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    done = work()
    return done, time.perf_counter() - started


def peak_memory(work: Callable[[], int]) -> int:
    """Peak bytes of Python memory while ``work`` runs (tracemalloc slows it: not timed)."""
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="due items the sweep deletes")
    parser.add_argument("--sample", type=int, default=10_000, help="due items the baseline deletes")
    parser.add_argument(
        "--batch",
        type=int,
        default=Settings.model_fields["retention_batch"].default,
        help="rows per sweep transaction (default: WARREN_RETENTION_BATCH's default)",
    )
    args = parser.parse_args()
    admin = server_url()
    if admin is None:
        return 2
    with own_database(admin) as url:
        return _measure(args, url)


def _measure(args: argparse.Namespace, url: str) -> int:
    work = Path(tempfile.mkdtemp(prefix="warren-bench-"))
    engine = make_engine(url)
    try:
        upgrade(url)
        root = work / "objects"
        deps = Deps(
            make_sessionmaker(engine),
            LocalObjectStore(root),
            OutboxMailer(work / "outbox"),
            load_registry(PROJECT_ROOT / "tenants.toml"),
        )
        age = deps.registry.get(SWEPT).retention.content_deleted_by_days + 1
        started = time.perf_counter()
        seed(url, root, SWEPT, args.count, age)
        seed(url, root, NAIVE, args.sample, age)
        print(
            f"seeded {args.count:,} + {args.sample:,} due items in {time.perf_counter() - started:.1f} s"
        )
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

        tenant = deps.registry.get(SWEPT)

        def swept() -> int:
            results = sweep(deps, [tenant], [Rule.CONTENT], batch=args.batch)
            return sum(result.counts.get("content_items", 0) for result in results)

        n_naive, s_naive = timed(lambda: naive(deps, NAIVE))
        n_sweep, s_sweep = timed(swept)
        left = sum(1 for _ in root.rglob("*.txt"))
        naive_rate, sweep_rate = n_naive / s_naive, n_sweep / s_sweep
        print(f"{'':<8} {'items':>10} {'seconds':>9} {'items/s':>10}")
        print(f"{'naive':<8} {n_naive:>10,} {s_naive:>9.1f} {naive_rate:>10,.0f}")
        print(f"{'sweep':<8} {n_sweep:>10,} {s_sweep:>9.1f} {sweep_rate:>10,.0f}")
        print(
            f"naive extrapolated to {args.count:,} items: {args.count / naive_rate:,.0f} s; "
            f"sweep: {s_sweep:,.0f} s"
        )
        print(f"sweep vs naive: {sweep_rate / naive_rate:.1f}× faster (goal ≥ 20)")
        print(f"objects left in storage: {left} (expected 0)")
        # Peak memory for three sizes: equal peaks mean it does not grow with the count.
        for size in (args.sample, 4 * args.sample, 8 * args.sample):
            seed(url, root, SWEPT, size, age)
            print(
                f"sweep peak Python memory for {size:,} items: {peak_memory(swept) / 2**20:.1f} MiB"
            )
        return 0 if left == 0 and n_sweep == args.count and n_naive == args.sample else 1
    finally:
        engine.dispose()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
