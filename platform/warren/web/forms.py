"""Form bodies as handlers receive them."""

from __future__ import annotations

from typing import Annotated

from litestar.enums import RequestEncodingType
from litestar.params import Body

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
