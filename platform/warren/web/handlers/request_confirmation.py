"""The page behind the link that confirms a privacy request made by email: opening it
shows one button, and only the button (a POST) uses the link, so a mail scanner that
fetches every link cannot confirm a request for the account's owner."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Response

from warren.i18n import translator
from warren.rights.confirmation import CONFIRM_PATH, confirm
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.render import render


class RequestConfirmationController(Controller):
    @get(CONFIRM_PATH, sync_to_thread=True)
    def page(
        self, ctx: NamedDependency[RequestContext], token: FromQuery[str] = ""
    ) -> Response[str]:
        words = translator(ctx.language)
        return render(
            ctx,
            "link_confirm.html",
            heading=words.gettext("Confirm your privacy request"),
            explanation=words.gettext(
                "%(brand)s received a privacy request about your account by email. "
                "Confirm that it is yours, and we will act on it.",
                brand=ctx.tenant.name,
            ),
            action=CONFIRM_PATH,
            button=words.gettext("Yes, this request is mine"),
            token=token,
        )

    @post(CONFIRM_PATH, sync_to_thread=True, status_code=200)
    def use(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str]:
        request = confirm(ctx.db, ctx.tenant, ctx.keys.tokens, text(form, "token"))
        return render(ctx, "request_confirmed.html", request=request)
