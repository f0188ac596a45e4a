"""Log lines: JSON when piped, readable in a terminal; every line written while a
request is served carries its tenant and request id, and nothing of one request's
context reaches another's lines."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from warren.logs import make_formatter

from webclient import BrandClient, sign_up

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, object]]]]:
    """Every line logged from now on, rendered as a deployed process renders it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(make_formatter(as_json=True))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line]
    finally:
        root.removeHandler(handler)


def test_every_line_of_a_request_carries_its_tenant_and_request_id(
    brand: Callable[..., BrandClient], log_lines: Callable[[], list[dict[str, object]]]
) -> None:
    songly = brand("songly")
    vizardio = brand("vizardio")
    name = f"l{uuid.uuid4().hex[:8]}"
    signed = sign_up(songly, f"{name}@example.com", name)
    assert signed.status_code == 303
    other = vizardio.get("/")
    lines = log_lines()

    def lines_of(response: httpx.Response) -> list[dict[str, object]]:
        request_id = response.headers["x-request-id"]
        return [line for line in lines if line.get("request_id") == request_id]

    sign_up_lines = lines_of(signed)
    # The access line, and lines from inside the handler: library loggers too.
    assert {"warren.access", "warren.queue.port"} <= {str(x["logger"]) for x in sign_up_lines}
    assert {x["tenant"] for x in sign_up_lines} == {"songly"}
    assert {x["tenant"] for x in lines_of(other)} == {"vizardio"}
    assert signed.headers["x-request-id"] != other.headers["x-request-id"]
    # Every line written during these requests is bound to one of them.
    served = [x for x in lines if x["logger"] in {"warren.access", "warren.queue.port"}]
    assert served
    assert all(x.get("request_id") and x.get("tenant") for x in served)


def test_a_trusted_proxy_passes_its_request_id_and_a_client_cannot_inject_one(
    server: str,
) -> None:
    # The test client connects from loopback, a trusted proxy by default.
    kept = httpx.get(server + "/", headers={"Host": "songly.localhost", "X-Request-ID": "lb-42.a"})
    assert kept.headers["x-request-id"] == "lb-42.a"
    odd = httpx.get(
        server + "/", headers={"Host": "songly.localhost", "X-Request-ID": '"}, "tenant": "x'}
    )
    assert odd.headers["x-request-id"] != '"}, "tenant": "x'
    assert len(odd.headers["x-request-id"]) == 32


SCRIPT = (
    "from warren.logs import configure_logging, get_logger\n"
    "import sys\n"
    "configure_logging('INFO', sys.argv[1])\n"
    "get_logger('warren.test').info('hello', tenant='songly')\n"
)


def _stderr_of(log_format: str, terminal: bool) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    if not terminal:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, log_format],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=True,
        )
        return done.stderr.decode()
    parent, child = pty.openpty()
    try:
        subprocess.run(
            [sys.executable, "-c", SCRIPT, log_format], cwd=ROOT, env=env, stderr=child, check=True
        )
        os.close(child)
        return os.read(parent, 65536).decode(errors="replace")
    finally:
        os.close(parent)


def test_json_when_piped_readable_in_a_terminal() -> None:
    piped = json.loads(_stderr_of("auto", terminal=False).strip())
    assert piped["event"] == "hello"
    assert piped["tenant"] == "songly"
    on_terminal = _stderr_of("auto", terminal=True)
    assert "hello" in on_terminal
    assert "tenant" in on_terminal
    assert not on_terminal.lstrip().startswith("{")
    forced = _stderr_of("json", terminal=True).strip()
    assert json.loads(forced)["event"] == "hello"
