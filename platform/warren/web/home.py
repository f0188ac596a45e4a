"""The brand's home page: its name, tagline and products."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Response

from warren.web.page import Page


@get("/", sync_to_thread=True, include_in_schema=False)
def home(page: NamedDependency[Page]) -> Response[str]:
    return page.render("home.html", products=page.tenant.products)
