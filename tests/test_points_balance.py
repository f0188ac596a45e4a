"""The stored points balance: moved in the same transaction as every ledger row, equal
to the ledger's sum whatever the sequence of movements (a property), never negative
under racing submissions, and checked by `warren points check` and the scheduler (with
its metric), per tenant."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text, update
from test_admin_cli import warren
from test_generation_runner import make_user
from test_ops_health_metrics import sample
from test_ops_metric_sources import scrape

from warren.billing.ledger import balance, capture, grant, refund
from warren.billing.models import PointBalance, PointMovement
from warren.db.unit_of_work import unit_of_work
from warren.errors import InsufficientPoints
from warren.generation.models import Job
from warren.generation.submit import submit_generation
from warren.runtime import Runtime
from warren.scheduler import check_points
from warren.tenancy.tenant import Tenant


@pytest.fixture
def checks_cleared(runtime: Runtime, clean_db: None) -> Iterator[None]:
    yield
    with runtime.engine.begin() as conn:
        conn.execute(text("TRUNCATE point_balance_checks"))


def ledger_sum(runtime: Runtime, user_id: uuid.UUID) -> int:
    with runtime.sessions() as db:
        return int(
            db.scalar(
                select(func.coalesce(func.sum(PointMovement.amount), 0)).where(
                    PointMovement.user_id == user_id
                )
            )
            or 0
        )


def stored(runtime: Runtime, tenant: Tenant, user_id: uuid.UUID) -> int:
    with runtime.sessions() as db:
        return balance(db, tenant, user_id)


def order(runtime: Runtime, tenant: Tenant, user_id: uuid.UUID) -> uuid.UUID:
    with unit_of_work(runtime.sessions) as db:
        return submit_generation(db, tenant, user_id, "poem", "About the sea", []).id


def settle(
    runtime: Runtime, tenant: Tenant, user_id: uuid.UUID, job_id: uuid.UUID, how: str
) -> bool:
    with unit_of_work(runtime.sessions) as db:
        return (capture if how == "capture" else refund)(db, tenant, user_id, job_id)


# One step of a user's history: a grant of n, an order, or settling the n-th open order
# (captured or refunded, possibly twice: the second time must change nothing).
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("grant"), st.integers(min_value=1, max_value=40)),
        st.tuples(st.just("order"), st.just(0)),
        st.tuples(st.sampled_from(["capture", "refund"]), st.integers(min_value=0, max_value=5)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS, other_steps=STEPS)
def test_the_stored_balance_is_the_ledger_sum_after_any_history(
    runtime: Runtime,
    clean_db: None,
    steps: list[tuple[str, int]],
    other_steps: list[tuple[str, int]],
) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(text("TRUNCATE users RESTART IDENTITY CASCADE"))
    songly, homiwork = runtime.registry.get("songly"), runtime.registry.get("homiwork")
    people = [
        (songly, make_user(runtime, songly, "ann", 0), steps),
        (homiwork, make_user(runtime, homiwork, "ann", 0), other_steps),
    ]
    for tenant, user_id, history in people:
        jobs: list[uuid.UUID] = []
        for kind, value in history:
            if kind == "grant":
                with unit_of_work(runtime.sessions) as db:
                    grant(db, tenant, user_id, value, "test")
            elif kind == "order":
                with contextlib.suppress(InsufficientPoints):
                    jobs.append(order(runtime, tenant, user_id))
            elif jobs:
                settle(runtime, tenant, user_id, jobs[value % len(jobs)], kind)
            now = stored(runtime, tenant, user_id)
            assert now >= 0
            assert now == ledger_sum(runtime, user_id)
    # One tenant's movements never moved the other's balance.
    (t1, u1, _), (t2, u2, _) = people
    with runtime.sessions() as db:
        assert balance(db, t2, u1) == 0
        assert balance(db, t1, u2) == 0


def race(runtime: Runtime, tenant: Tenant, user_id: uuid.UUID) -> list[str]:
    """Two submissions released at once; what each got."""
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def attempt() -> None:
        start.wait()
        try:
            order(runtime, tenant, user_id)
            outcomes.append("ok")
        except InsufficientPoints:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_racing_submissions_for_one_price_charge_once(runtime: Runtime, clean_db: None) -> None:
    tenant = runtime.registry.get("vizardio")
    price = tenant.products["poem"].price
    for round_ in range(5):
        user = make_user(runtime, tenant, f"race{round_}", price)
        assert race(runtime, tenant, user) == ["ok", "refused"]
        assert stored(runtime, tenant, user) == 0 == ledger_sum(runtime, user)
        with runtime.sessions() as db:
            assert db.scalar(select(func.count()).where(Job.user_id == user)) == 1


def test_capture_and_refund_move_the_balance_once(runtime: Runtime, clean_db: None) -> None:
    tenant = runtime.registry.get("songly")
    price = tenant.products["poem"].price
    user = make_user(runtime, tenant, "once", price * 2)
    kept, returned = order(runtime, tenant, user), order(runtime, tenant, user)
    assert stored(runtime, tenant, user) == 0
    assert settle(runtime, tenant, user, kept, "capture")
    assert not settle(runtime, tenant, user, kept, "refund")
    assert settle(runtime, tenant, user, returned, "refund")
    assert not settle(runtime, tenant, user, returned, "refund")
    assert stored(runtime, tenant, user) == price == ledger_sum(runtime, user)


def tamper(runtime: Runtime, user_id: uuid.UUID, by: int) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(
            update(PointBalance)
            .where(PointBalance.user_id == user_id)
            .values(balance=PointBalance.balance + by)
        )


def test_points_check_names_each_mismatch_of_the_tenant_and_exits_1(
    runtime: Runtime, database_url: str, tmp_path: Path, checks_cleared: None
) -> None:
    songly, homiwork = runtime.registry.get("songly"), runtime.registry.get("homiwork")
    good = make_user(runtime, songly, "good", 30)
    bad = make_user(runtime, songly, "bad", 30)
    elsewhere = make_user(runtime, homiwork, "bad", 30)
    make_user(runtime, songly, "never", 0)

    clean = warren(database_url, tmp_path, "points", "check", "songly", "--batch", "2")
    assert clean.returncode == 0, clean.stderr
    assert "songly: 3 users checked, 0 mismatches" in clean.stdout

    tamper(runtime, bad, 7)
    tamper(runtime, elsewhere, -5)
    found = warren(database_url, tmp_path, "points", "check", "songly", "--batch", "2")
    assert found.returncode == 1, found.stderr
    assert f"songly user {bad}: stored 37, ledger 30 (difference 7)" in found.stdout
    assert str(good) not in found.stdout
    # The other tenant's broken row is not this tenant's report.
    assert str(elsewhere) not in found.stdout
    assert "songly: 3 users checked, 1 mismatches" in found.stdout
    assert "songly: users" in found.stderr  # the progress bar

    every = warren(database_url, tmp_path, "points", "check")
    assert every.returncode == 1
    assert f"homiwork user {elsewhere}: stored 25, ledger 30" in every.stdout

    missing = warren(database_url, tmp_path, "points", "check", "nosuch")
    assert missing.returncode == 2
    assert "no tenant 'nosuch'" in missing.stderr


def test_the_scheduled_check_reports_mismatches_per_tenant_in_metrics(
    runtime: Runtime, checks_cleared: None
) -> None:
    songly, vizardio = runtime.registry.get("songly"), runtime.registry.get("vizardio")
    make_user(runtime, songly, "fine", 10)
    broken = make_user(runtime, vizardio, "broken", 10)
    tamper(runtime, broken, 3)

    check_points(runtime)

    body = scrape(runtime)
    assert sample(body, "warren_scrape_source_up", source="points") == 1
    assert sample(body, "warren_points_balance_mismatches", tenant="vizardio") == 1
    assert sample(body, "warren_points_balance_mismatches", tenant="songly") == 0

    tamper(runtime, broken, -3)
    check_points(runtime)
    body = scrape(runtime)
    assert sample(body, "warren_points_balance_mismatches", tenant="vizardio") == 0
