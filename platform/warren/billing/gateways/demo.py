"""The demo gateway: offline, for the embedded default and development.

It behaves like a hosted-checkout gateway: warren serves its "checkout" page (pay,
decline, or leave), the gateway's own record of each payment lives in ``demo_payments``
(read and written only here, in transactions of its own, as a remote service's would
be), and every outcome is announced by a notification signed the way Stripe signs
(``t=<unix time>,v1=<HMAC-SHA256 of "t.body">``) with the tenant's demo key, derived
from the deployment secret. A notification older than five minutes is refused (replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from warren.billing.gateways.base import (
    Checkout,
    CheckoutRequest,
    GatewayError,
    GatewayPayment,
    NotificationRejected,
    PaymentStatus,
    parse_order_id,
)
from warren.billing.models import DemoPayment

SIGNATURE_HEADER = "warren-demo-signature"
TOLERANCE_SECONDS = 300
OUTCOMES = {"pay": "succeeded", "decline": "failed", "leave": "abandoned"}
_STATUS = {
    "open": PaymentStatus.PENDING,
    "succeeded": PaymentStatus.PAID,
    "failed": PaymentStatus.FAILED,
    "abandoned": PaymentStatus.CANCELLED,
    "refunded": PaymentStatus.REFUNDED,
}


def sign(key: bytes, body: bytes, timestamp: int) -> str:
    mac = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass(frozen=True)
class DemoCheckoutPage:
    payment_id: str
    amount: Decimal
    currency: str
    status: str
    success_url: str
    cancel_url: str


class DemoGateway:
    name = "demo"

    def __init__(self, tenant_slug: str, key: bytes, sessions: sessionmaker[Session]) -> None:
        self._tenant = tenant_slug
        self._key = key
        self._sessions = sessions

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        payment_id = "demo_" + secrets.token_urlsafe(18)
        with self._sessions.begin() as db:
            db.add(
                DemoPayment(
                    id=payment_id,
                    tenant_id=self._tenant,
                    order_id=request.order_id,
                    amount=request.amount,
                    currency=request.currency,
                    success_url=request.success_url,
                    cancel_url=request.cancel_url,
                )
            )
        return Checkout(payment_id, f"/payments/demo/checkout/{payment_id}")

    def page(self, payment_id: str) -> DemoCheckoutPage | None:
        with self._sessions() as db:
            row = self._row(db, payment_id)
            if row is None:
                return None
            return DemoCheckoutPage(
                row.id, row.amount, row.currency, row.status, row.success_url, row.cancel_url
            )

    def complete(self, payment_id: str, outcome: str) -> bool:
        """The payer's choice on the checkout page; False when the payment was already
        decided (a second click changes nothing)."""
        status = OUTCOMES[outcome]
        with self._sessions.begin() as db:
            result = db.execute(
                update(DemoPayment)
                .where(
                    DemoPayment.id == payment_id,
                    DemoPayment.tenant_id == self._tenant,
                    DemoPayment.status == "open",
                )
                .values(status=status)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def notification(self, payment_id: str, now: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The signed notification the gateway sends about a payment's current state."""
        payment = self.fetch_payment(payment_id)
        body = json.dumps(
            {
                "id": "evt_" + secrets.token_urlsafe(12),
                "type": f"payment.{payment.status.value}",
                "payment": {
                    "id": payment.payment_id,
                    "order_id": str(payment.order_id),
                    "status": payment.status.value,
                    "amount": str(payment.amount),
                    "currency": payment.currency,
                },
            }
        ).encode()
        timestamp = int(time.time()) if now is None else now
        return body, {
            SIGNATURE_HEADER: sign(self._key, body, timestamp),
            "content-type": "application/json",
        }

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayPayment | None:
        header = headers.get(SIGNATURE_HEADER, "")
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise NotificationRejected("no valid signature header") from None
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise NotificationRejected("the signature is too old (a replay?)")
        expected = sign(self._key, body, timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(parts.get("v1", ""), expected):
            raise NotificationRejected("the signature does not match")
        try:
            payment = json.loads(body)["payment"]
            return GatewayPayment(
                payment_id=str(payment["id"]),
                order_id=parse_order_id(payment["order_id"]),
                status=PaymentStatus(payment["status"]),
                amount=Decimal(payment["amount"]),
                currency=str(payment["currency"]),
                confirmation=f"demo {payment['status']} {payment['id']}",
            )
        except (ValueError, KeyError, TypeError, ArithmeticError):
            raise NotificationRejected("the notification is not a demo payment") from None

    def fetch_payment(self, payment_id: str) -> GatewayPayment:
        with self._sessions() as db:
            row = self._row(db, payment_id)
            if row is None:
                raise GatewayError(f"the demo gateway has no payment {payment_id!r}")
            return GatewayPayment(
                payment_id=row.id,
                order_id=row.order_id,
                status=_STATUS[row.status],
                amount=row.amount,
                currency=row.currency,
                confirmation=f"demo {row.status} {row.id}",
            )

    def refund(self, payment_id: str, amount: Decimal, currency: str, idempotency_key: str) -> str:
        with self._sessions.begin() as db:
            row = self._row(db, payment_id)
            if row is None or row.status not in ("succeeded", "refunded"):
                raise GatewayError(f"the demo gateway cannot refund payment {payment_id!r}")
            row.status = "refunded"
        return f"demo_refund_{payment_id}"

    def _row(self, db: Session, payment_id: str) -> DemoPayment | None:
        return db.scalar(
            select(DemoPayment).where(
                DemoPayment.id == payment_id, DemoPayment.tenant_id == self._tenant
            )
        )


def deliver_notification(
    gateway: DemoGateway, payment_id: str, url: str, host: str, timeout: float = 10
) -> int:
    """POST the signed notification to warren's webhook, as the gateway's servers would;
    returns the status warren answered (the worker retries anything but 2xx)."""
    body, headers = gateway.notification(payment_id)
    response = httpx.post(url, content=body, headers={**headers, "Host": host}, timeout=timeout)
    return response.status_code
