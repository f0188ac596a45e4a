"""Object storage down: the S3 client fails within seconds as an ObjectStoreError (the
web answers 503 with Retry-After and a sentence), and a generated result whose storing
failed is stored by the next run without calling the provider again."""

from __future__ import annotations

import dataclasses
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.billing.models import PointMovement
from warren.generation.models import Job, JobState
from warren.generation.runner import RetryLater, run_job
from warren.generation.submit import submit_generation
from warren.runtime import Runtime
from warren.storage.base import ObjectStoreError
from warren.storage.factory import open_object_store
from warren.storage.s3 import S3ObjectStore
from warren.storage.tenant_store import TenantStore

from conftest import serving
from samples import photo
from standin_service import FakeService, chat_answer, standin_service, with_standin
from webclient import BrandClient, sign_up_and_sign_in


def _dead_endpoint() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def _store(endpoint: str, bucket: str = "warren-ops") -> S3ObjectStore:
    store = open_object_store(f"s3://key:secret@{endpoint}/{bucket}?secure=false", Path("/"))
    assert isinstance(store, S3ObjectStore)
    return store


@pytest.fixture
def moto() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


def test_storage_down_fails_fast_as_an_object_store_error() -> None:
    store = _store(_dead_endpoint())
    started = time.monotonic()
    with pytest.raises(ObjectStoreError, match="object storage failed in put"):
        store.put("a/b", b"x", "text/plain")
    # Two quick retries, not the library default of five with growing waits.
    assert time.monotonic() - started < 3
    with pytest.raises(ObjectStoreError):
        store.exists("a/b")


def test_an_upload_while_storage_is_down_gets_503_with_retry_after(
    runtime: Runtime, clean_db: None
) -> None:
    down = dataclasses.replace(runtime, store=_store(_dead_endpoint()))
    with serving(down) as url, BrandClient(url, "homiwork.localhost", "198.51.99.7") as client:
        name = f"s{uuid.uuid4().hex[:8]}"
        assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
        token = client.csrf("/library")
        answer = client.post(
            "/uploads",
            data={"_csrf": token, "next": "/library"},
            files={"file": ("p.jpg", photo(400, 300), "application/octet-stream")},
        )
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "30"
    assert "Stored files cannot be reached right now" in answer.text


@pytest.fixture
def poems(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[Runtime, FakeService]]:
    with standin_service() as service:
        service.fallback = chat_answer("Rain on the roof.")
        yield with_standin(runtime, service, tmp_path, {"songly": {"products": ["poem"]}}), service


def test_a_result_whose_storing_failed_is_stored_without_calling_the_provider_again(
    poems: tuple[Runtime, FakeService],
    moto: str,
    stub_broker: StubBroker,
    brand: Callable[..., BrandClient],
) -> None:
    base, service = poems
    songly = base.registry.get("songly")
    name = f"s{uuid.uuid4().hex[:8]}"
    with base.sessions() as db:
        from warren.accounts.signup import SignUpForm, sign_up
        from warren.privacy.policy import policy_version

        version = policy_version(songly)
        sign_up(
            db,
            songly,
            SignUpForm(f"{name}@example.com", name, "correct horse battery", True, version),
            version,
            "hmac-sha256:00",
        )
        user = find_user(db, songly, name)
        assert user is not None
        grant(db, songly, user.id, 100, "test")
        job = submit_generation(db, songly, user.id, "poem", "About rain", [])
        db.commit()

    down = dataclasses.replace(base, store=_store(_dead_endpoint()))
    with pytest.raises(RetryLater):
        run_job(down, songly, job.id)
    assert len(service.requests) == 1
    with base.sessions() as db:
        assert db.scalar(select(Job.status).where(Job.id == job.id)) == JobState.PENDING

    up_store = _store(moto)
    up_store.ensure_bucket()
    up = dataclasses.replace(base, store=up_store)
    assert run_job(up, songly, job.id).value == "done"
    # Stored from what the first run was paid for: no second call.
    assert len(service.requests) == 1
    with base.sessions() as db:
        finished = db.get(Job, job.id)
        assert finished is not None
        assert finished.status == JobState.DONE
        kinds = sorted(db.scalars(select(PointMovement.kind).where(PointMovement.job_id == job.id)))
    assert kinds == ["capture", "reserve"]
    stored = list(TenantStore(up_store, "songly").list("results/"))
    assert any(str(job.id) in key for key in stored)
    assert not list((base.settings.data_dir / "staged-results").glob(f"{job.id}*"))
