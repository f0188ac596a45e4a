"""A skeptic's test of the hashed-IP promise (songly, homiwork).

The whole product runs as a user would run it (`warren serve`: web server and worker
processes, the PostgreSQL queue), and is driven over HTTP from known client addresses:
sign-ups (which queue welcome emails), points granted with the CLI, a photo upload
and an order run by the worker, sign-ins, failed sign-ins, sign-outs, consent
attempts, errors. Then every column of every table in every schema (whatever its type),
every line either process printed, every file in the data dir and every stored object
are searched for the addresses, in every spelling. vizardio stores raw
addresses by design: the same search must find its address, which shows the search
itself can see what it looks for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from warren.storage.factory import open_object_store

from conftest import TEST_SECRET, free_port
from infra import (
    StoredData,
    address_spellings,
    database_contents,
    files_contents,
    objects_contents,
)
from samples import photo
from served import start_serve, wait_until_healthy
from webclient import BrandClient, sign_up_and_sign_in

ROOT = Path(__file__).resolve().parents[1]
HASHED = {
    "songly": ["203.0.113.77", "2001:db8:77::77"],
    "homiwork": ["203.0.113.78", "2001:db8:78::78"],
}
RAW = {"vizardio": ["203.0.113.79"]}


@dataclass
class Served:
    base_url: str
    data_dir: Path
    log_path: Path
    env: dict[str, str]


@pytest.fixture
def served(database_url: str, tmp_path: Path, clean_db: None) -> Iterator[Served]:
    port = free_port()
    data_dir = tmp_path / "data"
    log_path = tmp_path / "process-output.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_DATA_DIR": str(data_dir),
        "WARREN_SECRET": TEST_SECRET,
        "WARREN_LOG_LEVEL": "DEBUG",
        "WARREN_RATE_LIMIT_SIGN_IN": "4/minute",
    }
    env.pop("WARREN_BROKER_URL", None)
    env.pop("WARREN_MAIL_URL", None)
    env.pop("WARREN_STORAGE_URL", None)
    process = start_serve(port, env, log_path)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process, log_path)
        yield Served(base_url, data_dir, log_path, env)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


IMAGE_PRODUCT = {"vizardio": "portrait", "songly": "greeting-card", "homiwork": "portrait"}


def grant_points(env: dict[str, str], slug: str, login: str) -> None:
    """As ops do it: the CLI, against the same database."""
    result = subprocess.run(
        [sys.executable, "-m", "warren.cli", "points", "grant", slug, login, "100"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{login} on " in result.stdout
    assert "balance 100" in result.stdout


def order_and_wait(client: BrandClient, slug: str) -> None:
    """Upload a photo, order with it, and wait until the worker process has made it."""
    token = client.csrf("/library")
    uploaded = client.post(
        "/uploads",
        data={"_csrf": token, "next": "/library"},
        files={"file": ("me.jpg", photo(1600, 1200), "image/jpeg")},
    )
    ref = uploaded.headers["location"].split("ref=")[1]
    product = IMAGE_PRODUCT[slug]
    ordered = client.post(
        f"/create/{product}", data={"_csrf": token, "prompt": "A bright card", "ref": [ref]}
    )
    assert ordered.status_code == 303, ordered.text
    status_url = ordered.headers["location"] + "/status"
    deadline = time.monotonic() + 60
    while (state := client.get(status_url).json())["status"] != "done":
        assert state["status"] != "failed", state
        assert time.monotonic() < deadline, state
        time.sleep(0.3)
    assert client.get(state["item"]["download"]).status_code == 200


def drive(base_url: str, env: dict[str, str], slug: str, address: str, n: int) -> None:
    with BrandClient(base_url, f"{slug}.localhost", address) as client:
        assert sign_up_and_sign_in(client, f"user{n}@example.com", f"user{n}").status_code == 303
        client.get("/account")
        grant_points(env, slug, f"user{n}")
        order_and_wait(client, slug)
        client.post_form("/sign-out", {}, form_page="/account")
    with BrandClient(base_url, f"{slug}.localhost", address) as client:
        assert (
            client.post_form(
                "/sign-in", {"login": f"user{n}", "password": "correct horse battery"}
            ).status_code
            == 303
        )
        client.post_form("/sign-out", {}, form_page="/account")
        assert (
            client.post_form(
                "/sign-in", {"login": f"user{n}", "password": "wrong password"}
            ).status_code
            == 401
        )
        assert (
            client.post_form(
                "/sign-in", {"login": "nobody", "password": "wrong password"}
            ).status_code
            == 401
        )
        # Past the limit of 4 a minute (the sign-in after sign-up is one): the throttled
        # attempt is logged too.
        assert (
            client.post_form("/sign-in", {"login": f"user{n}", "password": "x"}).status_code == 429
        )
        client.post_form("/consent", {"choice": "allow", "source": "banner"}, form_page="/sign-in")
        client.post("/sign-in", data={"login": "x", "password": "y"})  # no CSRF token: 403
        client.get("/no-such-page")
        client.get("/privacy")
        client.get("/privacy.md")


def wait_for_outbox(data_dir: Path, count: int) -> list[Path]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        mails = list((data_dir / "outbox").glob("*.eml")) if (data_dir / "outbox").exists() else []
        if len(mails) >= count:
            return mails
        time.sleep(0.3)
    raise AssertionError(f"expected {count} welcome emails in the outbox")


def test_hashed_tenants_never_store_or_log_the_raw_address(
    served: Served, database_url: str
) -> None:
    n = 0
    for slug, addresses in {**HASHED, **RAW}.items():
        for address in addresses:
            n += 1
            drive(served.base_url, served.env, slug, address, n)
    # The welcome emails went through the queue and the worker: the queue saw the traffic.
    wait_for_outbox(served.data_dir, n)

    db = database_contents(database_url)
    assert {"users", "security_events", "consent_records"} <= {name for _, name in db.tables}
    assert ("dramatiq", "queue") in db.tables
    log_text = served.log_path.read_text(errors="replace")
    logs = StoredData(blobs=[("process output", served.log_path.read_bytes())])
    files = files_contents(served.data_dir, skip=("pg",))
    objects = objects_contents(open_object_store(None, served.data_dir))
    assert '"logger": "warren.access"' in log_text
    assert "/sign-in" in log_text
    # Each user's upload and generated picture: the object search has something to read.
    assert len(objects.blobs) >= 2 * n

    for addresses in HASHED.values():
        for address in addresses:
            forms, packed = address_spellings(address)
            for form in forms:
                assert db.where(form) == [], f"{form} found in the database"
                assert logs.where(form) == [], f"{form} found in a log line"
                assert files.where(form) == [], f"{form} found in the data dir"
                assert objects.where(form) == [], f"{form} found in a stored object"
            for value in packed:
                assert db.where(value) == [], f"{address} found packed in the database"
    assert db.count("hmac-sha256:") >= 4 * len(HASHED)

    # The control: a raw-mode tenant's address is found by the very same search.
    for address in RAW["vizardio"]:
        assert "public.security_events.ip_value" in db.where(address)
        assert "public.consent_records.ip_value" in db.where(address)
        assert logs.where(address) == ["process output"]
