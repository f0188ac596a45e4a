"""Buying points and Prime: the catalogue, the checkout redirect, the return pages, the
demo gateway's hosted checkout page, and the gateways' notification endpoints."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, RawBody
from litestar.response import Redirect, Response

from warren.accounts.models import User
from warren.billing.drafts import draft_for_order
from warren.billing.gateways.base import GatewayError, NotificationRejected
from warren.billing.gateways.demo import OUTCOMES, DemoGateway
from warren.billing.ledger import balance
from warren.billing.models import OPEN_STATES
from warren.billing.orders import begin_checkout, order_of
from warren.billing.settlement import settle
from warren.db.base import utcnow
from warren.errors import Conflict, InvalidInput, NotFound
from warren.i18n import N_
from warren.queue.port import enqueue_after_commit
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.render import redirect, render

DEMO_NOTIFY_ACTOR = "deliver_demo_notification"


def _plain(status: int, message: str) -> Response[str]:
    return Response(message + "\n", status_code=status, media_type="text/plain")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _demo(ctx: RequestContext) -> DemoGateway:
    gateway = ctx.runtime.gateways.get(ctx.tenant, "demo")
    assert isinstance(gateway, DemoGateway)
    return gateway


def _back_from_gateway(
    ctx: RequestContext, user: User, order_id: uuid.UUID, *, cancelled: bool
) -> Response[str]:
    order = order_of(ctx.db, ctx.tenant, user.id, order_id)
    gateway = ctx.runtime.gateways.get(ctx.tenant, order.gateway)
    if order.state in OPEN_STATES and gateway is not None and order.gateway_payment_id:
        # The payer may be back before the notification: ask the gateway now.
        # If the gateway cannot say, the notification or reconciliation settles it.
        with contextlib.suppress(GatewayError):
            settle(
                ctx.db,
                ctx.tenant,
                gateway.name,
                gateway.fetch_payment(order.gateway_payment_id),
            )
    draft = draft_for_order(ctx.db, ctx.tenant, user.id, order.id)
    return render(
        ctx,
        "payment_return.html",
        order=order,
        cancelled=cancelled,
        balance=balance(ctx.db, ctx.tenant, user.id),
        back=f"/create/{draft.product_key}?draft={draft.id}" if draft else None,
        draft=str(draft.id) if draft else "",
    )


class PaymentController(Controller):
    @get("/buy", sync_to_thread=True)
    def catalogue(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User], draft: str = ""
    ) -> Response[str]:
        draft_id = _uuid(draft)
        return render(
            ctx,
            "buy.html",
            payments=ctx.tenant.payments,
            balance=balance(ctx.db, ctx.tenant, user.id),
            prime_until=user.prime_until if user.has_prime(utcnow()) else None,
            draft=str(draft_id) if draft_id else "",
        )

    @post("/buy/{item_key:str}", sync_to_thread=True, status_code=303)
    def checkout(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        item_key: FromPath[str],
        form: NamedDependency[FormMultiDict],
    ) -> Redirect:
        gateway = ctx.runtime.gateways.for_tenant(ctx.tenant)
        # The edge matched the Host to one of this brand's own hosts.
        origin = (
            f"{'https' if ctx.https else 'http'}://{request.headers.get('host', ctx.tenant.domain)}"
        )
        started = begin_checkout(
            ctx.db, ctx.tenant, gateway, user, item_key, origin, _uuid(text(form, "draft"))
        )
        return redirect(ctx, started.redirect_url)

    @get("/payments/orders/{order_id:uuid}/return", sync_to_thread=True)
    def returned(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        order_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return _back_from_gateway(ctx, user, order_id, cancelled=False)

    @get("/payments/orders/{order_id:uuid}/cancelled", sync_to_thread=True)
    def cancelled(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        order_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        return _back_from_gateway(ctx, user, order_id, cancelled=True)

    @get("/payments/demo/checkout/{payment_id:str}", sync_to_thread=True)
    def demo_checkout_page(
        self, ctx: NamedDependency[RequestContext], payment_id: FromPath[str]
    ) -> Response[str]:
        page = _demo(ctx).page(payment_id)
        if page is None:
            raise NotFound(N_("There is no such payment."))
        return render(ctx, "demo_checkout.html", page=page)

    @post("/payments/demo/checkout/{payment_id:str}", sync_to_thread=True, status_code=303)
    def demo_checkout_choice(
        self,
        ctx: NamedDependency[RequestContext],
        payment_id: FromPath[str],
        form: NamedDependency[FormMultiDict],
    ) -> Redirect:
        outcome = text(form, "outcome")
        if outcome not in OUTCOMES:
            raise InvalidInput({"outcome": N_("Choose pay, decline or leave.")})
        gateway = _demo(ctx)
        page = gateway.page(payment_id)
        if page is None:
            raise NotFound(N_("There is no such payment."))
        if gateway.complete(payment_id, outcome):
            # The gateway announces the outcome from its own servers, like a real one.
            ctx.db.connection()
            enqueue_after_commit(ctx.db, DEMO_NOTIFY_ACTOR, ctx.tenant.slug, payment_id)
        return redirect(ctx, page.success_url if outcome == "pay" else page.cancel_url)

    @post("/payments/webhook/{gateway_name:str}", sync_to_thread=True, status_code=200)
    def webhook(
        self,
        request: Request[Any, Any, Any],
        ctx: NamedDependency[RequestContext],
        gateway_name: FromPath[str],
        body: RawBody,
    ) -> Response[str]:
        gateway = ctx.runtime.gateways.get(ctx.tenant, gateway_name)
        if gateway is None:
            return _plain(404, f"{ctx.tenant.name} takes no payments through {gateway_name!r}")
        try:
            payment = gateway.parse_notification(body, dict(request.headers))
        except NotificationRejected as exc:
            return _plain(400, f"notification refused: {exc}")
        if payment is None:
            return _plain(200, "ignored")
        try:
            order = settle(ctx.db, ctx.tenant, gateway.name, payment)
        except Conflict as exc:
            return _plain(409, exc.message)
        if order is None:
            return _plain(404, "no such order here")
        return _plain(200, f"order {order.state.value}")
