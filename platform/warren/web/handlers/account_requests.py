"""The account's privacy requests: what the user asked for, where each stands and by
when it is due, and the form to ask for something the account page cannot do itself."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Response

from warren.accounts.models import User
from warren.errors import Conflict, InvalidInput
from warren.rights.intake import MAX_DETAILS, jurisdictions, requests_of, submit_web_request
from warren.rights.models import RequestKind
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.render import redirect, render

PATH = "/account/requests"


def _page(
    ctx: RequestContext,
    user: User,
    status: int = 200,
    errors: dict[str, str] | None = None,
    chosen: dict[str, str] | None = None,
    sent: bool = False,
) -> Response[str]:
    return render(
        ctx,
        "account_requests.html",
        status,
        requests=requests_of(ctx.db, ctx.tenant, user),
        kinds=[kind.value for kind in RequestKind],
        jurisdictions=[law.value for law in jurisdictions(ctx.tenant)],
        max_details=MAX_DETAILS,
        errors=errors or {},
        chosen=chosen or {},
        sent=sent,
    )


class AccountRequestsController(Controller):
    @get(PATH, sync_to_thread=True)
    def requests(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        sent: FromQuery[str] = "",
    ) -> Response[str]:
        return _page(ctx, user, sent=sent == "1")

    @post(PATH, sync_to_thread=True, status_code=303)
    def submit(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        chosen = {
            "kind": text(form, "kind"),
            "jurisdiction": text(form, "jurisdiction"),
            "details": text(form, "details"),
        }
        try:
            submit_web_request(
                ctx.db, ctx.tenant, user, chosen["kind"], chosen["jurisdiction"], chosen["details"]
            )
        except InvalidInput as invalid:
            return _page(ctx, user, 400, invalid.fields, chosen)
        except Conflict as refused:
            return _page(ctx, user, 409, {"form": refused.message}, chosen)
        return redirect(ctx, f"{PATH}?sent=1")
