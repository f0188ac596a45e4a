"""Receiving an upload over HTTP (multipart), for a signed-in user."""

from __future__ import annotations

from litestar import Controller, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.di import NamedDependency
from litestar.response import Redirect, Response

from warren.accounts.models import User
from warren.errors import InvalidInput
from warren.i18n import N_
from warren.media.errors import UploadRejected
from warren.media.uploads import store_upload
from warren.web.context import RequestContext
from warren.web.errors import status_of
from warren.web.forms import text
from warren.web.redirects import safe_next
from warren.web.render import redirect, render


class UploadController(Controller):
    @post("/uploads", sync_to_thread=True, status_code=303)
    def upload(
        self,
        ctx: NamedDependency[RequestContext],
        user: NamedDependency[User],
        form: NamedDependency[FormMultiDict],
    ) -> Response[str] | Redirect:
        back = safe_next(text(form, "next"), "/library")
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidInput({"file": N_("Choose a file to upload.")})
        # Litestar spools bodies over 1 MB to an anonymous temporary file (never named
        # in the filesystem); closing it here ends it with the request.
        try:
            upload = store_upload(
                ctx.db, ctx.runtime.store, ctx.tenant, user.id, file.file.read(), file.filename
            )
        except UploadRejected as exc:
            return render(ctx, "upload_rejected.html", status_of(exc), reason=exc.reason, back=back)
        finally:
            file.file.close()
        separator = "&" if "?" in back else "?"
        return redirect(ctx, f"{back}{separator}ref={upload.id}")
