"""The ASGI application one uvicorn worker process builds for itself when `warren serve
--workers N` runs several: the parent has already resolved the database (embedded or
not), applied migrations and started the job worker and scheduler once; it hands the
database's URL down in DATABASE_URL, and each process opens its own pool."""

from __future__ import annotations

from warren.runtime import build_runtime
from warren.settings import get_settings
from warren.web.app import create_app
from warren.web.edge import ASGIApp


def app_from_environment() -> ASGIApp:
    settings = get_settings()
    if not settings.database_url:
        raise RuntimeError("a web worker process needs DATABASE_URL (warren serve sets it)")
    return create_app(build_runtime(settings, settings.database_url))
