"""Form bodies as handlers receive them: the parsed form, with repeated fields."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict


async def provide_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The ``form`` dependency. The CSRF check has usually parsed it already; Litestar
    keeps the parsed form for the rest of the request."""
    return await request.form()


def text(form: FormMultiDict, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


def texts(form: FormMultiDict, name: str) -> list[str]:
    return [value for value in form.getall(name, []) if isinstance(value, str)]
