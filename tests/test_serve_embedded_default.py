"""The README's first command on a machine with nothing configured.

`warren serve` with no DATABASE_URL starts the embedded PostgreSQL in the data dir,
applies migrations, serves the three brands, and runs a worker that delivers the welcome
email to the outbox through the PostgreSQL queue, and a scheduler.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from conftest import free_port
from served import start_serve, wait_until_healthy
from webclient import BrandClient, sign_up_and_sign_in

ROOT = Path(__file__).resolve().parents[1]
CONFIG_VARIABLES = [
    "DATABASE_URL",
    "WARREN_DATABASE_URL",
    "WARREN_BROKER_URL",
    "WARREN_STORAGE_URL",
    "WARREN_MAIL_URL",
    "WARREN_SECRET",
]


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Under /tmp and traversable: when run as root, pgserver runs PostgreSQL as its own
    # unprivileged user, which must reach the data dir.
    path = Path(tempfile.mkdtemp(prefix="warren-serve-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_serve_runs_everything_on_embedded_defaults(data_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env["WARREN_DATA_DIR"] = str(data_dir)
    log_path = tmp_path / "serve.log"
    process = start_serve(port, env, log_path)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process, log_path)

        for slug, name in [
            ("vizardio", "Vizardio"),
            ("songly", "Songly"),
            ("homiwork", "Homiwork"),
        ]:
            page = httpx.get(base_url + "/", headers={"Host": f"{slug}.localhost:{port}"})
            assert page.status_code == 200
            assert f"<title>{name}</title>" in page.text

        with BrandClient(base_url, "songly.localhost", "203.0.113.5") as client:
            assert sign_up_and_sign_in(client, "fresh@example.com", "fresh").status_code == 303
            assert "fresh@example.com" in client.get("/account").text

        outbox = data_dir / "outbox"
        deadline = time.monotonic() + 60
        while not (outbox.exists() and list(outbox.glob("*.eml"))):
            assert time.monotonic() < deadline, "no welcome email:\n" + log_path.read_text()
            time.sleep(0.3)
        [mail] = list(outbox.glob("*.eml"))
        assert "To: fresh@example.com" in mail.read_text()

        secret = data_dir / "deployment-secret"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        assert (data_dir / "pg" / "PG_VERSION").exists()
        output = log_path.read_text()
        for slug in ["vizardio", "songly", "homiwork"]:
            assert f"http://{slug}.localhost:{port}/" in output
        # The embedded database's own chatter goes to a file in the data dir; the
        # console (not a terminal here) gets warren's JSON lines only.
        assert '"logger": "pgserver"' not in output
        assert "Running commandline" not in output
        assert "Running commandline" in (data_dir / "logs" / "embedded-postgres.log").read_text()
        assert '"logger": "warren.access"' in output
        spawned = psutil.Process(process.pid).children(recursive=True) + [
            p
            for p in psutil.process_iter(["cmdline"])
            if str(data_dir) in " ".join(p.info["cmdline"] or [])
        ]
        assert any("workers.actors" in " ".join(p.cmdline()) for p in spawned)
        assert any("scheduler" in p.cmdline() for p in spawned)
        assert any("postgres" in p.name() for p in spawned)
    finally:
        # Only the serve process is signalled, as an init system would: it must stop its
        # worker and the embedded PostgreSQL itself.
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
    assert process.returncode == 0, log_path.read_text()
    # Children re-parented to init are reaped a moment later: wait for that, not a guess.
    _, alive = psutil.wait_procs(spawned, timeout=30)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
