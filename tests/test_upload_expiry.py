"""Uploads are deleted when their upload period or trash period is over: objects, then rows
(the retention rules `uploads` and `trash`, which the scheduler runs often)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from warren.accounts.lookup import find_user
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.lifecycle.rules import FREQUENT
from warren.lifecycle.sweep import sweep
from warren.media.models import Upload
from warren.media.uploads import store_upload
from warren.runtime import Runtime
from warren.storage.base import ObjectNotFound
from warren.storage.tenant_store import TenantStore

from samples import photo
from webclient import BrandClient, sign_up_and_sign_in


def test_expired_and_long_trashed_uploads_are_purged(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("songly")
    sign_up_and_sign_in(client, "keeper@example.com", "keeper")
    sign_up_and_sign_in(brand("homiwork"), "keeper@example.com", "keeper")
    made: dict[str, Upload] = {}
    for slug in ["songly", "homiwork"]:
        tenant = runtime.registry.get(slug)
        with unit_of_work(runtime.sessions) as db:
            user = find_user(db, tenant, "keeper")
            assert user is not None
            for name in ["expired", "trashed", "fresh", "recently-trashed"]:
                made[f"{slug}/{name}"] = store_upload(
                    db, runtime.store, tenant, user.id, photo(300, 200), name
                )
    now = utcnow()
    with runtime.sessions() as db:
        for slug in ["songly", "homiwork"]:
            db.execute(
                update(Upload)
                .where(Upload.id == made[f"{slug}/expired"].id)
                .values(expires_at=now - timedelta(minutes=1))
            )
            db.execute(
                update(Upload)
                .where(Upload.id == made[f"{slug}/trashed"].id)
                .values(deleted_at=now - timedelta(days=8))
            )
            db.execute(
                update(Upload)
                .where(Upload.id == made[f"{slug}/recently-trashed"].id)
                .values(deleted_at=now - timedelta(days=1))
            )
        db.commit()

    expired_id = made["songly/expired"].id
    assert client.get(f"/uploads/{expired_id}/download").status_code == 404

    seen: list[tuple[str, str, int]] = []
    tenants = [runtime.registry.get("songly"), runtime.registry.get("homiwork")]
    sweep(runtime, tenants, FREQUENT, progress=lambda t, r, n: seen.append((t, r, n)))
    with runtime.sessions() as db:
        remaining = {row.id for row in db.scalars(select(Upload))}
    assert sorted(seen) == [
        ("homiwork", "trash", 1),
        ("homiwork", "uploads", 1),
        ("songly", "trash", 1),
        ("songly", "uploads", 1),
    ]
    for key, upload in made.items():
        slug, name = key.split("/")
        store = TenantStore(runtime.store, slug)
        gone = name in {"expired", "trashed"}
        assert (upload.id in remaining) is not gone, key
        if gone:
            with pytest.raises(ObjectNotFound):
                store.get(upload.storage_key)
        else:
            assert store.get(upload.storage_key)
    # Running again finds nothing: a crashed sweep just resumes.
    assert all(result.total == 0 for result in sweep(runtime, tenants, FREQUENT))
