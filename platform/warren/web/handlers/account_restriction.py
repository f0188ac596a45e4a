"""The "use my data only for storage" switch on the account page."""

from __future__ import annotations

import uuid

from litestar import Controller, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.response import Redirect

from warren.accounts.models import User
from warren.accounts.preferences import ConsentContext
from warren.privacy.policy import policy_version
from warren.rights.restriction import set_storage_only
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.render import redirect


class AccountRestrictionController(Controller):
    @post("/account/restriction", sync_to_thread=True, status_code=303)
    def restrict(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Redirect:
        where = ConsentContext(
            visitor_id=ctx.consent.visitor_id or uuid.uuid4(),
            policy_version=policy_version(ctx.tenant),
            ip_value=ctx.ip_value,
        )
        set_storage_only(ctx.db, ctx.tenant, user, text(form, "storage_only") == "yes", where)
        return redirect(ctx, "/account?saved=1")
