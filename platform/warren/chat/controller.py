"""Assistant pages: the list, a conversation, sending a message."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response
from sqlalchemy import select

from warren.billing.ledger import balance
from warren.chat.conversation import ask, history
from warren.generation.models import DONE, FAILED, Job
from warren.web.forms import FormData
from warren.web.page import Page


def _reply_state(page: Page, assistant_key: str) -> tuple[bool, str | None]:
    """Whether the latest reply is still being written, and why it failed if it did."""
    assert page.user is not None
    last = page.db.scalar(
        select(Job)
        .where(
            Job.tenant_id == page.tenant.slug,
            Job.user_id == page.user.id,
            Job.assistant_key == assistant_key,
        )
        .order_by(Job.created_at.desc())
        .limit(1)
    )
    if last is None:
        return False, None
    return last.status not in (DONE, FAILED), last.error if last.status == FAILED else None


class ChatController(Controller):
    include_in_schema = False

    @get("/assistants", sync_to_thread=True)
    def assistants(self, page: NamedDependency[Page]) -> Response[str]:
        return page.render("assistants.html", assistants=page.tenant.assistants)

    @get("/assistants/{assistant_key:str}", sync_to_thread=True)
    def conversation(
        self, page: NamedDependency[Page], assistant_key: FromPath[str]
    ) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        return self._render(page, assistant_key, errors=[], status_code=200)

    def _render(
        self, page: Page, assistant_key: str, *, errors: list[str], status_code: int
    ) -> Response[str]:
        assert page.user is not None
        assistant = page.tenant.assistants.get(assistant_key)
        if assistant is None:
            raise NotFoundException()
        waiting, failure = _reply_state(page, assistant_key)
        return page.render(
            "conversation.html",
            status_code,
            assistant_key=assistant_key,
            assistant=assistant,
            messages=history(page.db, page.tenant, page.user.id, assistant_key),
            waiting=waiting,
            failure=failure,
            balance=balance(page.db, page.tenant, page.user.id),
            errors=errors,
        )

    @post("/assistants/{assistant_key:str}", sync_to_thread=True, status_code=303)
    def send(
        self, page: NamedDependency[Page], assistant_key: FromPath[str], data: FormData
    ) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        if assistant_key not in page.tenant.assistants:
            raise NotFoundException()
        result = ask(page.db, page.tenant, page.user.id, assistant_key, data.get("message", ""))
        if result.job is None:
            page.db.rollback()
            return self._render(
                page, assistant_key, errors=result.errors, status_code=result.status_code
            )
        page.db.commit()
        return page.redirect(f"/assistants/{assistant_key}")

    @get("/assistants/{assistant_key:str}/state", sync_to_thread=True)
    def state(
        self, page: NamedDependency[Page], assistant_key: FromPath[str]
    ) -> Response[dict[str, Any]]:
        if page.user is None or assistant_key not in page.tenant.assistants:
            raise NotFoundException()
        waiting, failure = _reply_state(page, assistant_key)
        messages = history(page.db, page.tenant, page.user.id, assistant_key)
        return Response(
            {
                "waiting": waiting,
                "failure": failure,
                "messages": [{"role": m.role, "content": m.content} for m in messages],
            },
            headers={"Cache-Control": "no-store"},
        )
