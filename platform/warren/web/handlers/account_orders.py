"""The user's order history: what they ordered made and what they paid for."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Response

from warren.accounts.models import User
from warren.billing.history import made_orders, payment_orders
from warren.web.context import RequestContext
from warren.web.render import render


class AccountOrdersController(Controller):
    @get("/account/orders", sync_to_thread=True)
    def orders(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        made: FromQuery[str] = "",
        paid: FromQuery[str] = "",
    ) -> Response[str]:
        # Each list pages on its own cursor; the other list stays where it was.
        return render(
            ctx,
            "account_orders.html",
            made=made_orders(ctx.db, ctx.tenant, user.id, after=made or None),
            paid=payment_orders(ctx.db, ctx.tenant, user.id, after=paid or None),
            made_cursor=made,
            paid_cursor=paid,
        )
