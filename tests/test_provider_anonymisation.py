"""What reaches a provider, captured by a real HTTP server standing in for it.

Users sign up, upload a photo whose metadata names them, order generations and chat with
assistants on two brands, one with raw and one with hashed IPs. Every request the
stand-in service receives is then searched for anything that identifies the user: email,
username, account, job and upload ids, the tenant, the client address, its hash, cookies.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from PIL import Image
from sqlalchemy import select

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.generation.models import Job
from warren.library.models import ContentItem
from warren.media.models import Upload
from warren.privacy.ip import ip_value, parse_address
from warren.runtime import Runtime

from conftest import serving, worker_for
from samples import photo
from standin_service import FakeService, chat_answer, image_answer, standin_service, with_standin
from webclient import BrandClient, sign_up_and_sign_in

ROOT = Path(__file__).resolve().parents[1]
ROUTED = {
    "songly": {"products": ["greeting-card", "poem", "assistant"], "assistants": ["lyricist"]},
    "vizardio": {"products": ["portrait", "formal-letter", "assistant"], "assistants": ["muse"]},
}


def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def standin(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[Runtime, FakeService]]:
    with standin_service() as service:
        service.by_path = {
            "/chat/completions": chat_answer("Here is something lovely, written for you."),
            "/images/generations": image_answer(small_png()),
            "/images/edits": image_answer(small_png()),
        }
        yield with_standin(runtime, service, tmp_path, ROUTED, IMAGE_MODEL="image-model"), service


def drive(client: BrandClient, runtime: Runtime, slug: str, email: str, username: str) -> None:
    assert sign_up_and_sign_in(client, email, username).status_code == 303
    tenant = runtime.registry.get(slug)
    with runtime.sessions() as db:
        user = find_user(db, tenant, username)
        assert user is not None
        grant(db, tenant, user.id, 500, "test")
        db.commit()
    token = client.csrf("/library")
    uploaded = client.post(
        "/uploads",
        data={"_csrf": token, "next": "/library"},
        files={
            "file": (
                f"{username}-selfie.jpg",
                photo(2400, 1800, artist=email, comment=username.encode()),
                "image/jpeg",
            )
        },
    )
    assert uploaded.status_code == 303, uploaded.text
    ref = re.search(r"ref=([0-9a-f-]{36})", uploaded.headers["location"])
    assert ref
    image_product, text_product, _ = ROUTED[slug]["products"]
    for product, refs in [(image_product, [ref.group(1)]), (text_product, [])]:
        response = client.post(
            f"/create/{product}",
            data={
                "_csrf": token,
                "prompt": f"A gift for my mother from {username.upper()}; reply to {email} please",
                "ref": refs,
            },
        )
        assert response.status_code == 303, response.text
    assistant = ROUTED[slug]["assistants"][0]
    sent = client.post(
        f"/assistants/{assistant}",
        data={"_csrf": token, "message": f"Hi, I am writing from {email}"},
    )
    assert sent.status_code == 303


def test_nothing_identifying_reaches_a_provider(
    standin: tuple[Runtime, FakeService], stub_broker: StubBroker, clean_db: None
) -> None:
    runtime, service = standin
    forbidden: set[str] = set()
    with serving(runtime) as base_url, worker_for(runtime, stub_broker) as drain:
        for n, slug in enumerate(ROUTED):
            email, username = f"zq.anon{n}+id@example.com", f"zqanonuser{n}x"
            address = f"203.0.113.{200 + n}"
            with BrandClient(base_url, f"{slug}.localhost", address) as client:
                drive(client, runtime, slug, email, username)
                drain()
                forbidden |= {email, username, address, slug, *client.cookies.values()}
            key = runtime.keyring.for_tenant(slug).ip_hash
            forbidden.add(ip_value("hashed", key, parse_address(address)).split(":", 1)[1])
    with runtime.sessions() as db:
        jobs = db.scalars(select(Job)).all()
        assert {j.status for j in jobs} == {"done"}, [(j.product_key, j.error) for j in jobs]
        ids = [*(j.id for j in jobs), *(j.user_id for j in jobs)]
        ids += [u.id for u in db.scalars(select(Upload))] + [
            i.id for i in db.scalars(select(ContentItem))
        ]
    forbidden |= {str(i) for i in ids} | {uuid.UUID(str(i)).hex for i in ids}

    paths = [r.path for r in service.requests]
    assert sum(p.endswith("/images/edits") for p in paths) == 2
    assert sum(p.endswith("/chat/completions") for p in paths) == 4
    for request in service.requests:
        blob = (
            (request.path + "\n" + "\n".join(f"{k}: {v}" for k, v in request.headers)).encode()
            + b"\n"
            + request.body
        )
        lowered = blob.lower()
        for value in forbidden:
            assert value.lower().encode() not in lowered, (
                f"{value!r} reached the provider at {request.path}"
            )
        assert b"Exif" not in request.body
        assert b"[email removed]" in request.body or request.path.endswith(
            ("/images/edits", "/images/generations")
        )
