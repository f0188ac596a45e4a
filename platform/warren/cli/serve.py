"""`warren serve`: the whole product in one command."""

from __future__ import annotations

import signal
import subprocess
import sys

import click

from warren.cli.common import child_environment, exit_on_sigterm, prepare
from warren.settings import Settings, get_settings, hand_down_database


@click.command()
@click.option("--host", default=None, help="Interface to bind (WARREN_HOST, default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (WARREN_PORT, default 8000).")
@click.option(
    "--no-worker", is_flag=True, help="Run the web server only (no worker, no scheduler)."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Web server processes sharing the port (the database, job worker and scheduler "
    "are started once, whatever the number). Default: one per core once rate limits and "
    "metrics are shared between processes, else one.",
)
def serve(host: str | None, port: int | None, no_worker: bool, workers: int | None) -> None:
    """Run the whole product: database (embedded by default), migrations, web, worker, scheduler."""
    import uvicorn

    from warren.db.resolve import stop_embedded_database
    from warren.media.resize import usable_cpus
    from warren.runtime import build_runtime
    from warren.web.app import create_app

    settings = get_settings()
    if workers is None:
        workers, held_back = default_web_processes(settings, usable_cpus())
        if held_back:
            click.echo(f"  one web process: {held_back}", err=True)
    url = prepare(settings)
    helpers = [] if no_worker else [_spawn(url, "worker"), _spawn(url, "scheduler")]
    runtime = build_runtime(settings, url)
    host = host or settings.host
    port = port or settings.port
    for tenant in runtime.registry:
        click.echo(f"  {tenant.name:<12} http://{tenant.dev_host}:{port}/", err=True)
    if workers > 1:
        # Each web process builds its own runtime (warren.web.serving) from the database
        # resolved here; this one only supervises them.
        runtime.close()
        hand_down_database(url)
        click.echo(f"  {workers} web processes", err=True)
    # uvicorn re-raises SIGTERM after its graceful shutdown; turning it into SystemExit
    # lets the worker and the embedded database below be stopped cleanly too.
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        uvicorn.run(
            "warren.web.serving:app_from_environment" if workers > 1 else create_app(runtime),
            factory=workers > 1,
            workers=workers,
            host=host,
            port=port,
            # warren's edge decides which proxies to believe and writes the access log
            # with the tenant's IP value; uvicorn's own would print raw addresses.
            access_log=False,
            proxy_headers=False,
            server_header=False,
            log_config=None,
        )
    finally:
        for helper in helpers:
            helper.send_signal(signal.SIGTERM)
        for helper in helpers:
            helper.wait(timeout=60)
        stop_embedded_database()


def default_web_processes(settings: Settings, cpus: int) -> tuple[int, str | None]:
    """One web process per core, unless a per-process setting would make that wrong:
    then one, and the reason to print."""
    if settings.rate_limit_storage.startswith("memory://"):
        return 1, (
            "WARREN_RATE_LIMIT_STORAGE is memory://, so each process would count sign-in "
            "attempts alone; set it to redis://… (or pass --workers N)"
        )
    if settings.prometheus_multiproc_dir is None:
        return 1, (
            "PROMETHEUS_MULTIPROC_DIR is unset, so /metrics would show one process's "
            "counts; set it (or pass --workers N)"
        )
    return max(1, cpus), None


def _spawn(database_url: str, command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "warren.cli", command], env=child_environment(database_url)
    )
