"""``/static/{name}``: warren's CSS and scripts (see warren.web.static for the caching)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Response

from warren.errors import NotFound
from warren.web.static import StaticAssets


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    return header.strip() == "*" or etag in (part.strip() for part in header.split(","))


@get("/static/{name:str}")
async def static_file(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
    assets: StaticAssets = request.app.state.static
    served = assets.find(name)
    if served is None:
        raise NotFound()
    headers = {"ETag": served.asset.etag, "Cache-Control": served.cache_control}
    if _matches(request.headers.get("if-none-match"), served.asset.etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(served.asset.data, media_type=served.asset.media_type, headers=headers)
