"""`warren uploads`: uploaded reference files."""

from __future__ import annotations

import click

from warren.cli.common import prepared_runtime


@click.group()
def uploads() -> None:
    """Uploaded reference files."""


@uploads.command("purge")
def uploads_purge() -> None:
    """Delete uploads past their upload period or their trash period (the scheduler does this every WARREN_SCHEDULER_PURGE_UPLOADS_SECONDS)."""
    from warren.media.expiry import purge_expired_uploads

    runtime = prepared_runtime()

    def report(tenant: str, count: int) -> None:
        click.echo(f"  {tenant}: {count} deleted")

    with runtime.sessions() as db:
        total = purge_expired_uploads(db, runtime.store, runtime.registry, progress=report)
    click.echo(f"{total} expired upload(s) deleted")
    runtime.close()
