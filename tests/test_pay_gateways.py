"""Stripe and YooKassa adapters, through the official libraries, against local servers
that speak their APIs: what the gateway receives (amount, order id, email — never the
username or account id), idempotency keys, notifications verified each gateway's way,
and refunds."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import tomli_w
from gateway_standins import StripeStandin, YooKassaStandin, serve, stripe_signature
from payments_support import order, points_of, purchases, start_purchase
from sqlalchemy import select

from warren.accounts.models import User
from warren.billing.gateways.registry import PaymentConfigError, load_gateways
from warren.billing.refunds import refund_order
from warren.db.unit_of_work import unit_of_work
from warren.runtime import Runtime
from warren.tenancy.registry import load_registry

from conftest import ROOT, serving
from webclient import BrandClient, new_address, sign_up_and_sign_in

WHSEC = "whsec_test_vizardio_0123456789"


@dataclass
class Site:
    runtime: Runtime
    url: str
    stripe: StripeStandin
    yookassa: YooKassaStandin

    def client(self, slug: str) -> BrandClient:
        return BrandClient(self.url, f"{slug}.localhost", new_address())


def gateway_variables(stripe_url: str, yookassa_url: str) -> dict[str, str]:
    return {
        "WARREN_PAYMENT_STRIPE_SECRET_KEY__VIZARDIO": "sk_test_vizardio",
        "WARREN_PAYMENT_STRIPE_WEBHOOK_SECRET__VIZARDIO": WHSEC,
        "WARREN_PAYMENT_STRIPE_API_BASE": stripe_url,
        "WARREN_PAYMENT_YOOKASSA_SHOP_ID__SONGLY": "100500",
        "WARREN_PAYMENT_YOOKASSA_SECRET_KEY__SONGLY": "test_songly_secret",
        "WARREN_PAYMENT_YOOKASSA_API_URL": yookassa_url + "/v3",
    }


def tenants_with_gateways(tmp_path: Path) -> Path:
    data = tomllib.loads((ROOT / "tenants.toml").read_text())
    data["vizardio"]["payments"]["gateway"] = "stripe"
    data["songly"]["payments"]["gateway"] = "yookassa"
    data["songly"]["payments"]["currency"] = "RUB"
    path = tmp_path / "tenants.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    return path


@pytest.fixture
def site(runtime: Runtime, clean_db: None, tmp_path: Path) -> Iterator[Site]:
    with serve(StripeStandin()) as stripe, serve(YooKassaStandin()) as yookassa:
        registry = load_registry(tenants_with_gateways(tmp_path))
        gateways = load_gateways(
            registry,
            gateway_variables(stripe.base_url, yookassa.base_url),
            lambda slug: runtime.keyring.for_tenant(slug).demo_gateway,
            runtime.sessions,
        )
        switched = dataclasses.replace(runtime, registry=registry, gateways=gateways)
        with serving(switched) as url:
            yield Site(switched, url, stripe, yookassa)


def signed_up(site: Site, slug: str, name: str) -> tuple[BrandClient, User]:
    client = site.client(slug)
    # An address that does not contain the username, so finding one is not finding the other.
    sign_up_and_sign_in(client, f"holder-{len(name)}@example.net", name)
    with site.runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == slug, User.username == name))
        assert user is not None
    return client, user


def assert_nothing_about_the_user_but_email(raw: bytes, user: User) -> None:
    assert user.email.encode() in raw.lower() or user.email.replace("@", "%40").encode() in raw
    for needle in (user.username, str(user.id), user.id.hex):
        assert needle.encode() not in raw, f"{needle!r} was sent to the gateway"


def test_stripe_checkout_webhook_and_refund(site: Site) -> None:
    client, user = signed_up(site, "vizardio", "stripebuyer")
    order_id, location = start_purchase(client, "points-100")
    assert location.startswith("https://checkout.stripe.test/c/pay/cs_test_")
    created = [r for r in site.stripe.requests if r.path == "/v1/checkout/sessions"]
    assert len(created) == 1
    sent = created[0]
    assert sent.header("Idempotency-Key") == f"checkout-{order_id}"
    assert sent.header("Authorization") == "Bearer sk_test_vizardio"
    form = dict(httpx.QueryParams(sent.body.decode()))
    assert form["client_reference_id"] == str(order_id)
    assert form["customer_email"] == "holder-11@example.net"
    assert form["line_items[0][price_data][unit_amount]"] == "499"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert not any(key.startswith("metadata") for key in form)
    assert_nothing_about_the_user_but_email(site.stripe.raw(), user)

    session_id = location.rsplit("/", 1)[1]
    payload = site.stripe.event(site.stripe.pay(session_id))
    hook = f"{site.url}/payments/webhook/stripe"
    headers = {"Host": "vizardio.localhost", "content-type": "application/json"}
    tampered = payload.replace(b'"amount_total": 499', b'"amount_total": 1')
    assert tampered != payload
    refused = httpx.post(
        hook,
        content=tampered,
        headers={**headers, "Stripe-Signature": stripe_signature(WHSEC, payload)},
    )
    assert refused.status_code == 400
    replayed = httpx.post(
        hook,
        content=payload,
        headers={**headers, "Stripe-Signature": stripe_signature(WHSEC, payload, 1_000_000_000)},
    )
    assert replayed.status_code == 400
    foreign = httpx.post(
        f"{site.url}/payments/webhook/stripe",
        content=payload,
        headers={
            **headers,
            "Host": "songly.localhost",
            "Stripe-Signature": stripe_signature(WHSEC, payload),
        },
    )
    assert foreign.status_code == 404, "songly takes no Stripe payments"
    assert order(site.runtime, order_id).state == "pending"

    for _ in range(2):
        accepted = httpx.post(
            hook,
            content=payload,
            headers={**headers, "Stripe-Signature": stripe_signature(WHSEC, payload)},
        )
        assert accepted.status_code == 200, accepted.text
    assert order(site.runtime, order_id).state == "paid"
    assert len(purchases(site.runtime, order_id)) == 1
    assert points_of(site.runtime, "vizardio", user.id) == 100

    tenant = site.runtime.registry.get("vizardio")
    gateway = site.runtime.gateways.get(tenant, "stripe")
    assert gateway is not None
    with unit_of_work(site.runtime.sessions) as db:
        refund_order(db, tenant, gateway, order_id)
    refund = [r for r in site.stripe.requests if r.path == "/v1/refunds"]
    assert len(refund) == 1
    assert refund[0].header("Idempotency-Key") == f"refund-{order_id}"
    assert dict(httpx.QueryParams(refund[0].body.decode()))["amount"] == "499"
    assert order(site.runtime, order_id).state == "refunded"
    assert points_of(site.runtime, "vizardio", user.id) == 0


def test_yookassa_notifications_are_believed_only_as_the_api_confirms(site: Site) -> None:
    client, user = signed_up(site, "songly", "kassabuyer")
    order_id, location = start_purchase(client, "points-100")
    assert location.startswith("https://yoomoney.test/checkout/")
    created = [r for r in site.yookassa.requests if r.path == "/v3/payments" and r.method == "POST"]
    assert len(created) == 1
    assert created[0].header("Idempotence-Key") == f"checkout-{order_id}"
    body = json.loads(created[0].body)
    assert body["amount"] == {"value": "5.00", "currency": "RUB"}
    assert body["metadata"] == {"order_id": str(order_id)}
    assert body["receipt"]["customer"] == {"email": "holder-10@example.net"}
    assert_nothing_about_the_user_but_email(site.yookassa.raw(), user)

    payment_id = next(iter(site.yookassa.payments))
    hook = f"{site.url}/payments/webhook/yookassa"
    headers = {"Host": "songly.localhost", "content-type": "application/json"}
    notice = json.dumps(
        {
            "type": "notification",
            "event": "payment.succeeded",
            "object": {"id": payment_id, "status": "succeeded"},
        }
    ).encode()
    # Claimed succeeded, but YooKassa says pending: nothing is credited.
    assert httpx.post(hook, content=notice, headers=headers).status_code == 200
    assert order(site.runtime, order_id).state == "pending"
    forged = notice.replace(payment_id.encode(), b"2d999999-000f-5000-8000-18db351245c7")
    assert httpx.post(hook, content=forged, headers=headers).status_code == 400
    assert httpx.post(hook, content=b"not json", headers=headers).status_code == 400

    site.yookassa.pay(payment_id)
    for _ in range(2):
        assert httpx.post(hook, content=notice, headers=headers).status_code == 200
    assert order(site.runtime, order_id).state == "paid"
    assert len(purchases(site.runtime, order_id)) == 1
    assert points_of(site.runtime, "songly", user.id) == 100
    fetched = [r for r in site.yookassa.requests if r.method == "GET"]
    assert fetched
    assert all(
        r.header("Authorization") == "Basic MTAwNTAwOnRlc3Rfc29uZ2x5X3NlY3JldA==" for r in fetched
    )


def test_a_gateway_without_its_keys_refuses_to_start(tmp_path: Path, runtime: Runtime) -> None:
    registry = load_registry(tenants_with_gateways(tmp_path))
    variables = gateway_variables("http://127.0.0.1:9", "http://127.0.0.1:9")
    del variables["WARREN_PAYMENT_STRIPE_WEBHOOK_SECRET__VIZARDIO"]
    with pytest.raises(PaymentConfigError, match="WARREN_PAYMENT_STRIPE_WEBHOOK_SECRET__VIZARDIO"):
        load_gateways(registry, variables, lambda slug: b"k" * 32, runtime.sessions)
    typo = {**gateway_variables("x", "y"), "WARREN_PAYMENT_STRIPE_SECRET_KEY__VIZARDOI": "sk"}
    with pytest.raises(PaymentConfigError, match="VIZARDOI"):
        load_gateways(registry, typo, lambda slug: b"k" * 32, runtime.sessions)


def test_yookassa_notifications_from_outside_its_networks_are_refused(site: Site) -> None:
    client, _ = signed_up(site, "songly", "netbuyer")
    order_id, _ = start_purchase(client, "points-100")
    payment_id = next(iter(site.yookassa.payments))
    site.yookassa.pay(payment_id)
    listed = site.runtime.settings.model_copy(
        update={"payments_yookassa_networks": (ipaddress.ip_network("185.71.76.0/27"),)}
    )
    notice = json.dumps(
        {"type": "notification", "event": "payment.succeeded", "object": {"id": payment_id}}
    ).encode()
    with serving(dataclasses.replace(site.runtime, settings=listed)) as url:
        hook = f"{url}/payments/webhook/yookassa"

        def from_(address: str) -> httpx.Response:
            # The test talks over loopback, a trusted proxy: the forwarded address counts.
            return httpx.post(
                hook,
                content=notice,
                headers={
                    "Host": "songly.localhost",
                    "content-type": "application/json",
                    "X-Forwarded-For": address,
                },
            )

        refused = from_("198.51.100.23")
        assert refused.status_code == 403
        assert "only from its networks" in refused.text
        assert order(site.runtime, order_id).state == "pending"
        accepted = from_("185.71.76.9")
        assert accepted.status_code == 200, accepted.text
        # Other gateways' notifications are not held to YooKassa's list.
        stripe_hook = httpx.post(
            f"{url}/payments/webhook/stripe",
            content=b"{}",
            headers={"Host": "vizardio.localhost", "X-Forwarded-For": "198.51.100.23"},
        )
        assert stripe_hook.status_code == 400, stripe_hook.text
    assert order(site.runtime, order_id).state == "paid"
