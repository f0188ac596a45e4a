"""The one mapping from failures to responses.

Services raise domain errors (``warren.errors``); here each class gets its HTTP status
and the user sees the error's sentence on a page in the brand's look (or as JSON for
the pages' background requests). Nothing else in warren chooses a status for an error.
Responses reveal no traceback, request details or address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Response
from sqlalchemy.exc import DBAPIError

from warren import errors
from warren.i18n import N_
from warren.logs import get_logger
from warren.storage.base import ObjectNotFound, ObjectStoreError
from warren.web.context import (
    ENROL_PATH,
    SignInRequired,
    TwoFactorEnrolmentRequired,
    context_of,
)
from warren.web.render import render, render_without_context

log = get_logger("warren.errors")

STATUS: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.InvalidInput, 400),
    (errors.InsufficientPoints, 402),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Gone, 410),
    (errors.PayloadTooLarge, 413),
    (errors.UnsupportedType, 415),
    (errors.Unprocessable, 422),
    (errors.RateLimited, 429),
    (errors.Unavailable, 503),
)
SERVER_ERROR = N_("Something went wrong on our side. Please try again in a moment.")
UNREADABLE = N_("This request could not be read. Please reload the page and try again.")
_FRAMEWORK_ERRORS = {
    404: N_("There is nothing here."),
    405: N_("This address does not take that kind of request."),
    413: N_("What was sent is larger than this page accepts."),
}


def status_of(error: errors.DomainError) -> int:
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 400


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: Request[Any, Any, Any],
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    headers = {"Cache-Control": "no-store", **(headers or {})}
    if _wants_json(request):
        return Response({"error": message}, status_code=status, headers=headers)
    ctx = context_of(request)
    response: Response[Any] | None
    if ctx is not None:
        response = render(ctx, "error.html", status, message=message, status=status)
    else:
        response = render_without_context(
            request, "error.html", status, message=message, status=status
        )
    if response is None:
        response = Response(f"{message}\n", status_code=status, media_type="text/plain")
    response.headers.update(headers)
    return response


def domain_error(request: Request[Any, Any, Any], exc: errors.DomainError) -> Response[Any]:
    headers = {}
    if isinstance(exc, errors.RateLimited | errors.Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    return error_response(request, status_of(exc), exc.message, headers)


def sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    if request.method == "GET" and not _wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        ctx = context_of(request)
        return Redirect(
            f"/sign-in?next={quote(target, safe='/')}",
            status_code=303,
            cookies=ctx.cookies if ctx else [],
        )
    return error_response(request, 401, N_("Sign in first."))


def enrolment_required(
    request: Request[Any, Any, Any], exc: TwoFactorEnrolmentRequired
) -> Response[Any]:
    if request.method == "GET" and not _wants_json(request):
        ctx = context_of(request)
        return Redirect(
            f"{ENROL_PATH}?required=1", status_code=303, cookies=ctx.cookies if ctx else []
        )
    return error_response(request, 403, N_("Set up two-factor sign-in first."))


def object_missing(request: Request[Any, Any, Any], exc: ObjectNotFound) -> Response[Any]:
    # A row whose object is gone (a sweep got there first): the file no longer exists.
    return error_response(request, 404, N_("This file is no longer available."))


def storage_down(request: Request[Any, Any, Any], exc: ObjectStoreError) -> Response[Any]:
    log.error("object storage failed", path=request.url.path, exc_info=exc)
    return error_response(
        request,
        503,
        N_("Stored files cannot be reached right now. Please try again in a minute."),
        {"Retry-After": "30"},
    )


def database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    if not exc.connection_invalidated:
        return server_error(request, exc)
    # A pooled connection found dead in use (the database restarted, or the network
    # dropped it): the pool has replaced it and every older one, so trying again works.
    log.warning("database connection lost", path=request.url.path)
    return error_response(
        request,
        503,
        N_("The connection to our database dropped for a moment. Please try again."),
        {"Retry-After": "1"},
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        log.error("server error", path=request.url.path, exc_info=exc)
        return error_response(request, exc.status_code, SERVER_ERROR)
    # warren raises no HTTPException itself (services raise domain errors), so these are
    # Litestar's, whose details are English and name its internals: "Invalid
    # multipart/form-data", "Validation failed for GET /…". The user gets a sentence in
    # their language instead.
    message = _FRAMEWORK_ERRORS.get(exc.status_code, UNREADABLE)
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
    return error_response(request, exc.status_code, message, headers)


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Path only: the query string may carry personal data, and the address stays out.
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    return error_response(request, 500, SERVER_ERROR)
