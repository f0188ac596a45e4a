"""Health, readiness and metrics, over real HTTP against the served app.

``/healthz`` and ``/readyz`` answer on every host (known or not) without resolving a
tenant or writing an access-log line; ``/readyz`` names each part that does not answer.
``/metrics`` needs the metrics token, labels requests by route template (never the raw
path), and reads job counts from the database at scrape time.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from minio import Minio
from pydantic import SecretStr
from sqlalchemy import text

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.db.engine import make_engine
from warren.ops.scrape import exposition
from warren.runtime import Runtime
from warren.storage.s3 import S3ObjectStore

from conftest import serving
from webclient import BrandClient, sign_up_and_sign_in

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "metrics-" + "k" * 24


def dead_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def metered(runtime: Runtime) -> Iterator[tuple[Runtime, str]]:
    settings = runtime.settings.model_copy(update={"metrics_token": SecretStr(TOKEN)})
    rt = dataclasses.replace(runtime, settings=settings)
    with serving(rt) as url:
        yield rt, url


def signed_up(client: BrandClient, runtime: Runtime, slug: str, name: str, points: int) -> None:
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    tenant = runtime.registry.get(slug)
    with runtime.sessions() as db:
        user = find_user(db, tenant, name)
        assert user is not None
        grant(db, tenant, user.id, points, "test")
        db.commit()


def scrape(url: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Host": "anything.example"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(url + "/metrics", headers=headers)


def sample(body: str, name: str, **labels: str) -> float | None:
    """The value of the series ``name{labels}`` in an exposition, or None."""
    for line in body.splitlines():
        if line.startswith(name + " "):
            found: dict[str, str] = {}
        elif line.startswith(name + "{"):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line[: line.rindex("}")]))
        else:
            continue
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_health_and_readiness_answer_on_any_host_and_are_not_logged(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="warren.access")
    for host in ("songly.localhost", "vizardio.localhost", "unknown.example"):
        health = httpx.get(server + "/healthz", headers={"Host": host})
        assert (health.status_code, health.text) == (200, "ok\n")
        ready = httpx.get(server + "/readyz", headers={"Host": host})
        assert (ready.status_code, ready.text) == (200, "ready\n")
    logged = [r.msg for r in caplog.records if r.name == "warren.access"]
    assert not [
        m for m in logged if isinstance(m, dict) and m.get("path") in {"/healthz", "/readyz"}
    ]


def test_readiness_names_each_part_that_does_not_answer(runtime: Runtime) -> None:
    port = dead_port()
    down = dataclasses.replace(
        runtime,
        engine=make_engine(f"postgresql://postgres@127.0.0.1:{port}/none"),
        broker=RabbitmqBroker(url=f"amqp://guest:guest@127.0.0.1:{port}/"),
        store=S3ObjectStore(
            Minio(f"127.0.0.1:{port}", access_key="a", secret_key="b", secure=False), "none"
        ),
    )
    with serving(down) as url:
        answer = httpx.get(url + "/readyz", headers={"Host": "songly.localhost"}, timeout=30)
    assert answer.status_code == 503
    assert answer.text.startswith("not ready\n")
    for part in ("database", "broker", "storage"):
        assert re.search(rf"^{part}: (unreachable|did not answer)", answer.text, re.M), answer.text


def test_readiness_with_a_real_broker(runtime: Runtime) -> None:
    amqp = os.environ.get("WARREN_TEST_RABBITMQ_URL")
    if not amqp:
        pytest.skip("WARREN_TEST_RABBITMQ_URL names no RabbitMQ")
    with serving(dataclasses.replace(runtime, broker=RabbitmqBroker(url=amqp))) as url:
        answer = httpx.get(url + "/readyz", headers={"Host": "homiwork.localhost"})
    assert (answer.status_code, answer.text) == (200, "ready\n")


def test_metrics_need_the_token(server: str, metered: tuple[Runtime, str]) -> None:
    # Without a token configured, there are no metrics to find.
    assert scrape(server).status_code == 404
    _, url = metered
    assert scrape(url, token=None).status_code == 401
    assert scrape(url, token="wrong").status_code == 401
    answer = scrape(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")


def test_requests_are_counted_by_route_template_and_jobs_by_state(
    metered: tuple[Runtime, str],
    brand: Callable[..., BrandClient],
    drain: Callable[[], None],
) -> None:
    runtime, url = metered
    name = f"m{uuid.uuid4().hex[:8]}"
    client = brand("songly")
    signed_up(client, runtime, "songly", name, points=50)
    metered_client = BrandClient(url, "songly.localhost", client.address, cookies=client.cookies)
    before = scrape(url).text
    missing = [uuid.uuid4() for _ in range(3)]
    for item in missing:
        assert metered_client.get(f"/library/{item}/download").status_code == 404
    metered_client.get(f"/no-such-page-{uuid.uuid4().hex}")
    token = metered_client.csrf("/create/poem")
    ordered = metered_client.post("/create/poem", data={"_csrf": token, "prompt": "Rain"})
    assert ordered.status_code == 303, ordered.text

    body = scrape(url).text
    route = {"tenant": "songly", "route": "/library/{item_id}/download", "method": "GET"}
    was = sample(before, "warren_http_requests_total", status="404", **route) or 0
    assert sample(body, "warren_http_requests_total", status="404", **route) == was + 3
    assert (
        sample(
            body,
            "warren_http_request_duration_seconds_count",
            tenant="songly",
            route=route["route"],
        )
        or 0
    ) >= 3
    # Neither a raw identifier nor a raw unknown path becomes a label.
    assert not any(str(item) in body for item in missing)
    assert "no-such-page" not in body
    assert sample(body, "warren_http_requests_total", route="<unmatched>", tenant="songly")
    # Read from the database at scrape time: what is there now, per tenant and state.
    with runtime.engine.connect() as conn:
        pending = conn.execute(
            text("SELECT count(*) FROM jobs WHERE tenant_id = 'songly' AND status = 'pending'")
        ).scalar_one()
    assert pending >= 1
    assert sample(body, "warren_jobs", tenant="songly", state="pending") == pending
    # The welcome email and the order, both still waiting for a worker.
    assert sample(body, "warren_queue_depth") == 2
    assert sample(body, "warren_scrape_source_up", source="jobs") == 1

    # The series of this category: other tests in this process may have finished jobs
    # of others, and the first series matching fewer labels could be any of them.
    poems = {"tenant": "songly", "category": "poem", "outcome": "done"}
    done_before = sample(body, "warren_jobs_finished_total", **poems) or 0
    drain()
    after = scrape(url).text
    assert sample(after, "warren_queue_depth") == 0
    assert (sample(after, "warren_jobs", tenant="songly", state="pending") or 0) == pending - 1
    assert (sample(after, "warren_jobs", tenant="songly", state="done") or 0) >= 1
    assert sample(after, "warren_jobs_finished_total", **poems) == done_before + 1
    assert (sample(after, "warren_job_duration_seconds_count", **poems) or 0) >= 1


def test_metrics_add_up_every_process_in_multiprocess_mode(
    runtime: Runtime, tmp_path: Path
) -> None:
    """Workers are separate processes: with PROMETHEUS_MULTIPROC_DIR, what each records
    is written there and one scrape reports the sum."""
    directory = tmp_path / "prom"
    directory.mkdir()
    record = (
        "from warren.ops.metrics import record_job\n"
        "record_job('homiwork', 'image', 'failed', 2.5)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", record], cwd=ROOT, env=env, check=True)
    body = exposition(
        runtime.engine, runtime.broker, "default", directory, tuple(runtime.registry), timedelta(0)
    ).decode()
    labels = {"tenant": "homiwork", "category": "image", "outcome": "failed"}
    assert sample(body, "warren_jobs_finished_total", **labels) == 2
    assert sample(body, "warren_job_duration_seconds_sum", **labels) == 5.0
