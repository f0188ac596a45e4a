"""How the order history's keyset pages cost as a user's history grows, against OFFSET.

Run: .venv/bin/python bench/order_history.py [--jobs 50000] [--revision head]

Needs DATABASE_URL (a PostgreSQL server where a throw-away database may be created). It
creates a database, migrates it, gives one user ``--jobs`` generation jobs (plus as many
for another user and another brand), and times ``made_orders`` — the first page, a page
in the middle and the last, reached by cursor — next to the same page by OFFSET. Prints
the median of several runs in milliseconds, and the query plan of the deepest page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from warren.billing.history import PAGE_SIZE, made_orders
from warren.db.engine import sqlalchemy_url
from warren.db.keyset import encode
from warren.db.migrate import upgrade
from warren.generation.models import Job
from warren.paths import PROJECT_ROOT
from warren.tenancy.registry import load_registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import seed
from bench.databases import own_database

ROUNDS = 15


def _fill(db: Session, jobs: int) -> uuid.UUID:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = {}
    for slug, name in [("songly", "ann"), ("songly", "bob"), ("vizardio", "ann")]:
        ids[(slug, name)] = seed.user(db, slug, f"{name}@{slug}.test", name)
        seed.done_jobs(db, slug, ids[(slug, name)], jobs, start)
    db.commit()
    db.execute(text("ANALYZE jobs"))
    return ids[("songly", "ann")]


def _offset_page(db: Session, user_id: uuid.UUID, position: int) -> list[Job]:
    return list(
        db.scalars(
            select(Job)
            .where(Job.tenant_id == "songly", Job.user_id == user_id, Job.assistant_key.is_(None))
            .order_by(Job.created_at.desc(), Job.id.desc())
            .offset(position)
            .limit(PAGE_SIZE + 1)
        )
    )


def _median_ms(run: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=50_000)
    # e.g. 0019: the schema before the history's index, to compare.
    parser.add_argument("--revision", default="head")
    args = parser.parse_args()
    with own_database(os.environ["DATABASE_URL"]) as url:
        _compare(args, url)


def _compare(args: argparse.Namespace, url: str) -> None:
    upgrade(url, args.revision)
    engine = create_engine(sqlalchemy_url(url))
    tenant = load_registry(PROJECT_ROOT / "tenants.toml").get("songly")
    with Session(engine) as db:
        user_id = _fill(db, args.jobs)
        print(f"schema {args.revision}: {args.jobs} jobs for the user (and as many for two others)")
        print(f"{'page':>10} {'keyset ms':>10} {'offset ms':>10}")
        for position in (0, args.jobs // 2, args.jobs - PAGE_SIZE):
            if position:
                last = db.execute(
                    select(Job.created_at, Job.id)
                    .where(Job.tenant_id == "songly", Job.user_id == user_id)
                    .order_by(Job.created_at.desc(), Job.id.desc())
                    .offset(position - 1)
                    .limit(1)
                ).one()
                cursor: str | None = encode(last[0], last[1])
            else:
                cursor = None
            keyset = _median_ms(partial(made_orders, db, tenant, user_id, after=cursor))
            offset = _median_ms(partial(_offset_page, db, user_id, position))
            print(f"{position // PAGE_SIZE + 1:>10} {keyset:>10.2f} {offset:>10.2f}")
            db.expunge_all()
        plan = db.execute(
            text(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT id FROM jobs"
                " WHERE tenant_id = 'songly' AND user_id = :u AND assistant_key IS NULL"
                " AND (created_at, id) < (:at, :id) ORDER BY created_at DESC, id DESC"
                " LIMIT 21"
            ),
            {
                "u": user_id,
                "at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=40),
                "id": uuid.uuid4(),
            },
        ).scalars()
        print("\n".join(plan))
    engine.dispose()


if __name__ == "__main__":
    main()
