"""The baseline for bench/pages.py: a Litestar app that answers one plaintext GET."""

from __future__ import annotations

from litestar import Litestar, get


@get("/", media_type="text/plain", sync_to_thread=False)
def hello() -> str:
    return "Hello, world!"


app = Litestar(route_handlers=[hello], openapi_config=None, logging_config=None)
