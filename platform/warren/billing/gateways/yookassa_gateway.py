"""YooKassa through the official ``yookassa`` library.

YooKassa does not sign its notifications: a notification is only a hint naming a payment,
which is then fetched from the API with the tenant's own credentials, and only what the
API says is believed. Every create carries an ``Idempotence-Key`` derived from the order
id. YooKassa gets the amount, the order id (description and metadata) and the user's
email for the fiscal receipt — nothing else.

The library keeps its credentials in one class-wide ``Configuration``; a client is built
under a lock with the tenant's credentials and used on its own, so two tenants' calls
never share a key.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from yookassa import Configuration
from yookassa.client import ApiClient
from yookassa.domain.common import HttpVerb
from yookassa.domain.exceptions import ApiError
from yookassa.domain.request import PaymentRequest, RefundRequest
from yookassa.domain.response import PaymentResponse, RefundResponse

from warren.billing.gateways.base import (
    Checkout,
    CheckoutRequest,
    GatewayError,
    GatewayPayment,
    NotificationRejected,
    PaymentStatus,
    parse_order_id,
)

DEFAULT_API_URL = "https://api.yookassa.ru/v3"
_STATUS = {
    "pending": PaymentStatus.PENDING,
    "waiting_for_capture": PaymentStatus.PENDING,
    "succeeded": PaymentStatus.PAID,
    "canceled": PaymentStatus.CANCELLED,
}
_configure = threading.Lock()


class YooKassaGateway:
    name = "yookassa"

    def __init__(self, shop_id: str, secret_key: str, api_url: str | None = None) -> None:
        self._shop_id = shop_id
        self._secret_key = secret_key
        self._api_url = api_url or DEFAULT_API_URL

    def _client(self) -> ApiClient:
        with _configure:
            Configuration.configure(self._shop_id, self._secret_key, api_url=self._api_url)
            return ApiClient()

    def _call(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> Any:
        try:
            return self._client().request(method, path, None, headers, body)
        except ApiError as exc:
            raise GatewayError(
                f"YooKassa refused {method} {path.split('/')[1]}: {type(exc).__name__}"
            ) from None
        except (OSError, ValueError) as exc:
            raise GatewayError(f"YooKassa could not be reached: {type(exc).__name__}") from None

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        amount = {"value": str(request.amount), "currency": request.currency}
        body = PaymentRequest(
            {
                "amount": amount,
                "capture": True,
                "confirmation": {"type": "redirect", "return_url": request.success_url},
                "description": request.description,
                "metadata": {"order_id": str(request.order_id)},
                "receipt": {
                    "customer": {"email": request.email},
                    "items": [
                        {
                            "description": request.description,
                            "quantity": "1.00",
                            "amount": amount,
                            "vat_code": 1,
                        }
                    ],
                },
            }
        )
        payment = PaymentResponse(
            self._call(
                HttpVerb.POST,
                "/payments",
                {"Idempotence-Key": f"checkout-{request.order_id}"},
                body,
            )
        )
        url = payment.confirmation.confirmation_url if payment.confirmation else None
        if not url:
            raise GatewayError("YooKassa answered without a confirmation URL")
        return Checkout(str(payment.id), str(url))

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayPayment | None:
        try:
            notification = json.loads(body)
            event = str(notification["event"])
            payment_id = str(notification["object"]["id"])
        except (ValueError, KeyError, TypeError):
            raise NotificationRejected("not a YooKassa notification") from None
        if not event.startswith("payment."):
            return None
        try:
            return self.fetch_payment(payment_id)
        except GatewayError:
            # Unknown to YooKassa under this tenant's shop: forged, or another shop's.
            raise NotificationRejected("YooKassa does not confirm this payment") from None

    def fetch_payment(self, payment_id: str) -> GatewayPayment:
        if not payment_id or "/" in payment_id:
            raise GatewayError("not a YooKassa payment id")
        payment = PaymentResponse(self._call(HttpVerb.GET, f"/payments/{payment_id}"))
        status = _STATUS.get(str(payment.status), PaymentStatus.PENDING)
        metadata = payment.metadata or {}
        return GatewayPayment(
            payment_id=str(payment.id),
            order_id=parse_order_id(metadata.get("order_id")),
            status=status,
            amount=Decimal(str(payment.amount.value)),
            currency=str(payment.amount.currency),
            confirmation=f"yookassa {payment.status} {payment.id}",
        )

    def refund(self, payment_id: str, amount: Decimal, currency: str, idempotency_key: str) -> str:
        body = RefundRequest(
            {"payment_id": payment_id, "amount": {"value": str(amount), "currency": currency}}
        )
        refund = RefundResponse(
            self._call(HttpVerb.POST, "/refunds", {"Idempotence-Key": idempotency_key}, body)
        )
        return str(refund.id)
