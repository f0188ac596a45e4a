"""The embedded PostgreSQL (from the pgserver package) used when DATABASE_URL is unset."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote


class EmbeddedPostgres:
    """Starts PostgreSQL in the data dir; it stops when the last warren process using it exits."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "pg"
        self._server: Any = None

    def start(self) -> str:
        import pgserver  # imported lazily: only the embedded default needs it

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(  # type: ignore[attr-defined]
            self.pgdata, cleanup_mode="stop"
        )
        exists = "1 row" in self._server.psql("SELECT 1 FROM pg_database WHERE datname = 'warren';")
        if not exists:
            self._server.psql("CREATE DATABASE warren;")
        return f"postgresql://postgres@/warren?host={quote(str(self.pgdata))}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
