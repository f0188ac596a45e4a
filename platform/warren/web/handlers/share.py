"""Share links: the owner creates and revokes them; anyone with one sees the item and can
report it."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Stream

from warren.accounts.models import User
from warren.errors import InvalidInput
from warren.library.service import download_name, get_item
from warren.moderation.content import INLINE_KINDS, preview
from warren.moderation.models import REASON_LABELS
from warren.moderation.reports import report_shared
from warren.moderation.shares import SHARE_PATH, open_share, revoke_share, share_item
from warren.storage.tenant_store import TenantStore
from warren.web.context import RequestContext
from warren.web.downloads import stream_object
from warren.web.forms import text
from warren.web.redirects import safe_next
from warren.web.render import redirect, render
from warren.web.throttle import TOO_MANY, throttled, too_many

# Shared pages are for the people the owner gave the link to, not for search engines.
_NOINDEX = {"X-Robots-Tag": "noindex, nofollow"}


def _store(ctx: RequestContext) -> TenantStore:
    return TenantStore(ctx.runtime.store, ctx.tenant.slug)


def _link(token: str, path: str = SHARE_PATH) -> str:
    return f"{path}?t={quote(token)}"


def _report_form(
    ctx: RequestContext,
    token: str,
    status: int = 200,
    *,
    reason: str = "",
    details: str = "",
    errors: dict[str, str] | None = None,
) -> Response[str]:
    open_share(ctx.db, ctx.tenant, token)
    page = render(
        ctx,
        "share_report.html",
        status,
        token=token,
        reasons=REASON_LABELS,
        reason=reason,
        details=details,
        errors=errors or {},
        back=_link(token),
    )
    page.headers.update(_NOINDEX)
    return page


class ShareController(Controller):
    @post("/library/{item_id:uuid}/share", sync_to_thread=True, status_code=200)
    def create(
        self,
        request: Request,  # type: ignore[type-arg]
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        item_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str]:
        token = share_item(ctx.db, ctx.tenant, user.id, item_id)
        item = get_item(ctx.db, ctx.tenant, user.id, item_id)
        scheme = "https" if ctx.https else "http"
        # Shown once, in this response: only the token's hash is kept.
        url = f"{scheme}://{request.headers.get('host', '')}{_link(token)}"
        return render(
            ctx,
            "share_created.html",
            item=item,
            url=url,
            back=safe_next(text(form, "next"), "/library"),
        )

    @post("/library/{item_id:uuid}/share/revoke", sync_to_thread=True, status_code=303)
    def revoke(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        item_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Redirect:
        revoke_share(ctx.db, ctx.tenant, user.id, item_id)
        return redirect(ctx, safe_next(text(form, "next"), "/library"))

    @get(SHARE_PATH, sync_to_thread=True)
    def view(self, ctx: NamedDependency[RequestContext], t: FromQuery[str] = "") -> Response[str]:
        shared = open_share(ctx.db, ctx.tenant, t)
        item = shared.item
        page = render(
            ctx,
            "share.html",
            shown=preview(
                _store(ctx),
                content_type=item.content_type,
                size=item.size_bytes,
                key=item.storage_key,
                title=item.title,
                file_url=_link(t, f"{SHARE_PATH}/file"),
            ),
            report_url=_link(t, f"{SHARE_PATH}/report"),
        )
        page.headers.update(_NOINDEX)
        return page

    @get(f"{SHARE_PATH}/file", sync_to_thread=True)
    def file(
        self,
        request: Request,  # type: ignore[type-arg]
        ctx: NamedDependency[RequestContext],
        t: FromQuery[str] = "",
    ) -> Response[str] | Stream:
        item = open_share(ctx.db, ctx.tenant, t).item
        response = stream_object(
            _store(ctx),
            item.storage_key,
            content_type=item.content_type,
            filename=download_name(item),
            inline=item.content_type.split("/")[0] in INLINE_KINDS,
            range_header=request.headers.get("range"),
        )
        response.headers.update(_NOINDEX)
        return response

    @get(f"{SHARE_PATH}/report", sync_to_thread=True)
    def report_form(
        self, ctx: NamedDependency[RequestContext], t: FromQuery[str] = ""
    ) -> Response[str]:
        return _report_form(ctx, t)

    @post(f"{SHARE_PATH}/report", sync_to_thread=True, status_code=200)
    def report(
        self, ctx: NamedDependency[RequestContext], form: NamedDependency[FormMultiDict]
    ) -> Response[str]:
        token, reason, details = text(form, "t"), text(form, "reason"), text(form, "details")
        wait = throttled(ctx, "report")
        if wait is not None:
            page = _report_form(
                ctx, token, 429, reason=reason, details=details, errors={"form": TOO_MANY}
            )
            return too_many(page, wait)
        try:
            report_shared(ctx.db, ctx.tenant, token, reason, details, ctx.ip_value)
        except InvalidInput as invalid:
            return _report_form(
                ctx, token, 400, reason=reason, details=details, errors=invalid.fields
            )
        page = render(ctx, "share_reported.html", back=_link(token))
        page.headers.update(_NOINDEX)
        return page
