"""Applying Alembic migrations programmatically: the only way warren's schema is made."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from warren.paths import MIGRATIONS_DIR, PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)
