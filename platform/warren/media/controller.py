"""Receiving an upload over HTTP (multipart), for a signed-in user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response

from warren.media.errors import UploadRejected
from warren.media.uploads import store_upload
from warren.web.csrf import upload_guard
from warren.web.page import Page

# A local path: letters, digits and URL punctuation only — no backslash, no control
# character, no scheme, never "//" (which browsers read as another host).
_LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_.~%?=&-]*$")


def safe_next(value: str | None, default: str) -> str:
    return value if value and _LOCAL_PATH.match(value) else default


@dataclass
class UploadForm:
    file: UploadFile
    next: str = "/library"


class UploadController(Controller):
    include_in_schema = False

    @post("/uploads", sync_to_thread=True, status_code=303, before_request=upload_guard)
    def upload(
        self,
        page: NamedDependency[Page],
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[str] | Redirect:
        # Litestar spools bodies over 1 MB to an anonymous temporary file (never named
        # in the filesystem); closing it here ends it with the request.
        try:
            back = safe_next(data.next, "/library")
            if page.user is None:
                return page.redirect("/sign-in")
            try:
                upload = store_upload(
                    page.db,
                    page.runtime.store,
                    page.tenant,
                    page.user.id,
                    data.file.file.read(),
                    data.file.filename,
                )
            except UploadRejected as exc:
                return page.render(
                    "upload_rejected.html", exc.status_code, reason=exc.reason, back=back
                )
        finally:
            data.file.file.close()
        separator = "&" if "?" in back else "?"
        return page.redirect(f"{back}{separator}ref={upload.id}")
