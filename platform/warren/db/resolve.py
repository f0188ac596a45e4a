"""Which database this process uses: DATABASE_URL, or the embedded PostgreSQL."""

from __future__ import annotations

from warren.db.embedded import EmbeddedPostgres
from warren.settings import Settings

# Held for the life of the process: dropping the handle lets pgserver stop the server.
_embedded: list[EmbeddedPostgres] = []


def resolve_database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    if not _embedded:
        _embedded.append(EmbeddedPostgres(settings.data_dir))
    return _embedded[0].start()


def stop_embedded_database() -> None:
    while _embedded:
        _embedded.pop().stop()
