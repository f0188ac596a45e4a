"""One unit of work per request and per job: commit once on success, roll back on any
error, run the undo of work done outside the database, and send messages only after
the commit. Against the real database and storage."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from warren.accounts.lookup import find_user
from warren.accounts.models import User
from warren.billing.ledger import grant
from warren.db.base import utcnow
from warren.db.unit_of_work import on_rollback, unit_of_work
from warren.errors import InvalidInput
from warren.generation.models import Job
from warren.media.models import Upload
from warren.media.uploads import store_upload
from warren.queue.broker import QUEUE_NAME
from warren.runtime import Runtime
from warren.storage.tenant_store import TenantStore

from samples import photo
from webclient import BrandClient, sign_up_and_sign_in


def _new_user(slug: str, name: str, email: str | None = None) -> User:
    return User(
        tenant_id=slug,
        email=email or f"{name}@example.com",
        username=name,
        password_hash="x",
        adult_confirmed_at=utcnow(),
        accepted_policy_version="v",
    )


def _user(runtime: Runtime, slug: str, name: str) -> User:
    with unit_of_work(runtime.sessions) as db:
        user = _new_user(slug, name)
        db.add(user)
    return user


def test_an_error_rolls_back_everything_and_runs_the_undos(
    runtime: Runtime, clean_db: None
) -> None:
    tenant = runtime.registry.get("songly")
    user = _user(runtime, "songly", "undone")
    store = TenantStore(runtime.store, tenant.slug)
    keys: list[str] = []

    def store_then_refuse() -> None:
        with unit_of_work(runtime.sessions) as db:
            upload = store_upload(db, runtime.store, tenant, user.id, photo(300, 200), "p.jpg")
            keys.append(upload.storage_key)
            assert store.exists(upload.storage_key)
            raise InvalidInput("the service said no after storing")

    with pytest.raises(InvalidInput):
        store_then_refuse()
    assert len(keys) == 1
    assert not store.exists(keys[0])
    with runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Upload)) == 0


def test_a_failed_commit_runs_the_undos_too(runtime: Runtime, clean_db: None) -> None:
    _user(runtime, "homiwork", "twice")
    undone: list[str] = []

    def add_twice() -> None:
        with unit_of_work(runtime.sessions) as db:
            on_rollback(db, lambda: undone.append("object deleted"))
            # The same username again: the unique index refuses it at commit.
            db.add(_new_user("homiwork", "twice", "other@example.com"))

    with pytest.raises(IntegrityError):
        add_twice()
    assert undone == ["object deleted"]


def test_a_committed_unit_keeps_its_work_and_forgets_its_undos(
    runtime: Runtime, clean_db: None
) -> None:
    undone: list[str] = []
    with unit_of_work(runtime.sessions) as db:
        on_rollback(db, lambda: undone.append("should not run"))
        db.add(_new_user("vizardio", "kept"))
    assert undone == []
    with runtime.sessions() as db:
        assert find_user(db, runtime.registry.get("vizardio"), "kept") is not None


def test_a_refused_order_leaves_no_job_no_message_and_no_reservation(
    brand: Callable[..., BrandClient], runtime: Runtime, stub_broker: StubBroker
) -> None:
    client = brand("vizardio")
    assert sign_up_and_sign_in(client, "broke@example.com", "broke").status_code == 303
    stub_broker.flush_all()
    tenant = runtime.registry.get("vizardio")
    with runtime.sessions() as db:
        user = find_user(db, tenant, "broke")
        assert user is not None
        grant(db, tenant, user.id, 1, "not enough for anything")
        db.commit()
    token = client.csrf("/create/poem")
    refused = client.post("/create/poem", data={"_csrf": token, "prompt": "A poem"})
    assert refused.status_code == 402
    assert "energy points" in refused.text
    # The prompt survives the refusal, so the user does not type it again.
    assert "A poem" in refused.text
    with runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Job)) == 0
    assert stub_broker.queues[QUEUE_NAME].qsize() == 0

    granted = uuid.uuid4()
    with runtime.sessions() as db:
        grant(db, tenant, user.id, 100, f"grant {granted}")
        db.commit()
    accepted = client.post("/create/poem", data={"_csrf": token, "prompt": "A poem"})
    assert accepted.status_code == 303
    assert stub_broker.queues[QUEUE_NAME].qsize() == 1
