"""The one interface every payment gateway adapter implements.

What a gateway receives is fixed here: the amount, the order id and the user's email for
its receipt (``CheckoutRequest``) — no username, no account id, nothing else about the
user — plus the URLs the payer's browser returns to.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class CheckoutRequest:
    order_id: uuid.UUID
    amount: Decimal
    currency: str
    email: str
    success_url: str
    cancel_url: str

    @property
    def description(self) -> str:
        return f"Order {self.order_id}"


@dataclass(frozen=True)
class Checkout:
    payment_id: str
    redirect_url: str


@dataclass(frozen=True)
class GatewayPayment:
    """A payment as the gateway reports it (from a verified notification or a fetch)."""

    payment_id: str
    order_id: uuid.UUID | None
    status: PaymentStatus
    amount: Decimal
    currency: str
    # What warren keeps as the gateway's confirmation: its status and transaction ids.
    confirmation: str


class NotificationRejected(Exception):
    """A notification that is not authentic, not parseable, or not for this tenant."""


class GatewayError(Exception):
    """The gateway could not be reached or refused a call; the message names no secret."""


class Gateway(Protocol):
    name: str

    def create_checkout(self, request: CheckoutRequest) -> Checkout: ...

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayPayment | None:
        """The payment a verified notification is about; None for events warren does not
        use. Raises NotificationRejected when the notification cannot be trusted."""
        ...

    def fetch_payment(self, payment_id: str) -> GatewayPayment: ...

    def refund(self, payment_id: str, amount: Decimal, currency: str, idempotency_key: str) -> str:
        """Refund in full; returns the gateway's refund id. Safe to repeat with the key."""
        ...


def parse_order_id(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
