"""Ordering, watching and downloading generated content over HTTP, on every brand."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update

from warren.accounts.lookup import find_user
from warren.accounts.models import User
from warren.billing.ledger import balance, grant
from warren.billing.models import PointMovement
from warren.generation.models import Job
from warren.library.models import ContentItem
from warren.media.models import Upload
from warren.runtime import Runtime
from warren.storage.tenant_store import TenantStore
from warren.web.redirects import safe_next

from samples import photo
from webclient import BrandClient, field, sign_up_and_sign_in

IMAGE_PRODUCT = {"vizardio": "portrait", "songly": "portrait", "homiwork": "portrait"}


def signed_up(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str, name: str, points: int = 0
) -> BrandClient:
    client = brand(slug)
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    if points:
        tenant = runtime.registry.get(slug)
        with runtime.sessions() as db:
            user = find_user(db, tenant, name)
            assert user is not None
            grant(db, tenant, user.id, points, "test")
            db.commit()
    return client


def upload(client: BrandClient, data: bytes, name: str = "photo.jpg", next_page: str = "/library"):  # type: ignore[no-untyped-def]
    token = client.csrf("/library")
    return client.post(
        "/uploads",
        data={"_csrf": token, "next": next_page},
        files={"file": (name, data, "application/octet-stream")},
    )


def uploaded_id(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text
    match = re.search(r"ref=([0-9a-f-]{36})", response.headers["location"])
    assert match
    return match.group(1)


def order(client: BrandClient, product: str, prompt: str, refs: list[str]):  # type: ignore[no-untyped-def]
    token = client.csrf(f"/create/{product}")
    return client.post(f"/create/{product}", data={"_csrf": token, "prompt": prompt, "ref": refs})


def user_balance(runtime: Runtime, slug: str, name: str) -> int:
    tenant = runtime.registry.get(slug)
    with runtime.sessions() as db:
        user = find_user(db, tenant, name)
        assert user is not None
        return balance(db, tenant, user.id)


@pytest.mark.parametrize("slug", list(IMAGE_PRODUCT))
def test_upload_order_watch_and_download(
    brand: Callable[..., BrandClient], runtime: Runtime, drain: Callable[[], None], slug: str
) -> None:
    product = IMAGE_PRODUCT[slug]
    price = runtime.registry.get(slug).products[product].price
    client = signed_up(brand, runtime, slug, "maker", points=100)
    ref = uploaded_id(upload(client, photo(), next_page=f"/create/{product}"))
    assert ref in client.get(f"/create/{product}?ref={ref}").text

    ordered = order(client, product, "My grandmother in a sunny garden", [ref])
    assert ordered.status_code == 303
    job_path = ordered.headers["location"]
    assert re.fullmatch(r"/jobs/[0-9a-f-]{36}", job_path)
    page = client.get(job_path)
    assert "pending" in page.text
    # The page updates itself: it polls its status URL.
    assert f'data-status-url="{job_path}/status"' in page.text
    assert user_balance(runtime, slug, "maker") == 100 - price

    drain()
    state = client.get(job_path + "/status").json()
    assert state["status"] == "done"
    assert state["error"] is None
    download = client.get(state["item"]["download"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert "attachment" in download.headers["content-disposition"]
    Image.open(io.BytesIO(download.content)).verify()
    assert "Download" in client.get(job_path).text
    library = client.get("/library").text
    assert "demo" in library
    assert user_balance(runtime, slug, "maker") == 100 - price
    with runtime.sessions() as db:
        kinds = [m.kind for m in db.scalars(select(PointMovement).order_by(PointMovement.id))]
    assert kinds == ["grant", "reserve", "capture"]


def test_song_poem_and_text_products_produce_real_files(
    brand: Callable[..., BrandClient], runtime: Runtime, drain: Callable[[], None]
) -> None:
    client = signed_up(brand, runtime, "vizardio", "writer", points=200)
    jobs = {}
    for product in ["song", "poem", "formal-letter", "video"]:
        response = order(client, product, "For Ann, who loves the sea", [])
        assert response.status_code == 303
        jobs[product] = response.headers["location"]
    drain()
    types = {}
    for product, path in jobs.items():
        state = client.get(path + "/status").json()
        assert state["status"] == "done", state
        types[product] = client.get(state["item"]["download"]).headers["content-type"]
    assert types["song"] == "audio/wav"
    assert types["poem"].startswith("text/plain")
    assert types["formal-letter"].startswith("text/plain")
    assert types["video"] == "image/gif"


def test_not_enough_points_is_refused_and_nothing_is_held(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = signed_up(brand, runtime, "songly", "poor", points=5)
    response = order(client, "song", "A song", [])
    assert response.status_code == 402
    assert "needs 30 energy points; you have 5" in response.text
    with runtime.sessions() as db:
        assert db.scalars(select(Job)).all() == []
    assert user_balance(runtime, "songly", "poor") == 5


def test_order_validation(brand: Callable[..., BrandClient], runtime: Runtime) -> None:
    client = signed_up(brand, runtime, "homiwork", "validator", points=100)
    assert order(client, "portrait", "   ", []).status_code == 400
    audio = io.BytesIO()
    import wave

    with wave.open(audio, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 8000)
    sound = uploaded_id(upload(client, audio.getvalue(), "voice.wav"))
    response = order(client, "portrait", "A portrait", [sound])
    assert response.status_code == 400
    assert "Portrait accepts image" in response.text
    assert client.get("/create/no-such-product").status_code == 404
    with runtime.sessions() as db:
        assert db.scalars(select(Job)).all() == []


def test_delete_restore_and_trash_window(
    brand: Callable[..., BrandClient], runtime: Runtime, drain: Callable[[], None]
) -> None:
    client = signed_up(brand, runtime, "homiwork", "tidy", points=100)
    ref = uploaded_id(upload(client, photo()))
    job_path = order(client, "portrait", "Me as a painting", [ref]).headers["location"]
    drain()
    item_url = client.get(job_path + "/status").json()["item"]["download"]
    item_id = item_url.split("/")[2]

    token = client.csrf("/library")
    assert (
        client.post(
            f"/library/{item_id}/delete", data={"_csrf": token, "with_sources": "yes"}
        ).status_code
        == 303
    )
    library = client.get("/library").text
    assert f'id="trash-item-{item_id}"' in library
    assert f'id="trash-upload-{ref}"' in library  # the source photo went with it
    assert client.get(item_url).status_code == 404

    assert client.post(f"/library/{item_id}/restore", data={"_csrf": token}).status_code == 303
    assert client.get(item_url).status_code == 200
    # The source photo deleted with the item came back with it.
    assert f'id="upload-{ref}"' in client.get("/library").text

    client.post(f"/library/{item_id}/delete", data={"_csrf": token})
    with runtime.sessions() as db:
        db.execute(
            update(ContentItem)
            .where(ContentItem.id == uuid.UUID(item_id))
            .values(deleted_at=ContentItem.deleted_at - timedelta(days=8))
        )
        db.commit()
    expired = client.post(f"/library/{item_id}/restore", data={"_csrf": token})
    assert expired.status_code == 410
    assert "restored for 7 days" in expired.text
    with runtime.sessions() as db:
        item = db.get(ContentItem, uuid.UUID(item_id))
        assert item is not None
        assert item.deleted_at is not None


def test_another_users_and_another_brands_content_is_unreachable(
    brand: Callable[..., BrandClient], runtime: Runtime, drain: Callable[[], None]
) -> None:
    owner = signed_up(brand, runtime, "vizardio", "owner", points=100)
    ref = uploaded_id(upload(owner, photo()))
    job_path = order(owner, "portrait", "Private portrait", [ref]).headers["location"]
    drain()
    item_url = owner.get(job_path + "/status").json()["item"]["download"]
    item_id = item_url.split("/")[2]
    urls = [
        job_path,
        job_path + "/status",
        item_url,
        f"/library/{item_id}/view",
        f"/uploads/{ref}/download",
    ]

    neighbour = signed_up(brand, runtime, "vizardio", "neighbour", points=10)
    # Same email and username on another brand, and the owner's own cookie replayed there.
    other_brand = signed_up(brand, runtime, "homiwork", "owner", points=10)
    replayed = brand("homiwork")
    replayed.cookies.set("warren_session", owner.cookies["warren_session"])
    for client in (neighbour, other_brand, replayed):
        for url in urls:
            response = client.get(url)
            assert response.status_code in (303, 404), (
                client.brand_host,
                url,
                response.status_code,
            )
            assert response.status_code != 200
        token = client.csrf("/sign-in") if client is replayed else client.csrf("/library")
        assert client.post(f"/library/{item_id}/delete", data={"_csrf": token}).status_code in (
            401,
            404,
        )
    with runtime.sessions() as db:
        item = db.get(ContentItem, uuid.UUID(item_id))
        assert item is not None
        assert item.deleted_at is None
    assert owner.get(item_url).status_code == 200


def test_uploads_keep_only_the_transformed_image(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = signed_up(brand, runtime, "songly", "photographer")
    marker = b"ORIGINAL-MARKER-5f2c"
    original = photo(4000, 3000, artist="photographer@example.com", comment=marker)
    ref = uploaded_id(upload(client, original))
    with runtime.sessions() as db:
        row = db.get(Upload, uuid.UUID(ref))
        assert row is not None
    stored = TenantStore(runtime.store, "songly").get(row.storage_key)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert max(image.size) == 1536
    assert marker not in stored
    assert b"photographer@example.com" not in stored
    assert b"Exif" not in stored
    assert row.expires_at - row.created_at == timedelta(days=7)
    assert client.get(f"/uploads/{ref}/download").content == stored


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"MZ\x90\x00" + b"\x00" * 500, 415, "not a supported"),
        (photo()[:5000], 422, ""),
        (b"", 422, "empty"),
    ],
)
def test_bad_uploads_get_a_clear_4xx_and_leave_nothing(
    brand: Callable[..., BrandClient], runtime: Runtime, data: bytes, status: int, reason: str
) -> None:
    client = signed_up(brand, runtime, "vizardio", "careless")
    response = upload(client, data, "innocent.jpg")
    assert response.status_code == status
    assert reason in response.text
    assert 'id="upload-reason"' in response.text
    with runtime.sessions() as db:
        assert db.scalars(select(Upload)).all() == []
        user = find_user(db, runtime.registry.get("vizardio"), "careless")
        assert user is not None
    assert list(TenantStore(runtime.store, "vizardio").list(f"uploads/{user.id}/")) == []


def test_oversize_upload_names_the_limit(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = signed_up(brand, runtime, "homiwork", "bigfile")
    limit = runtime.registry.get("homiwork").media.max_image_bytes
    big = photo(200, 200) + b"\x00" * (limit + 2 * 1024 * 1024)
    response = upload(client, big)
    assert response.status_code == 413
    assert "at most 25 MB" in response.text
    with runtime.sessions() as db:
        assert db.scalars(select(Upload)).all() == []


def test_chat_with_an_assistant(
    brand: Callable[..., BrandClient], runtime: Runtime, drain: Callable[[], None]
) -> None:
    client = signed_up(brand, runtime, "songly", "chatter", points=10)
    assert "Lyricist" in client.get("/assistants").text
    token = client.csrf("/assistants/lyricist")
    sent = client.post(
        "/assistants/lyricist", data={"_csrf": token, "message": "Ideas for a song for my sister?"}
    )
    assert sent.status_code == 303
    assert client.get("/assistants/lyricist/state").json()["waiting"] is True
    drain()
    state = client.get("/assistants/lyricist/state").json()
    assert state["waiting"] is False
    roles = [m["role"] for m in state["messages"]]
    assert roles == ["user", "assistant"]
    assert "sister" in state["messages"][0]["content"]
    assert (
        user_balance(runtime, "songly", "chatter")
        == 10 - runtime.registry.get("songly").products["assistant"].price
    )
    assert client.get("/assistants/nobody").status_code == 404


def test_downloads_keep_names_in_any_script(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = signed_up(brand, runtime, "homiwork", "cyrillic")
    ref = uploaded_id(upload(client, photo(800, 600), "Фото мамы.jpg"))
    response = client.get(f"/uploads/{ref}/download")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''%D0%A4%D0%BE%D1%82%D0%BE" in disposition


def test_simultaneous_sign_ups_with_one_email_get_one_account(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    import threading

    clients = [brand("songly") for _ in range(6)]
    pages = [client.get("/sign-up").text for client in clients]
    statuses: list[int] = []
    start = threading.Barrier(len(clients))

    def go(client: BrandClient, page: str) -> None:
        start.wait()
        response = client.post(
            "/sign-up",
            data={
                "_csrf": field(page, "_csrf"),
                "policy_version": field(page, "policy_version"),
                "email": "race@example.com",
                "username": f"racer{clients.index(client)}",
                "password": "correct horse battery",
                "adult": "yes",
            },
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=go, args=pair) for pair in zip(clients, pages, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each is told to check their email: a taken address is never confirmed on this form.
    assert statuses == [303] * 6
    with runtime.sessions() as db:
        assert len(db.scalars(select(User).where(User.tenant_id == "songly")).all()) == 1


def test_large_bodies_are_refused_unless_they_are_uploads_by_a_signed_in_user(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    token = client.csrf("/sign-in")
    big_form = client.post(
        "/sign-in", data={"_csrf": token, "login": "x" * (2 * 1024 * 1024), "password": "y"}
    )
    assert big_form.status_code == 413
    anonymous_upload = client.post(
        "/uploads",
        data={"_csrf": token},
        files={"file": ("a.jpg", photo(300, 200), "image/jpeg")},
    )
    assert anonymous_upload.status_code == 401
    # Signed in, but without the form's token: a forged upload.
    member = signed_up(brand, runtime, "vizardio", "forger")
    forged = member.post("/uploads", files={"file": ("a.jpg", photo(300, 200), "image/jpeg")})
    assert forged.status_code == 403


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/create/portrait", "/create/portrait"),
        ("/library?x=1", "/library?x=1"),
        ("//evil.example", "/library"),
        ("/\\evil.example", "/library"),
        ("/\tevil", "/library"),
        ("https://evil.example", "/library"),
        ("", "/library"),
    ],
)
def test_upload_return_paths_stay_on_the_site(value: str, expected: str) -> None:
    assert safe_next(value, "/library") == expected
