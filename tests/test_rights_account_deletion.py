"""Deleting one's own account through the web: what the page promises, the checks before
it goes, holds, sign-out, the email after, and a search of everything stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import httpx
from inbox import mail_to, text_of
from sqlalchemy import select
from test_acct_two_factor import enrol

from warren.accounts.models import User
from warren.billing.models import Order, PointMovement
from warren.chat.models import ChatMessage
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.library.models import ContentItem
from warren.lifecycle.holds import lift_hold, place_hold
from warren.lifecycle.models import Erasure, HoldSubject
from warren.media.models import Upload
from warren.queue.models import OutboxMessage
from warren.runtime import Runtime
from warren.settings import Settings
from warren.storage.tenant_store import TenantStore

from infra import database_contents, objects_contents, wait_until
from webclient import BrandClient, sign_up_and_sign_in

PASSWORD = "correct horse battery"


def user_named(runtime: Runtime, slug: str, username: str) -> User:
    with runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == slug, User.username == username))
        assert user is not None
        db.expunge(user)
    return user


def give_data(runtime: Runtime, user: User, marker: str) -> tuple[int, uuid.UUID]:
    """Content, an upload, a chat, a ledger row and a paid order, with their objects;
    returns the ledger row's and the order's ids."""
    store = TenantStore(runtime.store, user.tenant_id)
    item_id, upload_id, order_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    item_key = f"results/{user.id}/{item_id}.txt"
    upload_key = f"uploads/{user.id}/{upload_id}.jpg"
    store.put(item_key, f"a poem about {marker}".encode(), "text/plain")
    store.put(upload_key, f"photo of {marker}".encode(), "image/jpeg")
    store.put(
        f"exports/{user.id}/{uuid.uuid4()}.zip", f"a copy of {marker}".encode(), "application/zip"
    )
    with runtime.sessions() as db:
        db.add_all(
            [
                ContentItem(
                    id=item_id,
                    tenant_id=user.tenant_id,
                    user_id=user.id,
                    category="poem",
                    product_key="poem",
                    title=f"Poem of {marker}",
                    content_type="text/plain",
                    extension="txt",
                    size_bytes=10,
                    storage_key=item_key,
                    is_demo=True,
                    created_with_prime=False,
                ),
                Upload(
                    id=upload_id,
                    tenant_id=user.tenant_id,
                    user_id=user.id,
                    kind="image",
                    content_type="image/jpeg",
                    size_bytes=20,
                    display_name=f"{marker}.jpg",
                    storage_key=upload_key,
                    expires_at=utcnow() + timedelta(days=7),
                ),
                ChatMessage(
                    tenant_id=user.tenant_id,
                    user_id=user.id,
                    assistant_key="poet",
                    role="user",
                    content=f"tell me about {marker}",
                ),
                Order(
                    id=order_id,
                    tenant_id=user.tenant_id,
                    user_id=user.id,
                    item_key="points_100",
                    item_kind="points",
                    points=100,
                    amount=Decimal("5.00"),
                    currency="USD",
                    gateway="demo",
                ),
            ]
        )
        ledger = PointMovement(
            tenant_id=user.tenant_id,
            user_id=user.id,
            kind="purchase",
            amount=100,
            order_id=order_id,
        )
        db.add(ledger)
        db.commit()
        return ledger.id, order_id  # fmt: skip


def delete(client: BrandClient, password: str = PASSWORD, code: str = "") -> httpx.Response:
    return client.post_form(
        "/account/delete",
        {"current": password, "code": code, "confirm": "yes"},
        form_page="/account/delete",
    )


def test_deleting_the_account_erases_everything_personal_and_keeps_the_transactions(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    email = "leaver@example.com"
    songly, vizardio = brand("songly"), brand("vizardio")
    sign_up_and_sign_in(songly, email, "leaverzq")
    sign_up_and_sign_in(vizardio, email, "stayerzq")
    leaver, stayer = (
        user_named(runtime, "songly", "leaverzq"),
        user_named(runtime, "vizardio", "stayerzq"),
    )
    ledger, order = give_data(runtime, leaver, "marmalade-otter")
    give_data(runtime, stayer, "quince-badger")
    drain()

    page = songly.get("/account/delete")
    assert page.status_code == 200
    years = runtime.registry.get("songly").retention.transaction_years
    assert f"kept for {years} years" in page.text
    assert "link to your account cut" in page.text

    assert delete(songly, "not my password").status_code == 400
    unconfirmed = songly.post_form(
        "/account/delete", {"current": PASSWORD}, form_page="/account/delete"
    )
    assert unconfirmed.status_code == 400
    assert songly.get("/account").status_code == 200

    done = delete(songly)
    assert done.status_code == 200, done.text
    assert "Your account is deleted" in done.text
    expired = {c.split("=")[0] for c in done.headers.get_list("set-cookie") if "Max-Age=0" in c}
    assert "warren_session" in expired
    assert songly.get("/account").status_code in (302, 303)
    drain()
    wait_until(lambda: len(mail_to(settings, email)) >= 1, 10)
    [sent] = [m for m in mail_to(settings, email) if "account is deleted" in m["Subject"]]
    assert "songly" in sent["From"].lower()
    assert f"{years} years" in text_of(sent)

    with runtime.sessions() as db:
        assert db.scalar(select(OutboxMessage.id)) is None  # the address went with the message
        assert db.get(User, leaver.id) is None
        assert db.scalar(select(PointMovement.user_id).where(PointMovement.id == ledger)) is None
        assert db.scalar(select(PointMovement.amount).where(PointMovement.id == ledger)) == 100
        kept = db.get(Order, order)
        assert kept is not None
        assert kept.user_id is None
        assert (
            db.scalar(select(Erasure.reason).where(Erasure.tenant_id == "songly")) == "self_service"
        )
        # the other brand's account with the same address is untouched
        other = db.get(User, stayer.id)
        assert other is not None
        assert other.email == email
        assert db.scalar(select(ContentItem.id).where(ContentItem.user_id == stayer.id))
    assert vizardio.get("/account").status_code == 200

    stored = database_contents(settings.database_url)
    objects = objects_contents(runtime.store)
    for needle in ("leaverzq", "marmalade-otter", str(leaver.id)):
        assert stored.where(needle) == [], needle
        assert objects.where(needle) == [], needle
    # the address is left only on the other brand's account
    assert stored.where(email) == ["public.users.email"]
    assert stored.count(email) == 1
    assert objects.where("quince-badger")


def test_two_factor_and_holds_are_respected(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("homiwork")
    sign_up_and_sign_in(client, "guarded@example.com", "guardedzq")
    _totp, codes = enrol(client)
    page = client.get("/account/delete")
    assert 'name="code"' in page.text
    assert delete(client, code="000000").status_code == 400
    user = user_named(runtime, "homiwork", "guardedzq")
    tenant = runtime.registry.get("homiwork")
    with unit_of_work(runtime.sessions) as db:
        hold_id = place_hold(
            db, tenant, HoldSubject.ACCOUNT, user.id, "moderator", "case 41 evidence", None
        ).id
    held = delete(client, code=codes[0])
    assert held.status_code == 409
    assert "a hold on it prevents deletion" in held.text
    assert "case 41" not in held.text
    assert client.get("/account").status_code == 200
    with runtime.sessions() as db:
        assert db.get(User, user.id) is not None

    with unit_of_work(runtime.sessions) as db:
        lift_hold(db, tenant, hold_id, "moderator")
    assert delete(client, code=codes[0]).status_code == 400  # a recovery code works once
    done = delete(client, code=codes[1])
    assert done.status_code == 200, done.text
    with runtime.sessions() as db:
        assert db.get(User, user.id) is None
