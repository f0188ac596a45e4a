"""Helpers for the moderation tests: members signed in over HTTP, finished results
(a done job, its content item and the stored file), share links."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from warren.accounts.lookup import find_user
from warren.generation.models import Job, JobState
from warren.library.models import ContentItem
from warren.runtime import Runtime
from warren.storage.tenant_store import TenantStore

from webclient import BrandClient, sign_up_and_sign_in

SHARE_URL = re.compile(r'id="share-url" value="([^"]+)"')


def member(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str, name: str
) -> tuple[BrandClient, uuid.UUID]:
    client = brand(slug)
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    with runtime.sessions() as db:
        user = find_user(db, runtime.registry.get(slug), name)
        assert user is not None
        return client, user.id


@dataclass(frozen=True)
class Result:
    slug: str
    user_id: uuid.UUID
    job_id: uuid.UUID
    item_id: uuid.UUID
    storage_key: str
    body: bytes


def result(runtime: Runtime, slug: str, user_id: uuid.UUID, words: str = "roses") -> Result:
    """A finished poem job of the user with its item and its file in the store."""
    job_id, item_id = uuid.uuid4(), uuid.uuid4()
    key = f"results/{user_id}/{job_id}.txt"
    body = f"A poem about {words}, marker {item_id.hex}".encode()
    TenantStore(runtime.store, slug).put(key, body, "text/plain")
    with runtime.sessions() as db:
        db.add(
            Job(
                id=job_id,
                tenant_id=slug,
                user_id=user_id,
                product_key="poem",
                category="poem",
                provider="demo",
                prompt=f"a poem about {words}",
                price=0,
                status=JobState.DONE,
            )
        )
        db.flush()
        db.add(
            ContentItem(
                id=item_id,
                tenant_id=slug,
                user_id=user_id,
                job_id=job_id,
                category="poem",
                product_key="poem",
                title=f"Poem about {words}",
                content_type="text/plain",
                extension="txt",
                size_bytes=len(body),
                storage_key=key,
                is_demo=True,
                source_upload_ids=[],
                created_with_prime=False,
            )
        )
        db.commit()
    return Result(slug, user_id, job_id, item_id, key, body)


def share(client: BrandClient, made: Result) -> str:
    """Share the result from its job page; returns the link's path and query."""
    created = client.post_form(
        f"/library/{made.item_id}/share", {"next": f"/jobs/{made.job_id}"}, f"/jobs/{made.job_id}"
    )
    assert created.status_code == 200, created.text
    found = SHARE_URL.search(created.text)
    assert found, created.text
    url = found.group(1)
    return url[url.index("/s?") :]
