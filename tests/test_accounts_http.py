"""Sign-up, sign-in and sessions, driven over HTTP on several brands."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select

from warren.accounts.models import AuthSession, SecurityEvent, User
from warren.privacy.policy import policy_version
from warren.runtime import Runtime

from webclient import BrandClient, field, sign_up, sign_up_and_sign_in


def users(runtime: Runtime, slug: str) -> list[User]:
    with runtime.sessions() as db:
        return list(db.scalars(select(User).where(User.tenant_id == slug)))


def events(runtime: Runtime, slug: str) -> list[SecurityEvent]:
    with runtime.sessions() as db:
        return list(
            db.scalars(
                select(SecurityEvent)
                .where(SecurityEvent.tenant_id == slug)
                .order_by(SecurityEvent.id)
            )
        )


def sign_in(
    client: BrandClient,
    login: str,
    password: str = "correct horse battery",
    form_page: str = "/sign-in",
) -> httpx.Response:
    return client.post_form("/sign-in", {"login": login, "password": password}, form_page=form_page)


@pytest.mark.parametrize("slug", ["vizardio", "songly", "homiwork"])
def test_sign_up_records_policy_version_and_asks_to_sign_in(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str
) -> None:
    client = brand(slug)
    response = sign_up(client, "Ann@Example.com", "ann")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-up/check-email"
    assert "warren_session" not in client.cookies
    assert client.get("/account").status_code == 303
    assert "Check your email" in client.get("/sign-up/check-email").text
    assert sign_in(client, "ann@example.com").status_code == 303
    account = client.get("/account")
    assert account.status_code == 200
    assert "ann@example.com" in account.text

    [user] = users(runtime, slug)
    assert user.email == "ann@example.com"
    assert user.accepted_policy_version == policy_version(runtime.registry.get(slug))
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "correct horse battery" not in user.password_hash
    assert [e.kind for e in events(runtime, slug)] == ["sign_up", "sign_in"]


def test_session_cookie_is_http_only_and_lax(brand: Callable[..., BrandClient]) -> None:
    response = sign_up_and_sign_in(brand("vizardio"), "c@example.com", "cookie")
    header = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "warren_session" in v
    )
    lowered = header.lower()
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    # Plain HTTP in tests: "auto" must not mark it Secure, or browsers on http would drop it.
    assert "secure" not in lowered.replace("samesite", "")


def test_cookies_are_secure_behind_a_tls_proxy(brand: Callable[..., BrandClient]) -> None:
    client = brand("songly")
    client.headers["X-Forwarded-Proto"] = "https"
    response = client.get("/sign-in")
    header = next(v for k, v in response.headers.multi_items() if k == "set-cookie")
    assert "; secure" in header.lower()


def test_same_email_may_hold_accounts_on_two_brands_but_not_two_on_one(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    assert sign_up(brand("vizardio"), "same@example.com", "same").status_code == 303
    assert sign_up(brand("songly"), "same@example.com", "same").status_code == 303
    # Answered like a new address (see test_acct_sign_up_enumeration), and creates nothing.
    again = sign_up(brand("vizardio"), "SAME@example.com", "other")
    assert again.status_code == 303
    taken = sign_up(brand("vizardio"), "new@example.com", "SAME")
    assert taken.status_code == 409
    assert "username is taken" in taken.text
    assert len(users(runtime, "vizardio")) == 1
    assert len(users(runtime, "songly")) == 1


def test_sign_up_requires_adult_confirmation_and_valid_fields(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("homiwork")
    page = client.get("/sign-up")
    response = client.post(
        "/sign-up",
        data={
            "_csrf": field(page.text, "_csrf"),
            "policy_version": field(page.text, "policy_version"),
            "email": "not-an-email",
            "username": "x",
            "password": "short",
        },
    )
    assert response.status_code == 400
    assert "only for people aged 18 or over" in response.text
    assert "valid email address" in response.text
    assert "at least 10 characters" in response.text
    assert 'value="not-an-email"' in response.text
    assert users(runtime, "homiwork") == []


def test_sign_up_with_a_stale_policy_version_is_refused(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("songly")
    response = client.post_form(
        "/sign-up",
        {
            "policy_version": "2020-01.000000000000",
            "email": "p@example.com",
            "username": "stale",
            "password": "correct horse battery",
            "adult": "yes",
        },
    )
    assert response.status_code == 400
    assert "privacy policy has changed" in response.text
    assert users(runtime, "songly") == []


def test_forms_without_csrf_token_are_refused(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    client.get("/sign-up")
    response = client.post(
        "/sign-up",
        data={
            "email": "x@example.com",
            "username": "xx1",
            "password": "correct horse battery",
            "adult": "yes",
        },
    )
    assert response.status_code == 403
    # A token minted for another brand does not validate either.
    other = brand("songly")
    foreign = other.csrf("/sign-up")
    client.cookies.set("warren_csrf", other.cookies["warren_csrf"])
    response = client.post("/sign-in", data={"_csrf": foreign, "login": "x", "password": "y"})
    assert response.status_code == 403
    assert users(runtime, "vizardio") == []


def test_sign_in_by_email_or_username_and_sign_out(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    sign_up(brand("songly"), "bob@example.com", "Bobby")
    client = brand("songly")
    assert client.get("/account").status_code == 303
    assert sign_in(client, "bobby").status_code == 303
    assert client.get("/account").status_code == 200
    client.post_form("/sign-out", {}, form_page="/account")
    assert client.get("/account").status_code == 303
    assert sign_in(client, "BOB@example.com").status_code == 303
    assert client.get("/account").status_code == 200
    kinds = [e.kind for e in events(runtime, "songly")]
    assert kinds == ["sign_up", "sign_in", "sign_out", "sign_in"]


def test_failed_sign_ins_are_logged_and_explained(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    sign_up(brand("homiwork"), "eve@example.com", "eve")
    client = brand("homiwork")
    wrong = sign_in(client, "eve", "wrong password!")
    assert wrong.status_code == 401
    assert "wrong" in wrong.text
    assert sign_in(client, "nobody", "whatever password").status_code == 401
    failed = [e for e in events(runtime, "homiwork") if e.kind == "sign_in_failed"]
    assert [e.detail["reason"] for e in failed] == ["wrong_password", "unknown_account"]
    assert "warren_session" not in client.cookies


def test_sign_in_is_rate_limited_per_address(brand: Callable[..., BrandClient]) -> None:
    sign_up(brand("vizardio"), "rl@example.com", "ratelimited")
    attacker = brand("vizardio")
    # Unknown logins: the account's own failure throttle (test_acct_throttle) stays out of it.
    statuses = [sign_in(attacker, f"nobody{n}", "guess number").status_code for n in range(8)]
    assert statuses == [401] * 8
    blocked = sign_in(attacker, "ratelimited")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    # Another address is not affected, and signs in with the right password.
    assert sign_in(brand("vizardio"), "ratelimited").status_code == 303


def test_a_session_cookie_replayed_on_another_brand_is_refused(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    viz = brand("vizardio")
    sign_up_and_sign_in(viz, "multi@example.com", "multi")
    stolen = viz.cookies["warren_session"]
    assert viz.get("/account").status_code == 200

    # Even with an account of the same email and username on songly.
    sign_up(brand("songly"), "multi@example.com", "multi")
    replay = brand("songly")
    replay.cookies.set("warren_session", stolen)
    response = replay.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/account"
    assert any(e.kind == "session_refused" for e in events(runtime, "songly"))


def test_tampered_session_cookie_is_refused(brand: Callable[..., BrandClient]) -> None:
    client = brand("homiwork")
    sign_up_and_sign_in(client, "t@example.com", "tamper")
    token, _, signature = client.cookies["warren_session"].partition(".")
    client.cookies.set(
        "warren_session", token[:-1] + ("A" if token[-1] != "A" else "B") + "." + signature
    )
    assert client.get("/account").status_code == 303


def test_sign_in_rotates_the_session_token(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    sign_up(brand("vizardio"), "rot@example.com", "rotate")
    client = brand("vizardio")
    sign_in(client, "rotate")
    first = client.cookies["warren_session"]
    sign_in(client, "rotate", form_page="/account")
    second = client.cookies["warren_session"]
    assert first != second
    old = brand("vizardio")
    old.cookies.set("warren_session", first)
    assert old.get("/account").status_code == 303
    with runtime.sessions() as db:
        # Only the rotated one: the first sign-in's is gone, and signing up starts none.
        assert len(list(db.scalars(select(AuthSession)))) == 1


def test_last_access_is_tracked(brand: Callable[..., BrandClient], runtime: Runtime) -> None:
    from datetime import timedelta

    client = brand("songly")
    sign_up_and_sign_in(client, "la@example.com", "lastaccess")
    with runtime.sessions() as db:
        user = db.scalars(select(User)).one()
        user.last_access_at -= timedelta(days=40)
        db.commit()
        stale = user.last_access_at
    client.get("/account")
    [user] = users(runtime, "songly")
    assert user.last_access_at > stale + timedelta(days=39)
