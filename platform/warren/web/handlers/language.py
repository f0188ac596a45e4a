"""The language switcher: a small form on every page posts here."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.response import Redirect, Response

from warren.accounts.preferences import set_language
from warren.i18n import translator
from warren.web import cookies
from warren.web.context import RequestContext
from warren.web.forms import text
from warren.web.redirects import safe_next
from warren.web.render import redirect, render


class LanguageController(Controller):
    @post("/language", sync_to_thread=True, status_code=303)
    def choose(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str] | Redirect:
        language = text(form, "language")
        if language not in ctx.tenant.languages:
            words = translator(ctx.language)
            return render(
                ctx,
                "error.html",
                400,
                status=400,
                message=words.gettext(
                    "%(brand)s is offered in: %(languages)s.",
                    brand=ctx.tenant.name,
                    languages=", ".join(ctx.tenant.languages),
                ),
            )
        if ctx.user is not None:
            # A signed-in user's choice is their setting, so emails follow it too.
            set_language(ctx.tenant, ctx.user, language)
        ctx.set_cookie(cookies.LANGUAGE, language, cookies.LANGUAGE_MAX_AGE)
        ctx.language = language
        # Only back to a page of this site: anything else goes home.
        return redirect(ctx, safe_next(text(form, "next"), "/"))
