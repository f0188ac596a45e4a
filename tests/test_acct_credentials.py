"""Changing the password and the email address, and the list of sessions."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from inbox import link_in, mail_to, text_of
from sqlalchemy import select

from warren.accounts.models import AuthSession, SecurityEvent, User
from warren.runtime import Runtime
from warren.settings import Settings

from webclient import BrandClient, field, sign_up_and_sign_in

OLD, NEW = "correct horse battery", "a brand new passphrase"


def sign_in(client: BrandClient, login: str, password: str = OLD) -> httpx.Response:
    return client.post_form("/sign-in", {"login": login, "password": password})


def signed_in(client: BrandClient) -> bool:
    return client.get("/account").status_code == 200


def test_changing_the_password_needs_the_current_one_and_signs_out_other_browsers(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    here, elsewhere, other_brand = brand("songly"), brand("songly"), brand("vizardio")
    sign_up_and_sign_in(here, "pw@example.com", "changer")
    sign_in(elsewhere, "changer")
    sign_up_and_sign_in(other_brand, "pw@example.com", "changer")

    wrong = here.post_form("/account/password", {"current": "not my password", "password": NEW})
    assert wrong.status_code == 400
    assert "not your current password" in wrong.text
    weak = here.post_form("/account/password", {"current": OLD, "password": "short"})
    assert weak.status_code == 400
    assert signed_in(elsewhere)

    done = here.post_form("/account/password", {"current": OLD, "password": NEW})
    assert done.status_code == 303
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert signed_in(other_brand)  # the same person's account on another brand is separate
    assert sign_in(brand("songly"), "changer", OLD).status_code == 401
    assert sign_in(brand("songly"), "changer", NEW).status_code == 303
    with runtime.sessions() as db:
        kinds = set(
            db.scalars(select(SecurityEvent.kind).where(SecurityEvent.tenant_id == "songly"))
        )
    assert {"password_change_failed", "password_changed"} <= kinds


def test_a_new_address_counts_only_once_confirmed_from_it(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    client = brand("homiwork")
    sign_up_and_sign_in(client, "before@example.com", "mover")
    sign_up_and_sign_in(brand("vizardio"), "before@example.com", "mover")
    assert (
        client.post_form(
            "/account/email", {"email": "after@example.com", "current": "nope nope nope"}
        ).status_code
        == 400
    )
    asked = client.post_form("/account/email", {"email": "After@Example.com", "current": OLD})
    assert asked.status_code == 303
    drain()
    [confirm] = mail_to(settings, "after@example.com")
    notice = [
        m for m in mail_to(settings, "before@example.com") if "about to change" in m["Subject"]
    ]
    assert len(notice) == 1
    assert "/password-reset" in text_of(notice[0])
    with runtime.sessions() as db:
        assert (
            db.scalar(select(User.email).where(User.tenant_id == "homiwork"))
            == "before@example.com"
        )

    link = link_in(confirm, "/account/email/confirm")
    # Another brand's confirm page cannot use it.
    foreign = brand("vizardio")
    csrf = foreign.csrf("/account/email/confirm")
    token = link.split("token=")[1]
    assert (
        foreign.post("/account/email/confirm", data={"_csrf": csrf, "token": token}).status_code
        == 410
    )

    page = client.get(link)
    done = client.post(
        "/account/email/confirm",
        data={"_csrf": field(page.text, "_csrf"), "token": field(page.text, "token")},
    )
    assert done.status_code == 303
    assert "after@example.com" in client.get("/account").text
    with runtime.sessions() as db:
        moved = db.scalar(select(User).where(User.tenant_id == "homiwork"))
        stayed = db.scalar(select(User.email).where(User.tenant_id == "vizardio"))
    assert moved is not None
    assert moved.email == "after@example.com"
    assert moved.is_verified
    assert stayed == "before@example.com"
    reused = client.post(
        "/account/email/confirm",
        data={"_csrf": field(page.text, "_csrf"), "token": field(page.text, "token")},
    )
    assert reused.status_code == 410


def test_an_address_taken_meanwhile_is_not_moved_onto(
    brand: Callable[..., BrandClient], settings: Settings, drain: Callable[[], None]
) -> None:
    client = brand("vizardio")
    sign_up_and_sign_in(client, "first@example.com", "firstone")
    client.post_form("/account/email", {"email": "wanted@example.com", "current": OLD})
    drain()
    sign_up_and_sign_in(brand("vizardio"), "wanted@example.com", "secondone")
    link = next(
        link_in(m, "/account/email/confirm")
        for m in mail_to(settings, "wanted@example.com")
        if "Confirm your new" in m["Subject"]
    )
    page = client.get(link)
    taken = client.post(
        "/account/email/confirm",
        data={"_csrf": field(page.text, "_csrf"), "token": field(page.text, "token")},
    )
    assert taken.status_code == 409
    assert "first@example.com" in client.get("/account").text


def session_ids(page: str) -> list[str]:
    return re.findall(r'id="session-([0-9a-f-]{36})"', page)


def test_sessions_are_listed_and_can_be_ended_one_or_all(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    laptop, phone, tablet = brand("songly"), brand("songly"), brand("songly")
    sign_up_and_sign_in(laptop, "many@example.com", "manydevices")
    sign_in(phone, "manydevices")
    sign_in(tablet, "manydevices")
    page = laptop.get("/account/sessions")
    assert page.status_code == 200
    ids = session_ids(page.text)
    assert len(ids) == 3
    assert page.text.count("this browser") == 1
    # No network address, raw or hashed, is shown on a hashed-IP brand.
    assert laptop.address not in page.text
    assert "hmac-sha256" not in page.text

    with runtime.sessions() as db:
        _, phone_session, tablet_session = db.scalars(
            select(AuthSession.id)
            .where(AuthSession.tenant_id == "songly")
            .order_by(AuthSession.created_at)
        ).all()
    ended = laptop.post_form(
        f"/account/sessions/{phone_session}/end", {}, form_page="/account/sessions"
    )
    assert ended.status_code == 303
    assert not signed_in(phone)
    assert signed_in(tablet)
    # Another user's session is not theirs to end.
    intruder = brand("songly")
    sign_up_and_sign_in(intruder, "intruder@example.com", "intruder")
    refused = intruder.post_form(
        f"/account/sessions/{tablet_session}/end", {}, form_page="/account"
    )
    assert refused.status_code == 404
    assert signed_in(tablet)

    everywhere = laptop.post_form("/account/sessions/end-all", {}, form_page="/account/sessions")
    assert everywhere.status_code == 303
    assert not signed_in(laptop)
    assert not signed_in(tablet)
    assert signed_in(intruder)
