"""The library pages: items and uploads, download, delete to trash, restore."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Stream

from warren.accounts.models import User
from warren.db.base import utcnow
from warren.errors import Gone, InvalidInput
from warren.generation.status import result_kind
from warren.i18n import N_
from warren.library.browse import KINDS, library_page, owned_live_items
from warren.library.service import (
    delete_item,
    delete_upload,
    download_name,
    get_item,
    restore_item,
    restore_upload,
    trashed_items,
)
from warren.media.uploads import get_upload, user_uploads
from warren.storage.tenant_store import TenantStore
from warren.web.context import RequestContext
from warren.web.downloads import stream_object
from warren.web.forms import text, texts
from warren.web.render import redirect, render

# Shown inline only as media a browser shows as media: a provider answering with HTML
# must never get it rendered on the brand's origin.
_INLINE = {"image", "audio", "video"}


def _library(
    ctx: RequestContext,
    user: User,
    status_code: int = 200,
    error: str | None = None,
    *,
    kind: str | None = None,
    search: str = "",
    after: str | None = None,
) -> Response[str]:
    page = library_page(
        ctx.db,
        ctx.tenant,
        user.id,
        user.prime_until,
        utcnow(),
        kind=kind,
        search=search,
        after=after,
    )
    return render(
        ctx,
        "library.html",
        status_code,
        page=page,
        request_after=after,
        kinds=KINDS,
        kind=kind,
        search=search,
        uploads=user_uploads(ctx.db, ctx.tenant, user.id),
        trashed_items=trashed_items(ctx.db, ctx.tenant, user.id),
        trashed_uploads=user_uploads(ctx.db, ctx.tenant, user.id, trash=True),
        error=error,
        # How each item is previewed in the list: the same rule as the job page.
        shown_as={item.id: result_kind(item.content_type) for item, _ in page.items},
    )


def _item_ids(values: list[str]) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(value) for value in values]
    except ValueError:
        raise InvalidInput({"item": N_("One of the chosen items is not valid.")}) from None


def _stream(
    ctx: RequestContext,
    request: Request,  # type: ignore[type-arg]
    key: str,
    *,
    content_type: str,
    filename: str,
    inline: bool,
) -> Response[str] | Stream:
    return stream_object(
        TenantStore(ctx.runtime.store, ctx.tenant.slug),
        key,
        content_type=content_type,
        filename=filename,
        inline=inline,
        range_header=request.headers.get("range"),
    )


class LibraryController(Controller):
    @get("/library", sync_to_thread=True)
    def library(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        kind: FromQuery[str | None] = None,
        q: FromQuery[str] = "",
        after: FromQuery[str | None] = None,
    ) -> Response[str]:
        return _library(ctx, user, kind=kind or None, search=q, after=after)

    @get("/library/delete", sync_to_thread=True)
    def confirm_delete(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        item: FromQuery[list[str] | None] = None,
    ) -> Response[str]:
        chosen = owned_live_items(ctx.db, ctx.tenant, user.id, _item_ids(item or []))
        if not chosen:
            raise InvalidInput({"item": N_("Choose at least one item to delete.")})
        return render(ctx, "library_delete.html", chosen=chosen)

    @post("/library/delete", sync_to_thread=True, status_code=303)
    def delete_chosen(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Redirect:
        with_sources = text(form, "with_sources") == "yes"
        for chosen in owned_live_items(ctx.db, ctx.tenant, user.id, _item_ids(texts(form, "item"))):
            delete_item(ctx.db, ctx.tenant, chosen, with_sources=with_sources)
        return redirect(ctx, "/library")

    @get("/library/{item_id:uuid}/download", sync_to_thread=True)
    def download(
        self,
        request: Request,  # type: ignore[type-arg]
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        item_id: FromPath[uuid.UUID],
    ) -> Response[str] | Stream:
        item = get_item(ctx.db, ctx.tenant, user.id, item_id, live=True)
        return _stream(
            ctx,
            request,
            item.storage_key,
            content_type=item.content_type,
            filename=download_name(item),
            inline=False,
        )

    @get("/library/{item_id:uuid}/view", sync_to_thread=True)
    def view(
        self,
        request: Request,  # type: ignore[type-arg]
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        item_id: FromPath[uuid.UUID],
    ) -> Response[str] | Stream:
        item = get_item(ctx.db, ctx.tenant, user.id, item_id, live=True)
        return _stream(
            ctx,
            request,
            item.storage_key,
            content_type=item.content_type,
            filename=download_name(item),
            inline=item.content_type.split("/")[0] in _INLINE,
        )

    @post("/library/{item_id:uuid}/delete", sync_to_thread=True, status_code=303)
    def delete(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        item_id: FromPath[uuid.UUID],
        form: NamedDependency[FormMultiDict],
    ) -> Redirect:
        item = get_item(ctx.db, ctx.tenant, user.id, item_id)
        delete_item(ctx.db, ctx.tenant, item, with_sources=text(form, "with_sources") == "yes")
        return redirect(ctx, "/library")

    @post("/library/{item_id:uuid}/restore", sync_to_thread=True, status_code=303)
    def restore(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        item_id: FromPath[uuid.UUID],
    ) -> Response[str] | Redirect:
        try:
            restore_item(ctx.db, ctx.tenant, get_item(ctx.db, ctx.tenant, user.id, item_id))
        except Gone as exc:
            return _library(ctx, user, 410, exc.message)
        return redirect(ctx, "/library")

    @get("/uploads/{upload_id:uuid}/download", sync_to_thread=True)
    def upload_download(
        self,
        request: Request,  # type: ignore[type-arg]
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        upload_id: FromPath[uuid.UUID],
    ) -> Response[str] | Stream:
        upload = get_upload(ctx.db, ctx.tenant, user.id, upload_id, live=True)
        return _stream(
            ctx,
            request,
            upload.storage_key,
            content_type=upload.content_type,
            filename=upload.display_name,
            inline=False,
        )

    @post("/uploads/{upload_id:uuid}/delete", sync_to_thread=True, status_code=303)
    def upload_delete(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        upload_id: FromPath[uuid.UUID],
    ) -> Redirect:
        delete_upload(get_upload(ctx.db, ctx.tenant, user.id, upload_id))
        return redirect(ctx, "/library")

    @post("/uploads/{upload_id:uuid}/restore", sync_to_thread=True, status_code=303)
    def upload_restore(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        upload_id: FromPath[uuid.UUID],
    ) -> Response[str] | Redirect:
        try:
            restore_upload(ctx.tenant, get_upload(ctx.db, ctx.tenant, user.id, upload_id))
        except Gone as exc:
            return _library(ctx, user, 410, exc.message)
        return redirect(ctx, "/library")
