"""Error responses that reveal nothing: no traceback, no request details, no address."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.response import Response

from warren.logs import get_logger

log = get_logger("warren.errors")


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
    detail = exc.detail if exc.status_code < 500 else "Something went wrong on our side."
    return Response(f"{detail}\n", status_code=exc.status_code, media_type="text/plain")


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    # Path only: the query string may carry personal data, and the address stays out.
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    return Response(
        "Something went wrong on our side. Please try again in a moment.\n",
        status_code=500,
        media_type="text/plain",
    )
