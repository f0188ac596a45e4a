"""Deleting one's own account from the account page."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.response import Response

from warren.accounts.models import User
from warren.errors import InvalidInput
from warren.i18n import N_
from warren.rights.account_deletion import DeletionHeld, delete_own_account, deletion_plan
from warren.web import cookies
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.hashing_admission import HASHES_PASSWORD
from warren.web.render import render
from warren.web.signing_in import end_browser_session
from warren.web.throttle import TOO_MANY, throttled, too_many

DELETE_PATH = "/account/delete"


def _page(
    ctx: RequestContext, user: User, status: int = 200, errors: dict[str, str] | None = None
) -> Response[str]:
    return render(
        ctx,
        "account_delete.html",
        status,
        plan=deletion_plan(ctx.tenant, ctx.language),
        two_factor=user.has_two_factor,
        errors=errors or {},
    )


class AccountDeletionController(Controller):
    @get(DELETE_PATH, sync_to_thread=True)
    def page(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User]
    ) -> Response[str]:
        return _page(ctx, user)

    @post(DELETE_PATH, sync_to_thread=True, status_code=200, opt=HASHES_PASSWORD)
    def delete(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str]:
        if text(form, "confirm") != "yes":
            return _page(ctx, user, 400, {"confirm": N_("Tick the box to confirm the deletion.")})
        wait = throttled(ctx, "two_factor")
        if wait is not None:
            return too_many(_page(ctx, user, 429, {"form": TOO_MANY}), wait)
        try:
            delete_own_account(
                ctx.db,
                ctx.runtime.store,
                ctx.tenant,
                ctx.keys,
                user,
                text(form, "current"),
                text(form, "code"),
                ctx.ip_value,
            )
        except InvalidInput as invalid:
            return _page(ctx, user, 400, invalid.fields)
        except DeletionHeld as held:
            return _page(ctx, user, 409, {"form": held.message})
        end_browser_session(ctx)
        ctx.expire_cookie(cookies.CONSENT)
        return render(ctx, "account_deleted.html")
