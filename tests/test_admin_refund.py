"""Refunding an order from the console: an admin of the brand refunds a paid order with a
reason; the points are reversed, the gateway is asked once, the audit log says who and
why. Spent points refuse it, a refunded order cannot be refunded again, support cannot
refund, and another brand's admin cannot even see the order."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from payments_support import order, points_of, start_purchase
from sqlalchemy import select

from warren.accounts.models import User
from warren.admin.models import AuditEntry
from warren.billing.gateways.demo import DemoGateway
from warren.billing.ledger import reserve
from warren.billing.settlement import settle
from warren.db.unit_of_work import unit_of_work
from warren.runtime import Runtime

from admin_support import console, post_console
from webclient import BrandClient, sign_up_and_sign_in


def paid_order(
    brand: Callable[..., BrandClient], runtime: Runtime, name: str
) -> tuple[User, uuid.UUID]:
    client = brand("vizardio")
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    order_id, location = start_purchase(client, "points-100")
    tenant = runtime.registry.get("vizardio")
    gateway = runtime.gateways.get(tenant, "demo")
    assert isinstance(gateway, DemoGateway)
    payment_id = location.rsplit("/", 1)[1]
    assert gateway.complete(payment_id, "pay")
    with unit_of_work(runtime.sessions) as db:
        settle(db, tenant, "demo", gateway.fetch_payment(payment_id))
    with runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == "vizardio", User.username == name))
        assert user is not None
        db.expunge(user)
    return user, order_id


def test_an_admin_refunds_an_order_with_a_reason_and_it_is_audited(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    buyer, order_id = paid_order(brand, runtime, "refundee")
    spender, spent_order = paid_order(brand, runtime, "spender")
    with unit_of_work(runtime.sessions) as db:
        reserve(db, runtime.registry.get("vizardio"), spender.id, uuid.uuid4(), 30)
    admin = console(brand, runtime, "vizardio")
    page = admin.get(f"/admin/users/{buyer.id}")
    assert page.status_code == 200
    assert 'id="orders"' in page.text
    assert f"/orders/{order_id}/refund" in page.text
    refund_path = f"/admin/users/{buyer.id}/orders/{order_id}/refund"

    no_reason = post_console(admin, refund_path, {"reason": " "})
    assert no_reason.status_code == 400
    assert order(runtime, order_id).state == "paid"

    done = post_console(admin, refund_path, {"reason": "charged twice by mistake"})
    assert done.status_code == 303, done.text
    assert order(runtime, order_id).state == "refunded"
    assert points_of(runtime, "vizardio", buyer.id) == 0
    with runtime.sessions() as db:
        entry = db.scalar(
            select(AuditEntry).where(
                AuditEntry.tenant_id == "vizardio", AuditEntry.action == "order_refunded"
            )
        )
    assert entry is not None
    assert entry.subject == f"order:{order_id}"
    assert entry.before == {"state": "paid", "user": f"user:{buyer.id}"}
    assert entry.after is not None
    assert entry.after["state"] == "refunded"
    assert entry.after["reason"] == "charged twice by mistake"

    again = post_console(admin, refund_path, {"reason": "again"})
    assert again.status_code == 409
    assert "only a paid order can be refunded" in again.text

    spent = post_console(
        admin, f"/admin/users/{spender.id}/orders/{spent_order}/refund", {"reason": "asked"}
    )
    assert spent.status_code == 409
    assert "has spent 30 of its 100 points" in spent.text
    assert order(runtime, spent_order).state == "paid"

    # An order is refunded only on its own user's page.
    crossed = post_console(
        admin, f"/admin/users/{buyer.id}/orders/{spent_order}/refund", {"reason": "x"}
    )
    assert crossed.status_code == 404
    assert order(runtime, spent_order).state == "paid"


def test_support_cannot_refund_and_another_brand_cannot_reach_the_order(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    buyer, order_id = paid_order(brand, runtime, "guarded")
    path = f"/admin/users/{buyer.id}/orders/{order_id}/refund"
    support = console(brand, runtime, "vizardio", role="support")
    assert post_console(support, path, {"reason": "please"}).status_code == 403
    songly_admin = console(brand, runtime, "songly")
    assert post_console(songly_admin, path, {"reason": "please"}).status_code == 404
    assert songly_admin.get(f"/admin/users/{buyer.id}").status_code == 404
    assert order(runtime, order_id).state == "paid"
