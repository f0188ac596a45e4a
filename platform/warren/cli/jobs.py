"""`warren jobs`: generation jobs."""

from __future__ import annotations

import click

from warren.cli.common import prepared_runtime


@click.group()
def jobs() -> None:
    """Generation jobs."""


@jobs.command("recover")
def jobs_recover() -> None:
    """Re-enqueue jobs whose message was lost or whose worker died (the scheduler does this every WARREN_SCHEDULER_RECOVER_SECONDS)."""
    from warren.generation.recovery import recover_stale_jobs

    runtime = prepared_runtime()
    with runtime.sessions() as db:
        count = recover_stale_jobs(db, runtime.registry)
    click.echo(f"{count} stale job(s) recovered")
    runtime.close()
