"""Email verification: the welcome email's link confirms the address and signs in; links
are single-use, expiring, unforgeable and bound to their brand; resending is limited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from inbox import link_in, mail_from, mail_to
from sqlalchemy import select, update

from warren.accounts.models import AccountToken, User
from warren.accounts.verification import NotVerified, require_verified
from warren.db.base import utcnow
from warren.runtime import Runtime
from warren.settings import Settings

from webclient import BrandClient, field, sign_up

PASSWORD = "correct horse battery"


def user_row(runtime: Runtime, slug: str, email: str) -> User:
    with runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == slug, User.email == email))
        assert user is not None
        return user


def use_link(client: BrandClient, path_and_query: str, action: str) -> int:
    """Open the link, press the page's button; the status of the button's answer."""
    page = client.get(path_and_query)
    if page.status_code != 200:
        return page.status_code
    response = client.post(
        action, data={"_csrf": field(page.text, "_csrf"), "token": field(page.text, "token")}
    )
    return response.status_code


def test_the_welcome_link_confirms_the_address_and_signs_in_once(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    address = "verify-me@example.com"
    viz, songly = brand("vizardio"), brand("songly")
    sign_up(viz, address, "verifier")
    sign_up(songly, address, "verifier")
    drain()
    viz_mail = mail_from(settings, address, "vizardio.com")
    songly_mail = mail_from(settings, address, "songly.gift")
    viz_link = link_in(viz_mail, "/verify-email")
    songly_link = link_in(songly_mail, "/verify-email")

    # Another brand's link, with the same address and username, is nothing here.
    assert use_link(brand("vizardio"), songly_link, "/verify-email") == 410
    assert user_row(runtime, "vizardio", address).email_verified_at is None

    token = viz_link.split("token=")[1]
    tampered = viz_link.replace(token, token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert use_link(brand("vizardio"), tampered, "/verify-email") == 410
    truncated = viz_link.split(".")[0]
    assert use_link(brand("vizardio"), truncated, "/verify-email") == 410

    browser = brand("vizardio")
    page = browser.get(viz_link)
    assert page.status_code == 200
    # Opening the link alone changes nothing (mail scanners open links).
    assert user_row(runtime, "vizardio", address).email_verified_at is None
    confirmed = browser.post(
        "/verify-email",
        data={"_csrf": field(page.text, "_csrf"), "token": field(page.text, "token")},
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/account?verified=1"
    account = browser.get("/account?verified=1")
    assert account.status_code == 200
    assert "Your email address is confirmed" in account.text
    assert user_row(runtime, "vizardio", address).is_verified
    assert not user_row(runtime, "songly", address).is_verified

    assert use_link(brand("vizardio"), viz_link, "/verify-email") == 410


def test_an_expired_link_is_refused(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    address = "late@example.com"
    sign_up(brand("homiwork"), address, "latecomer")
    drain()
    link = link_in(mail_to(settings, address)[0], "/verify-email")
    with runtime.engine.begin() as conn:
        conn.execute(
            update(AccountToken)
            .where(AccountToken.tenant_id == "homiwork")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert use_link(brand("homiwork"), link, "/verify-email") == 410
    assert not user_row(runtime, "homiwork", address).is_verified


def test_unverified_accounts_sign_in_and_can_ask_again_a_few_times(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    address = "again@example.com"
    client = brand("songly")
    sign_up(client, address, "askagain")
    assert (
        client.post_form("/sign-in", {"login": "askagain", "password": PASSWORD}).status_code == 303
    )
    account = client.get("/account")
    assert "not yet" in account.text
    with pytest.raises(NotVerified):
        require_verified(user_row(runtime, "songly", address))

    statuses = [
        client.post_form("/account/verify-email/resend", {}, form_page="/account").status_code
        for _ in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    drain()
    messages = mail_to(settings, address)
    assert len(messages) == 4  # the welcome email and three resends
    links = [link_in(message, "/verify-email") for message in messages]
    # Only the newest link works.
    assert use_link(brand("songly"), links[0], "/verify-email") == 410
    assert use_link(brand("songly"), links[-1], "/verify-email") == 303
    require_verified(user_row(runtime, "songly", address))
