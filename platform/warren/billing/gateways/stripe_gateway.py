"""Stripe Checkout through the official ``stripe`` library.

A Checkout Session per order, created with an idempotency key derived from the order id
(a retried create returns the same session). Webhooks are verified by the library
(``Stripe-Signature``: HMAC-SHA256 of "t.payload" with the endpoint's secret, and a
timestamp tolerance against replays). Stripe gets the amount, the order id (as
``client_reference_id`` and in the line item's name) and the user's email for its
receipt — nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import stripe

from warren.billing.gateways.base import (
    Checkout,
    CheckoutRequest,
    GatewayError,
    GatewayPayment,
    NotificationRejected,
    PaymentStatus,
    parse_order_id,
)

_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


def minor_units(amount: Decimal) -> int:
    """Every currency warren sells in has two decimals (warren.tenancy.tenant.Currency)."""
    return int(amount * 100)


def _status(session: Any, event_type: str | None = None) -> PaymentStatus:
    if event_type == "checkout.session.async_payment_failed":
        return PaymentStatus.FAILED
    if session["status"] == "expired":
        return PaymentStatus.CANCELLED
    if session["status"] == "complete" and session["payment_status"] == "paid":
        return PaymentStatus.PAID
    return PaymentStatus.PENDING


def _payment(session: Any, event_type: str | None = None) -> GatewayPayment:
    status = _status(session, event_type)
    return GatewayPayment(
        payment_id=str(session["id"]),
        order_id=parse_order_id(session["client_reference_id"]),
        status=status,
        amount=Decimal(int(session["amount_total"] or 0)) / 100,
        currency=str(session["currency"] or "").upper(),
        confirmation=f"stripe {status.value} {session['id']} {session['payment_intent'] or ''}".strip(),
    )


class StripeGateway:
    name = "stripe"

    def __init__(self, api_key: str, webhook_secret: str, api_base: str | None = None) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
        )
        self._webhook_secret = webhook_secret

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": str(request.order_id),
            "customer_email": request.email,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": minor_units(request.amount),
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        try:
            session = self._client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": f"checkout-{request.order_id}"},
            )
        except stripe.StripeError as exc:
            raise GatewayError(
                f"Stripe refused the checkout: {exc.user_message or type(exc).__name__}"
            ) from None
        if not session.url:
            raise GatewayError("Stripe answered without a checkout URL")
        return Checkout(session.id, session.url)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayPayment | None:
        try:
            event = stripe.Webhook.construct_event(
                body.decode("utf-8"), headers.get("stripe-signature"), self._webhook_secret
            )
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
            raise NotificationRejected(
                f"not a verified Stripe event: {type(exc).__name__}"
            ) from None
        if event["type"] not in _EVENTS:
            return None
        try:
            return _payment(event["data"]["object"], event["type"])
        except (KeyError, TypeError, ArithmeticError):
            raise NotificationRejected("the event is not a Checkout Session") from None

    def fetch_payment(self, payment_id: str) -> GatewayPayment:
        try:
            return _payment(self._client.v1.checkout.sessions.retrieve(payment_id))
        except stripe.StripeError as exc:
            raise GatewayError(
                f"Stripe could not say how session {payment_id} stands: {type(exc).__name__}"
            ) from None

    def refund(self, payment_id: str, amount: Decimal, currency: str, idempotency_key: str) -> str:
        try:
            session = self._client.v1.checkout.sessions.retrieve(payment_id)
            refund = self._client.v1.refunds.create(
                {"payment_intent": str(session["payment_intent"]), "amount": minor_units(amount)},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise GatewayError(f"Stripe refused the refund: {type(exc).__name__}") from None
        return str(refund.id)
