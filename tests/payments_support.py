"""What the payment tests share: a runtime whose demo gateway notifies the test server,
reading orders and balances, and the helpers that walk a user through a purchase."""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any

from sqlalchemy import select

from warren.billing.ledger import balance
from warren.billing.models import Order, PointMovement
from warren.runtime import Runtime

from webclient import BrandClient


def notifying(runtime: Runtime, server: str) -> Runtime:
    """``runtime`` whose demo gateway delivers its notifications to ``server``."""
    settings = runtime.settings.model_copy(update={"payments_demo_webhook_base": server})
    return dataclasses.replace(runtime, settings=settings)


def orders(runtime: Runtime, slug: str) -> list[Order]:
    with runtime.sessions() as db:
        return list(db.scalars(select(Order).where(Order.tenant_id == slug)))


def order(runtime: Runtime, order_id: uuid.UUID | str) -> Order:
    with runtime.sessions() as db:
        found = db.get(Order, uuid.UUID(str(order_id)))
        assert found is not None
        return found


def purchases(runtime: Runtime, order_id: uuid.UUID) -> list[PointMovement]:
    with runtime.sessions() as db:
        return list(
            db.scalars(
                select(PointMovement).where(
                    PointMovement.order_id == order_id, PointMovement.kind == "purchase"
                )
            )
        )


def points_of(runtime: Runtime, slug: str, user_id: Any) -> int:
    with runtime.sessions() as db:
        return balance(db, runtime.registry.get(slug), user_id)


def start_purchase(client: BrandClient, item: str, draft: str = "") -> tuple[uuid.UUID, str]:
    """Buy ``item``: the new order's id (the newest on the account page) and where the
    browser was sent."""
    page = client.get("/buy" + (f"?draft={draft}" if draft else ""))
    assert page.status_code == 200, page.text
    token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert token
    started = client.post(f"/buy/{item}", data={"_csrf": token.group(1), "draft": draft})
    assert started.status_code == 303, started.text
    account = client.get("/account").text
    found = re.search(r'data-order="([0-9a-f-]{36})"', account)
    assert found, "no order on the account page"
    return uuid.UUID(found.group(1)), started.headers["location"]
