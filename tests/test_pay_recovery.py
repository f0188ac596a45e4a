"""Orders when things go wrong: a crash between the gateway's confirmation and the
credit (reconciliation settles it), a notification racing the order's own commit,
refunds with spent points, deleted accounts, and welcome points."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from payments_support import order, points_of, purchases, start_purchase
from sqlalchemy import delete, select, text
from test_admin_cli import warren

from warren.accounts.models import User
from warren.billing.gateways.base import GatewayPayment, PaymentStatus
from warren.billing.gateways.demo import SIGNATURE_HEADER, DemoGateway
from warren.billing.ledger import grant, reserve
from warren.billing.orders import begin_checkout
from warren.billing.settlement import settle
from warren.billing.welcome import grant_welcome_points
from warren.db.unit_of_work import unit_of_work
from warren.errors import Conflict
from warren.runtime import Runtime

from webclient import BrandClient, sign_up_and_sign_in


def demo(runtime: Runtime, slug: str) -> DemoGateway:
    gateway = runtime.gateways.get(runtime.registry.get(slug), "demo")
    assert isinstance(gateway, DemoGateway)
    return gateway


def user_named(runtime: Runtime, slug: str, name: str) -> User:
    with runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == slug, User.username == name))
        assert user is not None
        return user


def age(runtime: Runtime, order_id: uuid.UUID, minutes: int) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE orders SET created_at = created_at - make_interval(mins => :m) WHERE id = :id"
            ),
            {"m": minutes, "id": order_id},
        )


def test_a_crash_between_confirmation_and_credit_is_settled_by_reconcile(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    server: str,
    database_url: str,
    tmp_path: Path,
) -> None:
    client = brand("vizardio")
    sign_up_and_sign_in(client, "crash@example.com", "crasher")
    order_id, location = start_purchase(client, "points-100")
    payment_id = location.rsplit("/", 1)[1]
    assert demo(runtime, "vizardio").complete(payment_id, "pay")
    body, headers = demo(runtime, "vizardio").notification(payment_id)
    # The database refuses the credit: the process "dies" after the gateway confirmed.
    with runtime.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION crash_credit() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'crash'; END $$ LANGUAGE plpgsql; "
                "CREATE TRIGGER crash_credit BEFORE INSERT ON point_movements "
                "FOR EACH ROW WHEN (NEW.kind = 'purchase') EXECUTE FUNCTION crash_credit()"
            )
        )
    try:
        crashed = httpx.post(
            f"{server}/payments/webhook/demo",
            content=body,
            headers={"Host": "vizardio.localhost", SIGNATURE_HEADER: headers[SIGNATURE_HEADER]},
        )
        assert crashed.status_code == 500
    finally:
        with runtime.engine.begin() as conn:
            conn.execute(
                text("DROP TRIGGER crash_credit ON point_movements; DROP FUNCTION crash_credit()")
            )
    assert order(runtime, order_id).state == "pending", "state changed without the credit"
    assert purchases(runtime, order_id) == []

    too_young = warren(database_url, tmp_path, "payments", "reconcile", "vizardio")
    assert too_young.returncode == 0, too_young.stderr
    assert order(runtime, order_id).state == "pending"
    age(runtime, order_id, 30)
    settled = warren(database_url, tmp_path, "payments", "reconcile", "vizardio")
    assert settled.returncode == 0, settled.stderr
    assert "1 pending order(s) checked; now 1 paid" in settled.stdout
    assert order(runtime, order_id).state == "paid"
    assert len(purchases(runtime, order_id)) == 1
    again = warren(
        database_url, tmp_path, "payments", "reconcile", "vizardio", "--since", "2000-01-01"
    )
    assert "0 pending order(s) checked" in again.stdout
    assert points_of(runtime, "vizardio", user_named(runtime, "vizardio", "crasher").id) == 100


def waiting_on_advisory_lock(runtime: Runtime) -> bool:
    with runtime.engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event = 'advisory'"
                )
            )
        )


def test_a_notification_before_the_order_commits_waits_for_it(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    sign_up_and_sign_in(brand("songly"), "early@example.com", "early")
    user = user_named(runtime, "songly", "early")
    tenant = runtime.registry.get("songly")
    gateway = demo(runtime, "songly")
    settled: list[str] = []
    with runtime.sessions() as creating:
        started = begin_checkout(
            creating,
            tenant,
            gateway,
            creating.get(User, user.id),
            "points-100",
            "http://songly.localhost",  # type: ignore[arg-type]
        )
        payment_id = started.redirect_url.rsplit("/", 1)[1]
        gateway.complete(payment_id, "pay")
        payment = gateway.fetch_payment(payment_id)

        def notify() -> None:
            with unit_of_work(runtime.sessions) as db:
                result = settle(db, tenant, "demo", payment)
                settled.append(result.state.value if result else "unknown")

        thread = threading.Thread(target=notify)
        thread.start()
        # Wait until the notification's session is blocked on the order's lock.
        deadline = time.monotonic() + 10
        while not waiting_on_advisory_lock(runtime):
            assert time.monotonic() < deadline, "the notification never waited for the lock"
            time.sleep(0.02)
        assert settled == [], "the notification did not wait for the order's commit"
        creating.commit()
    thread.join(10)
    assert settled == ["paid"]
    assert len(purchases(runtime, started.order.id)) == 1


def test_an_amount_that_differs_from_the_order_is_not_credited(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("homiwork")
    sign_up_and_sign_in(client, "cheap@example.com", "cheap")
    order_id, location = start_purchase(client, "points-200")
    tenant = runtime.registry.get("homiwork")
    cheaper = GatewayPayment(
        location.rsplit("/", 1)[1], order_id, PaymentStatus.PAID, Decimal("0.01"), "USD", "x"
    )
    with pytest.raises(Conflict), unit_of_work(runtime.sessions) as db:
        settle(db, tenant, "demo", cheaper)
    assert order(runtime, order_id).state == "pending"


def test_refunds_refuse_spent_points_and_reverse_unspent_ones(
    brand: Callable[..., BrandClient], runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    client = brand("vizardio")
    sign_up_and_sign_in(client, "refund@example.com", "refunder")
    user = user_named(runtime, "vizardio", "refunder")
    tenant = runtime.registry.get("vizardio")
    paid = []
    for _ in range(2):
        order_id, location = start_purchase(client, "points-100")
        payment_id = location.rsplit("/", 1)[1]
        demo(runtime, "vizardio").complete(payment_id, "pay")
        with unit_of_work(runtime.sessions) as db:
            settle(db, tenant, "demo", demo(runtime, "vizardio").fetch_payment(payment_id))
        paid.append(order_id)
    with unit_of_work(runtime.sessions) as db:
        reserve(db, tenant, user.id, uuid.uuid4(), 150)  # 50 left of 200

    refused = warren(database_url, tmp_path, "payments", "refund", "vizardio", str(paid[0]))
    assert refused.returncode != 0
    assert "has spent 50 of its 100 points" in refused.stderr
    assert order(runtime, paid[0]).state == "paid"
    with unit_of_work(runtime.sessions) as db:
        grant(db, tenant, user.id, 50, "test")
    done = warren(database_url, tmp_path, "payments", "refund", "vizardio", str(paid[0]))
    assert done.returncode == 0, done.stderr
    assert "refunded (4.99 USD" in done.stdout
    assert order(runtime, paid[0]).state == "refunded"
    assert points_of(runtime, "vizardio", user.id) == 0
    twice = warren(database_url, tmp_path, "payments", "refund", "vizardio", str(paid[0]))
    assert twice.returncode != 0
    assert "only a paid order can be refunded" in twice.stderr
    other_brand = warren(database_url, tmp_path, "payments", "refund", "songly", str(paid[1]))
    assert other_brand.returncode != 0
    assert f"songly: tenant 'songly' has no order {paid[1]}" in other_brand.stderr


def test_orders_outlive_the_account_with_the_user_cut(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("songly")
    sign_up_and_sign_in(client, "leaver@example.com", "leaver")
    order_id, _ = start_purchase(client, "points-100")
    user = user_named(runtime, "songly", "leaver")
    with runtime.engine.begin() as conn:
        conn.execute(delete(User).where(User.id == user.id))
    kept = order(runtime, order_id)
    assert kept.user_id is None
    assert kept.amount == 5
    assert kept.gateway_payment_id is not None


def test_welcome_points_are_granted_once_and_only_where_configured(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    sign_up_and_sign_in(brand("songly"), "new@example.com", "newcomer")
    sign_up_and_sign_in(brand("vizardio"), "new@example.com", "newcomer")
    songly_user = user_named(runtime, "songly", "newcomer")
    vizardio_user = user_named(runtime, "vizardio", "newcomer")
    for _ in range(2):
        with unit_of_work(runtime.sessions) as db:
            grant_welcome_points(db, runtime.registry.get("songly"), songly_user.id)
            assert grant_welcome_points(db, runtime.registry.get("vizardio"), vizardio_user.id) == 0
    assert points_of(runtime, "songly", songly_user.id) == 10
    assert points_of(runtime, "vizardio", vizardio_user.id) == 0
