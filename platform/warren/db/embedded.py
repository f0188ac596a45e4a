"""The embedded PostgreSQL (from the pgserver package) used when DATABASE_URL is unset."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote


class EmbeddedPostgres:
    """Starts PostgreSQL in the data dir; it stops when the last warren process using it exits."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "pg"
        self.log_path = data_dir / "logs" / "embedded-postgres.log"
        self._server: Any = None

    def start(self) -> str:
        import pgserver  # imported lazily: only the embedded default needs it

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        _log_to_file(self.log_path)
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


def _log_to_file(path: Path) -> None:
    """pgserver logs every command it runs, with its whole output, at INFO: that goes to
    a file in the data dir for whoever debugs the embedded database, not to the console."""
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("pgserver")
    if any(
        isinstance(h, logging.FileHandler) and h.baseFilename == str(path.resolve())
        for h in logger.handlers
    ):
        return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
