"""Form bodies as handlers receive them."""

from __future__ import annotations

from typing import Annotated, Any, cast

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def form_values(request: Request[Any, Any, Any], name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), from the form already parsed by the
    CSRF check, which runs before every unsafe request."""
    parsed = ScopeState.from_scope(request.scope).form
    if parsed is Empty:
        return []
    values = FormMultiDict.from_form_data(cast("dict[str, Any]", parsed)).getall(name, [])
    return [value for value in values if isinstance(value, str)]
