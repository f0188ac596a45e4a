"""The brand's home page and its own assets (logo, theme, icons, web app manifest)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import File, Response

from warren.errors import NotFound
from warren.web.context import RequestContext
from warren.web.render import render

# The touch icon a brand may keep in its static folder (180 × 180 PNG); iOS asks for it
# at the site's root, and other clients ask for /favicon.ico.
TOUCH_ICON = "apple-touch-icon.png"
ASSET_CACHE = {"Cache-Control": "public, max-age=3600"}


def _brand_file(ctx: RequestContext, name: str) -> Path:
    folder = (ctx.runtime.settings.tenants_dir / ctx.tenant.slug / "static").resolve()
    try:
        path = (folder / name).resolve()
        found = path.parent == folder and path.is_file()
    except OSError:  # a name the file system refuses (too long, say) names no file
        found = False
    if not found:
        raise NotFound()
    return path


def _file(path: Path) -> File:
    return File(
        path,
        media_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
        content_disposition_type="inline",
        headers=ASSET_CACHE,
    )


# Rendered on the event loop: the page reads only the context and the configuration,
# never the database, so a thread hop would add work without unblocking anything.
@get("/", sync_to_thread=False)
def home(ctx: NamedDependency[RequestContext]) -> Response[str]:
    return render(ctx, "home.html", products=ctx.tenant.products)


@get("/brand/{name:str}", sync_to_thread=True)
def brand_asset(ctx: NamedDependency[RequestContext], name: FromPath[str]) -> File:
    return _file(_brand_file(ctx, name))


@get("/apple-touch-icon.png", sync_to_thread=True)
def touch_icon(ctx: NamedDependency[RequestContext]) -> File:
    return _file(_brand_file(ctx, TOUCH_ICON))


@get("/favicon.ico", sync_to_thread=True)
def favicon(ctx: NamedDependency[RequestContext]) -> File:
    # The touch icon, served as what it is (PNG): browsers go by the type, not the name.
    return _file(_brand_file(ctx, TOUCH_ICON))


@get("/manifest.webmanifest", sync_to_thread=True)
def manifest(ctx: NamedDependency[RequestContext]) -> Response[dict[str, Any]]:
    """The web app manifest, from the brand's name and theme (one source for the page's
    colours and the installed app's)."""
    tenant = ctx.tenant
    icons: list[dict[str, str]] = [
        {"src": "/brand/logo.svg", "type": "image/svg+xml", "sizes": "any"}
    ]
    static = ctx.runtime.settings.tenants_dir / tenant.slug / "static"
    if (static / TOUCH_ICON).is_file():
        icons.append({"src": f"/{TOUCH_ICON}", "type": "image/png", "sizes": "180x180"})
    return Response(
        {
            "name": tenant.name,
            "short_name": tenant.name,
            "description": tenant.theme.tagline,
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "theme_color": tenant.theme.primary,
            "background_color": tenant.theme.background,
            "icons": icons,
        },
        media_type="application/manifest+json",
        headers=ASSET_CACHE,
    )
