"""The library pages: items and uploads, download, delete to trash, restore."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response

from warren.db.base import utcnow
from warren.library.models import ContentItem
from warren.library.service import (
    RestoreExpired,
    delete_item,
    delete_upload,
    get_item,
    items,
    restore_item,
    restore_upload,
)
from warren.media.models import Upload
from warren.media.uploads import get_upload, user_uploads
from warren.storage.tenant_store import TenantStore
from warren.web.downloads import content_disposition
from warren.web.forms import FormData
from warren.web.page import Page


def _item(page: Page, item_id: uuid.UUID) -> ContentItem:
    assert page.user is not None
    item = get_item(page.db, page.tenant, page.user.id, item_id)
    if item is None:
        raise NotFoundException()
    return item


def _upload(page: Page, upload_id: uuid.UUID) -> Upload:
    assert page.user is not None
    upload = get_upload(page.db, page.tenant, page.user.id, upload_id)
    if upload is None:
        raise NotFoundException()
    return upload


def _file(
    page: Page, key: str, content_type: str, filename: str, *, inline: bool
) -> Response[bytes]:
    data = TenantStore(page.runtime.store, page.tenant.slug).get(key)
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(filename, inline=inline),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _gone(page: Page, exc: RestoreExpired) -> Response[str]:
    return page.render(
        "library.html",
        410,
        items=[],
        uploads=[],
        trashed_items=[],
        trashed_uploads=[],
        error=str(exc),
    )


def _filename(title: str, extension: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in title).strip()[:60]
    return f"{safe or 'item'}.{extension}"


class LibraryController(Controller):
    include_in_schema = False

    @get("/library", sync_to_thread=True)
    def library(self, page: NamedDependency[Page]) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        user_id = page.user.id
        return page.render(
            "library.html",
            items=items(page.db, page.tenant, user_id),
            uploads=user_uploads(page.db, page.tenant, user_id),
            trashed_items=items(page.db, page.tenant, user_id, trash=True),
            trashed_uploads=user_uploads(page.db, page.tenant, user_id, trash=True),
            error=None,
        )

    @get("/library/{item_id:uuid}/download", sync_to_thread=True)
    def download(
        self, page: NamedDependency[Page], item_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        item = self._live_item(page, item_id)
        return _file(
            page,
            item.storage_key,
            item.content_type,
            _filename(item.title, item.extension),
            inline=False,
        )

    @get("/library/{item_id:uuid}/view", sync_to_thread=True)
    def view(self, page: NamedDependency[Page], item_id: FromPath[uuid.UUID]) -> Response[bytes]:
        item = self._live_item(page, item_id)
        # Inline only for media a browser shows as media: a provider answering with HTML
        # must never get it rendered on the brand's origin.
        inline = item.content_type.split("/")[0] in {"image", "audio", "video"}
        return _file(
            page,
            item.storage_key,
            item.content_type,
            _filename(item.title, item.extension),
            inline=inline,
        )

    def _live_item(self, page: Page, item_id: uuid.UUID) -> ContentItem:
        """An item the signed-in user owns and has not deleted, or 404."""
        if page.user is None:
            raise NotFoundException()
        item = _item(page, item_id)
        if item.deleted_at is not None:
            raise NotFoundException()
        return item

    @post("/library/{item_id:uuid}/delete", sync_to_thread=True, status_code=303)
    def delete(
        self, page: NamedDependency[Page], item_id: FromPath[uuid.UUID], data: FormData
    ) -> Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        delete_item(
            page.db,
            page.tenant,
            _item(page, item_id),
            with_sources=data.get("with_sources") == "yes",
        )
        page.db.commit()
        return page.redirect("/library")

    @post("/library/{item_id:uuid}/restore", sync_to_thread=True, status_code=303)
    def restore(
        self, page: NamedDependency[Page], item_id: FromPath[uuid.UUID]
    ) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        try:
            restore_item(page.db, page.tenant, _item(page, item_id))
        except RestoreExpired as exc:
            return _gone(page, exc)
        page.db.commit()
        return page.redirect("/library")

    @get("/uploads/{upload_id:uuid}/download", sync_to_thread=True)
    def upload_download(
        self, page: NamedDependency[Page], upload_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        if page.user is None:
            raise NotFoundException()
        upload = _upload(page, upload_id)
        if upload.deleted_at is not None or upload.expires_at <= utcnow():
            raise NotFoundException()
        return _file(
            page, upload.storage_key, upload.content_type, upload.display_name, inline=False
        )

    @post("/uploads/{upload_id:uuid}/delete", sync_to_thread=True, status_code=303)
    def upload_delete(
        self, page: NamedDependency[Page], upload_id: FromPath[uuid.UUID]
    ) -> Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        delete_upload(_upload(page, upload_id))
        page.db.commit()
        return page.redirect("/library")

    @post("/uploads/{upload_id:uuid}/restore", sync_to_thread=True, status_code=303)
    def upload_restore(
        self, page: NamedDependency[Page], upload_id: FromPath[uuid.UUID]
    ) -> Response[str] | Redirect:
        if page.user is None:
            return page.redirect("/sign-in")
        try:
            restore_upload(page.tenant, _upload(page, upload_id))
        except RestoreExpired as exc:
            return _gone(page, exc)
        page.db.commit()
        return page.redirect("/library")
