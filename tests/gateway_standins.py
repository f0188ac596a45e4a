"""Local HTTP servers that speak the parts of Stripe's and YooKassa's APIs warren uses,
keeping payments as the real services do and recording every request they receive, so
tests can check exactly what left warren for a gateway."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_ids = itertools.count(1)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Standin:
    base_url: str = ""
    requests: list[Request] = field(default_factory=list)
    # Payments (sessions) by id, as the gateway stores them.
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_idempotency_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: Request) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def raw(self) -> bytes:
        """Everything received, headers and bodies, for searching."""
        return b"\n".join(
            json.dumps(r.headers).encode() + b"\n" + r.path.encode() + b"\n" + r.body
            for r in self.requests
        )


class StripeStandin(Standin):
    def handle(self, request: Request) -> tuple[int, dict[str, Any]]:
        path = urlsplit(request.path).path
        key = request.header("Idempotency-Key")
        if request.method == "POST" and key and key in self.by_idempotency_key:
            return 200, self.by_idempotency_key[key]
        if request.method == "POST" and path == "/v1/checkout/sessions":
            form = dict(parse_qsl(request.body.decode()))
            session_id = f"cs_test_{next(_ids)}"
            session = {
                "id": session_id,
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "client_reference_id": form.get("client_reference_id"),
                "customer_email": form.get("customer_email"),
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                "currency": form["line_items[0][price_data][currency]"],
                "status": "open",
                "payment_status": "unpaid",
                "payment_intent": None,
            }
            self.payments[session_id] = session
        elif request.method == "GET" and path.startswith("/v1/checkout/sessions/"):
            found = self.payments.get(path.rsplit("/", 1)[1])
            if found is None:
                return 404, {
                    "error": {"type": "invalid_request_error", "message": "No such session"}
                }
            return 200, found
        elif request.method == "POST" and path == "/v1/refunds":
            form = dict(parse_qsl(request.body.decode()))
            session = {
                "id": f"re_test_{next(_ids)}",
                "object": "refund",
                "payment_intent": form["payment_intent"],
                "amount": int(form["amount"]),
                "status": "succeeded",
            }
        else:
            return 404, {"error": {"type": "invalid_request_error", "message": "unknown"}}
        if key:
            self.by_idempotency_key[key] = session
        return 200, session

    def pay(self, session_id: str) -> dict[str, Any]:
        session = self.payments[session_id]
        session.update(
            status="complete", payment_status="paid", payment_intent=f"pi_test_{next(_ids)}"
        )
        return session

    def event(
        self, session: dict[str, Any], event_type: str = "checkout.session.completed"
    ) -> bytes:
        return json.dumps(
            {
                "id": f"evt_test_{next(_ids)}",
                "object": "event",
                "type": event_type,
                "data": {"object": session},
            }
        ).encode()


def stripe_signature(secret: str, payload: bytes, timestamp: int | None = None) -> str:
    """How Stripe signs a webhook: t=<time>,v1=HMAC-SHA256(secret, "t.payload")."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class YooKassaStandin(Standin):
    def handle(self, request: Request) -> tuple[int, dict[str, Any]]:
        path = urlsplit(request.path).path
        key = request.header("Idempotence-Key")
        if request.method == "POST" and key and key in self.by_idempotency_key:
            return 200, self.by_idempotency_key[key]
        if request.method == "POST" and path == "/v3/payments":
            body = json.loads(request.body)
            payment_id = f"2d{next(_ids):06d}-000f-5000-8000-18db351245c7"
            payment = {
                "id": payment_id,
                "status": "pending",
                "paid": False,
                "amount": body["amount"],
                "confirmation": {
                    "type": "redirect",
                    "confirmation_url": f"https://yoomoney.test/checkout/payments/v2/contract?orderId={payment_id}",
                },
                "created_at": "2026-11-30T10:00:00.000Z",
                "description": body.get("description"),
                "metadata": body.get("metadata", {}),
                "recipient": {"account_id": "100500", "gateway_id": "100700"},
                "refundable": False,
                "test": True,
            }
            self.payments[payment_id] = payment
            result = payment
        elif request.method == "GET" and path.startswith("/v3/payments/"):
            found = self.payments.get(path.rsplit("/", 1)[1])
            if found is None:
                return 404, {"type": "error", "id": "x", "code": "not_found", "description": "no"}
            return 200, found
        elif request.method == "POST" and path == "/v3/refunds":
            body = json.loads(request.body)
            result = {
                "id": f"21{next(_ids):06d}-0015-5000-9000-1b68e7b15f3f",
                "payment_id": body["payment_id"],
                "status": "succeeded",
                "amount": body["amount"],
                "created_at": "2026-11-30T11:00:00.000Z",
            }
        else:
            return 404, {"type": "error", "id": "x", "code": "not_found", "description": "no"}
        if key:
            self.by_idempotency_key[key] = result
        return 200, result

    def pay(self, payment_id: str) -> None:
        self.payments[payment_id].update(status="succeeded", paid=True, refundable=True)


def _handler(standin: Standin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            request = Request(self.command, self.path, dict(self.headers.items()), body)
            with standin.lock:
                standin.requests.append(request)
                status, answer = standin.handle(request)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve(standin: Standin) -> Iterator[Standin]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(standin))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    standin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
