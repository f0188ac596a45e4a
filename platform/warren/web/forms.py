"""Form bodies as handlers receive them: the parsed form, with repeated fields."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict, UploadFile

from warren.errors import InvalidInput
from warren.i18n import N_

# PostgreSQL's text cannot hold it: stored anywhere it would fail the statement, and no
# form warren serves has a use for it.
_NUL = "\x00"
NUL_REFUSED = N_("This field contains a character that cannot be stored (NUL).")


async def provide_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The ``form`` dependency. The CSRF check has usually parsed it already; Litestar
    keeps the parsed form for the rest of the request."""
    form = await request.form()
    for name, value in form.multi_items():
        written = value.filename if isinstance(value, UploadFile) else value
        if _NUL in name or (isinstance(written, str) and _NUL in written):
            raise InvalidInput({name.replace(_NUL, ""): NUL_REFUSED})
    return form


def text(form: FormMultiDict, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


def texts(form: FormMultiDict, name: str) -> list[str]:
    return [value for value in form.getall(name, []) if isinstance(value, str)]
