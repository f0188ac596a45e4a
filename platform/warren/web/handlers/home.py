"""The brand's home page and its own assets (logo, theme)."""

from __future__ import annotations

import mimetypes

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import File, Response

from warren.errors import NotFound
from warren.web.context import RequestContext
from warren.web.render import render


@get("/", sync_to_thread=True)
def home(ctx: NamedDependency[RequestContext]) -> Response[str]:
    return render(ctx, "home.html", products=ctx.tenant.products)


@get("/brand/{name:str}", sync_to_thread=True)
def brand_asset(ctx: NamedDependency[RequestContext], name: FromPath[str]) -> File:
    folder = (ctx.runtime.settings.tenants_dir / ctx.tenant.slug / "static").resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFound()
    return File(
        path,
        media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=3600"},
    )
