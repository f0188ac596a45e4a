"""`warren uploads`: uploaded reference files."""

from __future__ import annotations

import click

from warren.cli.common import prepared_runtime


@click.group()
def uploads() -> None:
    """Uploaded reference files."""


@uploads.command("purge")
def uploads_purge() -> None:
    """Delete uploads past their upload period or their trash period, with the trashed
    content (the retention rules `uploads` and `trash`; the scheduler runs them every
    WARREN_SCHEDULER_PURGE_UPLOADS_SECONDS)."""
    from warren.lifecycle.rules import FREQUENT
    from warren.lifecycle.sweep import sweep

    runtime = prepared_runtime()
    try:
        results = sweep(runtime, rules=FREQUENT, batch=runtime.settings.retention_batch)
    finally:
        runtime.close()
    for result in results:
        click.echo(f"  {result.tenant} {result.rule.value}: {result.counts}")
    if any(result.error for result in results):
        raise SystemExit(1)
