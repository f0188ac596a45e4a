"""`warren scheduler`: periodic housekeeping, one per deployment."""

from __future__ import annotations

import signal

import click

from warren.cli.common import exit_on_sigterm, prepared_runtime


@click.command()
def scheduler() -> None:
    """Run periodic housekeeping (recovering stalled jobs, deleting expired uploads).
    Run one per deployment; WARREN_SCHEDULER_*_SECONDS set how often."""
    from warren.scheduler import run_scheduler

    runtime = prepared_runtime()
    # Retention numbers are admin-owned: sweep with the published version in force.
    runtime.watch_registry()
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        run_scheduler(runtime)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        runtime.close()
