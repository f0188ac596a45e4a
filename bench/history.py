"""Whether a user's pages and submissions cost the same with 10 or 10,000 things behind them.

Run: DATABASE_URL=postgresql://… .venv/bin/python bench/history.py [--big 10000] [--rounds 40]

In a database of its own (created, migrated, dropped afterwards) it signs up three songly
users and gives them 10, 100 and ``--big`` content items and as many finished jobs
(rows by ``generate_series``), with 1,000 of another brand's user's beside them. Then,
the whole app called in process (httpx's ASGI transport: warren's edge, handlers and
templates, no network), each user signed in over its own sign-in form:

- ``/library`` and ``/account/orders`` (first page), medians of ``--rounds`` GETs;
- ``submit_generation`` of a poem in its unit of work, medians of ``--rounds``.

It prints each user's milliseconds and the ratio of the ``--big`` user's to the 10-item
user's (goal ≤ 1.2× for the pages; submit ≤ 5 ms and flat). The 100-item user's page shows
a full page of 20 as the big one's does, where the 10-item one's shows 10: its column
tells rows rendered apart from rows stored.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import Connection, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import seed
from bench.databases import in_process_warren, server_url
from warren.db.base import utcnow

TENANT = "songly"
HOST = "songly.localhost"
PASSWORD = "correct horse battery"  # noqa: S105 (the benchmark's own accounts)
PAGES = ("/library", "/account/orders")
PAGE_GOAL = 1.2
SUBMIT_GOAL_MS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    admin = server_url()
    if admin is None:
        return 2
    with in_process_warren(admin) as url:
        return asyncio.run(_run(args, url))


async def _run(args: argparse.Namespace, url: str) -> int:
    # Imported here: the settings are read from the environment set above.
    from warren.accounts.signup import SignUpForm, sign_up
    from warren.billing.ledger import grant
    from warren.db.migrate import upgrade
    from warren.db.unit_of_work import unit_of_work
    from warren.generation.submit import submit_generation
    from warren.logs import configure_logging
    from warren.privacy.policy import policy_version
    from warren.runtime import build_runtime
    from warren.settings import get_settings
    from warren.web.app import create_app
    from warren.web.csrf import FIELD

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    upgrade(url)
    runtime = build_runtime(settings, url)
    tenant = runtime.registry.get(TENANT)
    version = policy_version(tenant)
    sizes = {"10": 10, "100": 100, f"{args.big:,}": args.big}
    users: dict[str, uuid.UUID] = {}
    for label in sizes:
        form = SignUpForm(_login(label), _login(label).split("@")[0], PASSWORD, True, version)
        with unit_of_work(runtime.sessions) as db:
            user = sign_up(db, tenant, form, version, "bench").user
            assert user is not None
            grant(
                db,
                tenant,
                user.id,
                tenant.products["poem"].price * (args.rounds + WARM_UP),
                "bench",
            )
            users[label] = user.id
    with runtime.engine.begin() as conn:
        for label, count in sizes.items():
            _seed(conn, TENANT, users[label], count)
        # Another brand's rows in the same tables, as in any real database.
        _seed(conn, "vizardio", None, 1_000)
        conn.execute(text("ANALYZE"))

    app = create_app(runtime)
    transport = httpx.ASGITransport(app=app)
    token = re.compile(rf'name="{re.escape(FIELD)}" value="([^"]+)"')
    clients = {
        label: httpx.AsyncClient(transport=transport, base_url=f"http://{HOST}") for label in sizes
    }
    for label, client in clients.items():
        sign_in = await client.get("/sign-in")
        found = token.search(sign_in.text)
        assert found, "no CSRF token on the sign-in page"
        answer = await client.post(
            "/sign-in",
            data={FIELD: found.group(1), "login": _login(label), "password": PASSWORD},
        )
        assert answer.status_code == 303, f"sign-in: HTTP {answer.status_code}"

    steps: dict[str, dict[str, Callable[[], Awaitable[None]]]] = {
        f"GET {page}": {label: _getter(client, page) for label, client in clients.items()}
        for page in PAGES
    }

    def submitter(user_id: uuid.UUID) -> Callable[[], Awaitable[None]]:
        async def submit() -> None:
            with unit_of_work(runtime.sessions) as db:
                submit_generation(db, tenant, user_id, "poem", "About the sea", [])

        return submit

    steps["submit"] = {label: submitter(users[label]) for label in sizes}
    medians = {name: await _medians(by_user, args.rounds) for name, by_user in steps.items()}
    for client in clients.values():
        await client.aclose()
    runtime.close()

    big = f"{args.big:,}"
    print(
        f"history: songly users with {', '.join(sizes)} items and jobs; in-process app, "
        f"median of {args.rounds}"
    )
    print(
        f"{'ms':<22}"
        + "".join(f"{label + ' items':>14}" for label in sizes)
        + f"{'ratio':>9}   goal"
    )
    for name, times in medians.items():
        ratio = times[big] / times["10"]
        if name == "submit":
            met = max(times.values()) <= SUBMIT_GOAL_MS and ratio <= PAGE_GOAL
            goal = f"≤ {SUBMIT_GOAL_MS} ms and flat"
        else:
            met, goal = ratio <= PAGE_GOAL, f"≤ {PAGE_GOAL}×"
        print(
            f"{name:<22}"
            + "".join(f"{times[label]:>14.2f}" for label in sizes)
            + f"{ratio:>8.2f}×   {goal} ({'met' if met else 'not met'})"
        )
    return 0


def _login(label: str) -> str:
    return f"h{label.replace(',', '')}@example.com"


def _seed(conn: Connection, slug: str, user_id: uuid.UUID | None, count: int) -> None:
    """``count`` poems and their finished jobs for ``user_id`` (a new user when None)."""
    if user_id is None:
        user_id = seed.user(conn, slug, "other@example.com", "other")
    seed.done_jobs(conn, slug, user_id, count, utcnow() - timedelta(days=1))
    conn.execute(
        text(
            "INSERT INTO content_items (id, tenant_id, user_id, category, product_key, title,"
            " content_type, extension, size_bytes, storage_key, is_demo, source_upload_ids,"
            " created_at, created_with_prime)"
            " SELECT i, :t, :u, 'poem', 'poem', 'A poem ' || g, 'text/plain', 'txt', 1,"
            " 'results/' || :u || '/' || i || '.txt', true, '{}',"
            " now() - (g || ' minutes')::interval, false"
            " FROM (SELECT gen_random_uuid() AS i, g FROM generate_series(1, :n) g) AS rows"
        ),
        {"t": slug, "u": user_id, "n": count},
    )


def _getter(client: httpx.AsyncClient, page: str) -> Callable[[], Awaitable[None]]:
    async def get() -> None:
        answer = await client.get(page)
        if answer.status_code != 200:
            raise SystemExit(f"{page}: HTTP {answer.status_code}")

    return get


# psycopg prepares a statement on its fifth execution; templates compile on first use.
WARM_UP = 6


async def _medians(
    by_user: dict[str, Callable[[], Awaitable[None]]], rounds: int
) -> dict[str, float]:
    """Median ms of each user's step, the users taken in turns so that any drift in the
    machine's speed falls on all of them alike."""
    for step in by_user.values():
        for _ in range(WARM_UP):
            await step()
    samples: dict[str, list[float]] = {label: [] for label in by_user}
    for _ in range(rounds):
        for label, step in by_user.items():
            started = time.perf_counter()
            await step()
            samples[label].append((time.perf_counter() - started) * 1000)
    return {label: statistics.median(times) for label, times in samples.items()}


if __name__ == "__main__":
    sys.exit(main())
