"""`warren worker`: Dramatiq workers for the queued jobs."""

from __future__ import annotations

import os
import sys

import click

from warren.cli.common import child_environment, prepare
from warren.settings import get_settings


@click.command()
@click.option("--processes", default=1, show_default=True)
@click.option("--threads", default=4, show_default=True)
def worker(processes: int, threads: int) -> None:
    """Run Dramatiq workers for the queued jobs."""
    url = prepare(get_settings())
    # exec, not a child: signals sent to `warren worker` reach Dramatiq's own handling.
    command = [
        sys.executable,
        "-m",
        "dramatiq",
        "workers.actors",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
    ]
    # Dramatiq prefetches two messages per thread by default. A killed worker's unstarted
    # prefetched messages wait for the queue's dead-consumer detection (a minute or more
    # with the PostgreSQL queue), while jobs it was running are taken over after their
    # lease; holding only what its threads run leaves nothing to wait.
    environment = {**child_environment(url), "dramatiq_queue_prefetch": str(threads)}
    os.execve(sys.executable, command, environment)  # noqa: S606 - argv list, no shell on purpose
