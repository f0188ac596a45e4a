"""Brand assets (logo, theme) served from tenants/<slug>/static/."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response

from warren.web.edge import edge_context
from warren.web.runtime_access import runtime_of


@get("/brand/{name:str}", include_in_schema=False, sync_to_thread=True)
def brand_asset(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
    tenant = edge_context(request.scope).tenant
    folder = (runtime_of(request).settings.tenants_dir / tenant.slug / "static").resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFoundException()
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(
        Path(path).read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600"},
    )
