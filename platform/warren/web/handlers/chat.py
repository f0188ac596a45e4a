"""Assistant pages: the list, a conversation, sending a message."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Response

from warren.accounts.models import User
from warren.billing.ledger import balance
from warren.chat.conversation import ask, history
from warren.chat.reply_state import reply_state
from warren.errors import InsufficientPoints, InvalidInput, NotFound
from warren.i18n import N_
from warren.tenancy.tenant import Assistant
from warren.web.context import RequestContext
from warren.web.errors import status_of
from warren.web.forms import text
from warren.web.render import redirect, render


def _assistant(ctx: RequestContext, key: str) -> Assistant:
    assistant = ctx.tenant.assistants.get(key)
    if assistant is None:
        raise NotFound(N_("This assistant is not offered here."))
    return assistant


def _conversation(
    ctx: RequestContext, user: User, key: str, *, errors: dict[str, str], status_code: int
) -> Response[str]:
    assistant = _assistant(ctx, key)
    state = reply_state(ctx.db, ctx.tenant, user.id, key)
    return render(
        ctx,
        "conversation.html",
        status_code,
        assistant_key=key,
        assistant=assistant,
        messages=history(ctx.db, ctx.tenant, user.id, key),
        waiting=state.waiting,
        failure=state.failure,
        balance=balance(ctx.db, ctx.tenant, user.id),
        errors=errors,
    )


class ChatController(Controller):
    @get("/assistants", sync_to_thread=True)
    def assistants(self, ctx: NamedDependency[RequestContext]) -> Response[str]:
        return render(ctx, "assistants.html", assistants=ctx.tenant.assistants)

    @get("/assistants/{assistant_key:str}", sync_to_thread=True)
    def conversation(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        assistant_key: FromPath[str],
    ) -> Response[str]:
        return _conversation(ctx, user, assistant_key, errors={}, status_code=200)

    @post("/assistants/{assistant_key:str}", sync_to_thread=True, status_code=303)
    def send(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        assistant_key: FromPath[str],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        _assistant(ctx, assistant_key)
        try:
            ask(ctx.db, ctx.tenant, user.id, assistant_key, text(form, "message"))
        except (InvalidInput, InsufficientPoints) as exc:
            # Nothing of the attempt is kept: the message goes with the failed reservation.
            ctx.db.rollback()
            errors = exc.fields if isinstance(exc, InvalidInput) else {"form": exc.message}
            return _conversation(
                ctx, user, assistant_key, errors=errors, status_code=status_of(exc)
            )
        return redirect(ctx, f"/assistants/{assistant_key}")

    @get("/assistants/{assistant_key:str}/state", sync_to_thread=True)
    def state(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        assistant_key: FromPath[str],
    ) -> Response[dict[str, Any]]:
        _assistant(ctx, assistant_key)
        state = reply_state(ctx.db, ctx.tenant, user.id, assistant_key)
        messages = history(ctx.db, ctx.tenant, user.id, assistant_key)
        return Response(
            {
                "waiting": state.waiting,
                "failure": state.failure,
                "messages": [{"role": m.role, "content": m.content} for m in messages],
            },
            headers={"Cache-Control": "no-store"},
        )
