"""The library and the order history at 100,000 rows: pages come by keyset, and the plan
PostgreSQL picks for the very statements warren sends uses the keyset index — never a
sequential scan of the big table. Plans, not timings: they do not depend on how loaded
the machine is.

The rows are seeded with generate_series in a database of this test's own (created,
migrated by Alembic, analysed, dropped afterwards), over two tenants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from warren.billing.orders import ORDERS_PAGE, user_orders
from warren.db.base import utcnow
from warren.db.engine import libpq_url, make_engine
from warren.db.migrate import upgrade
from warren.errors import InvalidInput
from warren.library.browse import PAGE_SIZE, library_page
from warren.runtime import Runtime

from conftest import _with_database

# 2,000 users over two tenants; 100,000 items and 100,000 orders, and 10,000 more items
# for one songly user.
SEED = """
INSERT INTO users (id, tenant_id, email, username, password_hash, adult_confirmed_at,
                   accepted_policy_version, created_at, last_access_at)
SELECT gen_random_uuid(), CASE WHEN g % 2 = 1 THEN 'songly' ELSE 'vizardio' END,
       'user' || g || '@example.com', 'user' || g, 'x', now(), 'v', now(), now()
FROM generate_series(1, 2000) g;

CREATE TEMP TABLE numbered AS
SELECT id, tenant_id, row_number() OVER (ORDER BY username) AS n FROM users;

-- Every user a share of the rows; user 1 (songly) ten thousand more.
INSERT INTO content_items (id, tenant_id, user_id, category, product_key, title,
    content_type, extension, size_bytes, storage_key, is_demo, source_upload_ids,
    created_at, created_with_prime, deleted_at)
SELECT gen_random_uuid(), u.tenant_id, u.id, 'poem', 'poem', 'Poem ' || g, 'text/plain',
       'txt', 10, 'results/' || g, true, '{}'::uuid[],
       now() - make_interval(secs => g), false,
       CASE WHEN g % 10 = 0 THEN now() END
FROM generate_series(1, 100000) g
JOIN numbered u ON u.n = (g % 2000) + 1
UNION ALL
SELECT gen_random_uuid(), u.tenant_id, u.id, 'poem', 'poem', 'Mine ' || g, 'text/plain',
       'txt', 10, 'results/h' || g, true, '{}'::uuid[],
       -- Ties on the creation time, so the cursor's id part is exercised.
       now() - make_interval(secs => g / 3), false, NULL
FROM generate_series(1, 10000) g
JOIN numbered u ON u.n = 1;

INSERT INTO orders (id, tenant_id, user_id, item_key, item_kind, points, prime_days, amount,
                    currency, gateway, state, created_at, updated_at)
SELECT gen_random_uuid(), u.tenant_id, u.id, 'points_100', 'points', 100, 0, 5, 'USD',
       'demo', 'paid', now() - make_interval(secs => g / 2), now()
FROM generate_series(1, 100000) g
JOIN numbered u ON u.n = CASE WHEN g % 10 = 0 THEN 1 ELSE (g % 2000) + 1 END;

ANALYZE;
"""


@pytest.fixture(scope="module")
def big(pg_admin_url: str) -> Iterator[Engine]:
    name = f"warren_plans_{uuid.uuid4().hex[:8]}"
    url = _with_database(pg_admin_url, name)
    with psycopg.connect(libpq_url(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(url)
    try:
        upgrade(url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute(SEED)  # type: ignore[arg-type]
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(libpq_url(pg_admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def plans(engine: Engine) -> Iterator[list[str]]:
    """The plan of every SELECT sent inside the block, explained with its own parameters."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    found: list[str] = []
    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        for statement, parameters in sent:
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            found.append("\n".join(row[0] for row in rows))


def heavy_user(engine: Engine, tenant: str) -> uuid.UUID:
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT id FROM users WHERE tenant_id = %(t)s ORDER BY username LIMIT 1", {"t": tenant}
        ).scalar_one()


def assert_indexed(found: list[str], table: str, index: str) -> None:
    assert found, "no statement was sent"
    for plan in found:
        assert f"Seq Scan on {table}" not in plan, plan
        assert index in plan, plan


def test_library_pages_use_the_keyset_index_at_100k_rows(big: Engine, runtime: Runtime) -> None:
    songly = runtime.registry.get("songly")
    vizardio = runtime.registry.get("vizardio")
    user = heavy_user(big, "songly")
    now = utcnow()
    seen: list[uuid.UUID] = []
    with Session(big) as db, plans(big) as found:
        page = library_page(db, songly, user, None, now)
        seen += [item.id for item, _ in page.items]
        for _ in range(3):
            assert page.next_cursor is not None
            page = library_page(db, songly, user, None, now, after=page.next_cursor)
            seen += [item.id for item, _ in page.items]
        library_page(db, songly, user, None, now, kind="poem")
        # The heavy user asked for under another brand: nothing, by the same index.
        assert library_page(db, vizardio, user, None, now).items == []
    assert_indexed(found, "content_items", "ix_content_items_library")
    # Four pages, newest first, no item twice or skipped at the ties.
    assert len(seen) == len(set(seen)) == 4 * PAGE_SIZE
    with Session(big) as db:
        every = library_page(db, songly, user, None, now)
        assert [item.id for item, _ in every.items] == seen[:PAGE_SIZE]


def test_order_history_pages_use_the_keyset_index_at_100k_rows(
    big: Engine, runtime: Runtime
) -> None:
    songly = runtime.registry.get("songly")
    user = heavy_user(big, "songly")
    seen: list[uuid.UUID] = []
    with Session(big) as db, plans(big) as found:
        page = user_orders(db, songly, user)
        seen += [order.id for order in page.orders]
        assert page.next_cursor is not None
        page = user_orders(db, songly, user, after=page.next_cursor)
        seen += [order.id for order in page.orders]
        assert user_orders(db, runtime.registry.get("vizardio"), user).orders == []
    assert_indexed(found, "orders", "ix_orders_history")
    assert len(seen) == len(set(seen)) == 2 * ORDERS_PAGE


def test_a_cursor_warren_did_not_make_is_a_readable_error(big: Engine, runtime: Runtime) -> None:
    songly = runtime.registry.get("songly")
    with Session(big) as db, pytest.raises(InvalidInput) as raised:
        user_orders(db, songly, heavy_user(big, "songly"), after="not-a-cursor")
    assert "orders_after" in raised.value.fields
