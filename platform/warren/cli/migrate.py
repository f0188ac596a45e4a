"""`warren migrate`."""

from __future__ import annotations

import click

from warren.cli.common import prepare
from warren.settings import get_settings


@click.command()
def migrate() -> None:
    """Apply database migrations (the only way warren's schema is made)."""
    prepare(get_settings())
    click.echo("database is at the latest revision", err=True)
