"""The demo gateway end to end over HTTP: a new user with no points buys some from the
create page's dead end, pays on the hosted checkout page, the gateway's signed
notification credits once, the order form comes back, a receipt is emailed and the
account lists the order. Then every way a notification can go wrong."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import httpx
import pytest
from dramatiq.brokers.stub import StubBroker
from payments_support import notifying, order, points_of, purchases, start_purchase
from sqlalchemy import select

from warren.accounts.models import User
from warren.billing.gateways.demo import SIGNATURE_HEADER, DemoGateway, sign
from warren.runtime import Runtime
from warren.settings import Settings

from conftest import worker_for
from webclient import BrandClient, field, sign_up_and_sign_in


@pytest.fixture
def deliver(runtime: Runtime, server: str, stub_broker: StubBroker) -> Iterator[Callable[[], None]]:
    """A worker whose demo gateway notifies the test server (and which sends receipts)."""
    with worker_for(notifying(runtime, server), stub_broker) as run:
        yield run


def demo(runtime: Runtime, slug: str) -> DemoGateway:
    gateway = runtime.gateways.get(runtime.registry.get(slug), "demo")
    assert isinstance(gateway, DemoGateway)
    return gateway


def receipts_to(outbox: Path, address: str) -> list[Message]:
    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        if message["To"] == address and "receipt" in str(message["Subject"]):
            found.append(message)
    return found


def user_id(runtime: Runtime, slug: str, username: str) -> uuid.UUID:
    with runtime.sessions() as db:
        found = db.scalar(select(User.id).where(User.tenant_id == slug, User.username == username))
        assert found is not None
        return found


def new_user(brand: Callable[..., BrandClient], slug: str, name: str) -> BrandClient:
    client = brand(slug)
    sign_up_and_sign_in(client, f"{name}@example.com", name)
    return client


def test_a_new_user_buys_points_from_the_dead_end_and_gets_back_to_the_order(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    deliver: Callable[[], None],
    settings: Settings,
) -> None:
    client = new_user(brand, "vizardio", "buyer")
    create = client.get("/create/song")
    assert 'id="buy-points"' in create.text
    refused = client.post(
        "/create/song", data={"_csrf": field(create.text, "_csrf"), "prompt": "a song for Ada"}
    )
    assert refused.status_code == 402
    assert "This needs 30 energy points; you have 0." in refused.text
    draft = re.search(r'href="/buy\?draft=([0-9a-f-]{36})"', refused.text)
    assert draft, "the refusal offers no way to buy points that keeps the order"

    order_id, location = start_purchase(client, "points-100", draft.group(1))
    assert location.startswith("/payments/demo/checkout/demo_")
    page = client.get(location)
    assert "4.99 USD" in page.text
    paid = client.post(location, data={"_csrf": field(page.text, "_csrf"), "outcome": "pay"})
    assert paid.status_code == 303
    assert paid.headers["location"].endswith(f"/payments/orders/{order_id}/return")

    deliver()  # the gateway's notification, then the receipt
    assert order(runtime, order_id).state == "paid"
    assert points_of(runtime, "vizardio", user_id(runtime, "vizardio", "buyer")) == 100

    back = client.get(f"/payments/orders/{order_id}/return")
    assert 'id="order-state">paid<' in back.text
    link = re.search(r'id="back-to-order" href="([^"]+)"', back.text)
    assert link
    assert link.group(1) == f"/create/song?draft={draft.group(1)}"
    form = client.get(link.group(1).replace("&amp;", "&"))
    assert ">a song for Ada</textarea>" in form.text
    assert 'id="buy-points"' not in form.text

    deliver()
    account = client.get("/account").text
    assert re.search(
        rf'data-order="{order_id}"><td>[0-9-]+ [0-9:]+</td><td>100 energy points</td><td>4.99 USD</td><td class="order-state">paid</td>',
        account,
    )
    sent = receipts_to(settings.outbox_dir, "buyer@example.com")
    assert len(sent) == 1
    body = sent[0].get_payload(decode=True)
    assert isinstance(body, bytes)
    assert str(order_id).encode() in body
    assert b"4.99 USD" in body


def test_prime_extends_from_the_later_of_now_and_the_current_expiry(
    brand: Callable[..., BrandClient], runtime: Runtime, deliver: Callable[[], None]
) -> None:
    from datetime import timedelta

    from warren.db.base import utcnow

    client = new_user(brand, "songly", "primer")
    for _ in range(2):
        order_id, location = start_purchase(client, "prime-30")
        page = client.get(location)
        client.post(location, data={"_csrf": field(page.text, "_csrf"), "outcome": "pay"})
        deliver()
        assert order(runtime, order_id).state == "paid"
    with runtime.sessions() as db:
        user = db.get(User, user_id(runtime, "songly", "primer"))
        assert user is not None
        assert user.prime_until is not None
        left = user.prime_until - utcnow()
    assert timedelta(days=59, hours=23) < left <= timedelta(days=60)


def test_declined_and_abandoned_checkouts_credit_nothing(
    brand: Callable[..., BrandClient], runtime: Runtime, deliver: Callable[[], None]
) -> None:
    client = new_user(brand, "homiwork", "decliner")
    for outcome, state in (("decline", "failed"), ("leave", "cancelled")):
        order_id, location = start_purchase(client, "points-50")
        page = client.get(location)
        left = client.post(location, data={"_csrf": field(page.text, "_csrf"), "outcome": outcome})
        assert left.headers["location"].endswith(f"/payments/orders/{order_id}/cancelled")
        deliver()
        assert order(runtime, order_id).state == state
        again = client.post(location, data={"_csrf": field(page.text, "_csrf"), "outcome": "pay"})
        assert again.status_code == 303
        deliver()
        assert order(runtime, order_id).state == state, "a decided payment was paid later"
    assert points_of(runtime, "homiwork", user_id(runtime, "homiwork", "decliner")) == 0


def _paid_on_gateway(runtime: Runtime, client: BrandClient, slug: str) -> tuple[uuid.UUID, str]:
    """An order paid at the demo gateway whose notification has not been delivered."""
    order_id, location = start_purchase(client, "points-100")
    payment_id = location.rsplit("/", 1)[1]
    assert demo(runtime, slug).complete(payment_id, "pay")
    return order_id, payment_id


def post_notification(server: str, host: str, body: bytes, signature: str) -> httpx.Response:
    return httpx.post(
        f"{server}/payments/webhook/demo",
        content=body,
        headers={"Host": host, SIGNATURE_HEADER: signature, "content-type": "application/json"},
    )


def test_duplicate_replayed_tampered_and_foreign_notifications(
    brand: Callable[..., BrandClient], runtime: Runtime, server: str
) -> None:
    client = new_user(brand, "vizardio", "hooked")
    order_id, payment_id = _paid_on_gateway(runtime, client, "vizardio")
    gateway = demo(runtime, "vizardio")
    body, headers = gateway.notification(payment_id)

    tampered = body.replace(b'"100.', b'"1.').replace(b'"4.99"', b'"0.01"')
    assert tampered != body
    assert (
        post_notification(
            server, "vizardio.localhost", tampered, headers[SIGNATURE_HEADER]
        ).status_code
        == 400
    )
    assert post_notification(server, "vizardio.localhost", body, "t=1,v1=00").status_code == 400
    # Signed with vizardio's key, sent to songly: songly's key does not verify it.
    assert (
        post_notification(server, "songly.localhost", body, headers[SIGNATURE_HEADER]).status_code
        == 400
    )
    stale = int(time.time()) - 3600
    old_signature = sign(runtime.keyring.for_tenant("vizardio").demo_gateway, body, stale)
    assert post_notification(server, "vizardio.localhost", body, old_signature).status_code == 400
    assert order(runtime, order_id).state == "pending"
    assert purchases(runtime, order_id) == []

    for _ in range(3):  # delivered, then repeated
        answer = post_notification(server, "vizardio.localhost", body, headers[SIGNATURE_HEADER])
        assert answer.status_code == 200, answer.text
    assert len(purchases(runtime, order_id)) == 1
    assert points_of(runtime, "vizardio", user_id(runtime, "vizardio", "hooked")) == 100

    # Another brand's user cannot see the order.
    other = new_user(brand, "songly", "peeker")
    assert other.get(f"/payments/orders/{order_id}/return").status_code == 404


def test_notifications_out_of_order_never_undo_a_payment(
    brand: Callable[..., BrandClient], runtime: Runtime, server: str
) -> None:
    client = new_user(brand, "vizardio", "shuffled")
    gateway = demo(runtime, "vizardio")
    key = runtime.keyring.for_tenant("vizardio").demo_gateway
    order_id, payment_id = _paid_on_gateway(runtime, client, "vizardio")
    paid_body, paid_headers = gateway.notification(payment_id)
    failed_body = paid_body.replace(b'"paid"', b'"failed"').replace(
        b"payment.paid", b"payment.failed"
    )
    now = int(time.time())

    # "failed" first (sent before the retry that succeeded), then "paid", then "failed" again.
    assert (
        post_notification(
            server, "vizardio.localhost", failed_body, sign(key, failed_body, now)
        ).status_code
        == 200
    )
    assert order(runtime, order_id).state == "failed"
    assert (
        post_notification(
            server, "vizardio.localhost", paid_body, paid_headers[SIGNATURE_HEADER]
        ).status_code
        == 200
    )
    assert (
        post_notification(
            server, "vizardio.localhost", failed_body, sign(key, failed_body, now)
        ).status_code
        == 200
    )
    assert order(runtime, order_id).state == "paid"
    assert len(purchases(runtime, order_id)) == 1


def race(
    client: BrandClient, server: str, order_id: uuid.UUID, body: bytes, signature: str
) -> list[int]:
    """Four deliveries of one notification and the payer's return, released together."""
    start = threading.Barrier(5)
    answers: list[int] = []

    def deliver_once() -> None:
        start.wait()
        answers.append(post_notification(server, "vizardio.localhost", body, signature).status_code)

    def come_back() -> None:
        start.wait()
        answers.append(client.get(f"/payments/orders/{order_id}/return").status_code)

    threads = [threading.Thread(target=deliver_once) for _ in range(4)]
    threads.append(threading.Thread(target=come_back))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_parallel_deliveries_and_the_return_page_credit_once(
    brand: Callable[..., BrandClient], runtime: Runtime, server: str
) -> None:
    client = new_user(brand, "vizardio", "racer")
    for _ in range(3):
        order_id, payment_id = _paid_on_gateway(runtime, client, "vizardio")
        body, headers = demo(runtime, "vizardio").notification(payment_id)
        assert race(client, server, order_id, body, headers[SIGNATURE_HEADER]) == [200] * 5
        assert len(purchases(runtime, order_id)) == 1
    assert points_of(runtime, "vizardio", user_id(runtime, "vizardio", "racer")) == 300


def test_webhooks_need_no_csrf_token_but_other_posts_still_do(
    brand: Callable[..., BrandClient], server: str
) -> None:
    client = brand("vizardio")
    assert client.post("/buy/points-100", data={}).status_code == 403
    unsigned = httpx.post(
        f"{server}/payments/webhook/demo", content=b"{}", headers={"Host": "vizardio.localhost"}
    )
    assert unsigned.status_code == 400
    assert "notification refused" in unsigned.text
    unknown = httpx.post(
        f"{server}/payments/webhook/paypal", content=b"{}", headers={"Host": "vizardio.localhost"}
    )
    assert unknown.status_code == 404
