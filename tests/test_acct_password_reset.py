"""Password reset by email: the same answer for every address, a one-hour single-use
link of its own brand, every session ended, the failure throttle lifted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from inbox import link_in, mail_to, text_of
from sqlalchemy import select, update
from test_acct_sign_up_enumeration import comparable

from warren.accounts.models import AccountToken, SecurityEvent, User
from warren.db.base import utcnow
from warren.runtime import Runtime
from warren.settings import Settings

from webclient import BrandClient, field, sign_up, sign_up_and_sign_in

OLD, NEW = "correct horse battery", "a brand new passphrase"


def request_reset(client: BrandClient, address: str) -> httpx.Response:
    return client.post_form("/password-reset", {"email": address})


def set_password(client: BrandClient, link: str, password: str) -> httpx.Response:
    page = client.get(link)
    if page.status_code != 200:
        return page
    return client.post(
        "/password-reset/new",
        data={
            "_csrf": field(page.text, "_csrf"),
            "token": field(page.text, "token"),
            "password": password,
        },
    )


def sign_in(client: BrandClient, login: str, password: str) -> httpx.Response:
    return client.post_form("/sign-in", {"login": login, "password": password})


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    sign_up(brand("songly"), "known@example.com", "known")
    drain()
    known = request_reset(brand("songly"), "known@example.com")
    unknown = request_reset(brand("songly"), "unknown@example.com")
    assert known.status_code == 303
    assert comparable(known) == comparable(unknown)
    # The request does the same work for both: one event naming no account, one message.
    with runtime.sessions() as db:
        requested = list(
            db.scalars(
                select(SecurityEvent).where(
                    SecurityEvent.tenant_id == "songly",
                    SecurityEvent.kind == "password_reset_requested",
                )
            )
        )
    assert [event.user_id for event in requested] == [None, None]
    drain()
    [_, reset] = mail_to(settings, "known@example.com")
    assert "new password" in reset["Subject"]
    assert mail_to(settings, "unknown@example.com") == []
    assert request_reset(brand("songly"), "not an address").status_code == 400


def test_a_reset_sets_the_password_signs_out_everywhere_and_lifts_the_throttle(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    address = "forgetful@example.com"
    laptop = brand("vizardio")
    sign_up_and_sign_in(laptop, address, "forgetful")
    for _ in range(6):
        assert sign_in(brand("vizardio"), "forgetful", "wrong guess 123").status_code in {401, 429}
    assert sign_in(brand("vizardio"), "forgetful", OLD).status_code == 429

    request_reset(brand("vizardio"), address)
    drain()
    # The welcome email may be sent in the same drain, before or after it.
    [reset] = [m for m in mail_to(settings, address) if "new password" in m["Subject"]]
    link = link_in(reset, "/password-reset/new")
    phone = brand("vizardio")
    weak = set_password(phone, link, "forgetful1234")
    assert weak.status_code == 400
    assert "must not contain your username" in weak.text
    done = set_password(phone, link, NEW)
    assert done.status_code == 303
    assert done.headers["location"] == "/sign-in?reset=1"

    assert laptop.get("/account").status_code == 303  # signed out
    assert sign_in(brand("vizardio"), "forgetful", OLD).status_code == 401
    assert sign_in(brand("vizardio"), "forgetful", NEW).status_code == 303
    with runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == "vizardio", User.email == address))
        assert user is not None
        assert user.is_verified
    # Used once, it is spent.
    assert set_password(brand("vizardio"), link, "yet another passphrase").status_code == 410


def test_expired_foreign_and_tampered_reset_links_are_refused(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    address = "twice@example.com"
    sign_up(brand("songly"), address, "twice")
    sign_up(brand("homiwork"), address, "twice")
    drain()
    request_reset(brand("songly"), address)
    request_reset(brand("homiwork"), address)
    drain()
    resets = [m for m in mail_to(settings, address) if "new password" in m["Subject"]]
    by_brand = {("songly" if "Songly" in m["From"] else "homiwork"): m for m in resets}
    songly_link = link_in(by_brand["songly"], "/password-reset/new")
    homiwork_link = link_in(by_brand["homiwork"], "/password-reset/new")
    assert "an hour" in text_of(by_brand["songly"])

    assert set_password(brand("songly"), homiwork_link, NEW).status_code == 410
    assert set_password(brand("songly"), songly_link + "x", NEW).status_code == 410
    # A link for one purpose is no link for another.
    token = songly_link.split("token=")[1]
    other_purpose = brand("songly")
    csrf = other_purpose.csrf("/verify-email")
    assert (
        other_purpose.post("/verify-email", data={"_csrf": csrf, "token": token}).status_code == 410
    )

    with runtime.engine.begin() as conn:
        conn.execute(
            update(AccountToken)
            .where(AccountToken.tenant_id == "songly", AccountToken.purpose == "reset_password")
            .values(
                created_at=utcnow() - timedelta(hours=2), expires_at=utcnow() - timedelta(hours=1)
            )
        )
    assert set_password(brand("songly"), songly_link, NEW).status_code == 410
    assert sign_in(brand("songly"), "twice", OLD).status_code == 303
    assert set_password(brand("homiwork"), homiwork_link, NEW).status_code == 303
