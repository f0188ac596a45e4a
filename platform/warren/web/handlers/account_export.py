"""Requesting a copy of one's data, watching it being made, and downloading it."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Response, Stream

from warren.accounts.models import User
from warren.rights.export import downloadable, latest_export, request_export
from warren.storage.tenant_store import TenantStore
from warren.web.context import RequestContext
from warren.web.downloads import stream_object
from warren.web.render import redirect, render

EXPORT_PATH = "/account/export"


class AccountExportController(Controller):
    @get(EXPORT_PATH, sync_to_thread=True)
    def page(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User]
    ) -> Response[str]:
        return render(
            ctx,
            "account_export.html",
            export=latest_export(ctx.db, ctx.tenant, user),
            verified=user.is_verified,
        )

    @post(EXPORT_PATH, sync_to_thread=True, status_code=303)
    def request(
        self, ctx: NamedDependency[RequestContext], user: NamedDependency[User]
    ) -> Redirect:
        request_export(ctx.db, ctx.tenant, user)
        return redirect(ctx, EXPORT_PATH)

    @get(f"{EXPORT_PATH}/{{export_id:uuid}}/download", sync_to_thread=True)
    def download(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        export_id: FromPath[uuid.UUID],
    ) -> Response[str] | Stream:
        export = downloadable(ctx.db, ctx.tenant, user, export_id)
        assert export.storage_key is not None
        return stream_object(
            TenantStore(ctx.runtime.store, ctx.tenant.slug),
            export.storage_key,
            content_type="application/zip",
            filename=f"{ctx.tenant.slug}-account-{export.finished_at:%Y-%m-%d}.zip",
            inline=False,
            range_header=None,
        )
