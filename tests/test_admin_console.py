"""The console's front door, end to end over HTTP on two brands: invitation, password,
TOTP enrolment, sign-in, sign-out, removal, and brands kept apart."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
from sqlalchemy import select, update

from warren.admin.accounts import SESSION_IDLE
from warren.admin.models import AdminAccount, AdminInvitation, AdminSession
from warren.runtime import Runtime

from admin_support import (
    PASSWORD,
    SECRETS,
    accept,
    console,
    invite_admin,
    next_code,
    post_console,
    sign_in,
)
from webclient import BrandClient


def test_invitation_password_totp_then_sign_in(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    email = "first-admin@example.com"
    client = brand("songly")
    assert client.get("/admin").headers["location"] == "/admin/sign-in?next=/admin"
    invitation = invite_admin(runtime, "songly", email)

    # A wrong code keeps the invitation good; the password is not set.
    refused, secret = accept(client, invitation, code="000000")
    assert refused.status_code == 400
    assert "This code is not right" in refused.text
    accepted, same_secret = accept(client, invitation)
    assert same_secret == secret
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/admin/sign-in?welcome=1"
    # Single use.
    assert client.get(invitation).status_code == 410

    wrong = sign_in(client, email, "123456" if next_code(secret) != "123456" else "654321")
    assert wrong.status_code == 400
    assert "The email, password or code is not right." in wrong.text
    assert "warren_admin" not in wrong.headers.get("set-cookie", "")

    signed_in = sign_in(client, email, next_code(secret))
    assert signed_in.status_code == 303
    (cookie,) = [
        c for c in signed_in.headers.get_list("set-cookie") if c.startswith("warren_admin=")
    ]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"path=/admin", "httponly", "samesite=strict"} <= attributes
    assert "secure" not in attributes
    dashboard = client.get("/admin")
    assert dashboard.status_code == 200
    assert email in dashboard.text
    for href in ("/admin/users", "/admin/requests", "/admin/moderation", "/admin/config"):
        assert f'href="{href}"' in dashboard.text

    # The same code cannot sign in twice.
    other = brand("songly")
    assert sign_in(other, email, pyotp.TOTP(secret).now()).status_code == 400

    out = post_console(client, "/admin/sign-out", {})
    assert out.status_code == 303
    assert client.get("/admin").status_code == 303


def test_a_brand_admin_gets_404_on_another_brands_console(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    email = "songly-only@example.com"
    songly = console(brand, runtime, "songly", email=email)
    cookie = songly.cookies.get("warren_admin")
    assert cookie
    carried = brand("homiwork")
    carried.cookies.set("warren_admin", cookie)
    for path in ("/admin", "/admin/sign-in", "/admin/users", "/admin/audit", "/admin/anything"):
        assert carried.get(path).status_code == 404, path
    # Nor can a songly admin sign in on homiwork's host, with a good password and code.
    with runtime.engine.begin() as conn:
        conn.execute(update(AdminAccount).values(totp_last_step=AdminAccount.totp_last_step - 2))
    fresh = brand("homiwork")
    assert sign_in(fresh, email, next_code(SECRETS[email]), PASSWORD).status_code == 400
    # The same sign-in on songly's own host works (so the refusal above is the brand's).
    assert sign_in(brand("songly"), email, next_code(SECRETS[email])).status_code == 303


def test_an_invitation_is_bound_to_its_brand_and_expires(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    invitation = invite_admin(runtime, "songly", "late-admin@example.com")
    assert brand("homiwork").get(invitation).status_code == 410
    with runtime.engine.begin() as conn:
        conn.execute(update(AdminInvitation).values(expires_at=AdminInvitation.created_at))
    assert brand("songly").get(invitation).status_code == 410
    # Invited again: a new link, and the old one stays dead.
    fresh = invite_admin(runtime, "songly", "late-admin@example.com")
    assert fresh != invitation
    assert brand("songly").get(fresh).status_code == 200
    with runtime.sessions() as db:
        stored = db.scalars(select(AdminInvitation.token_hash)).all()
    assert all(fresh.partition("token=")[2].split(".")[0].encode() not in h for h in stored)


def test_sign_in_is_throttled_per_network(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("homiwork")
    answers = [sign_in(client, f"guess{n}@example.com", "000000").status_code for n in range(10)]
    # The tests' limit is 8 a minute (conftest).
    assert answers[:8] == [400] * 8
    assert answers[8:] == [429, 429]
    assert "Retry-After" in sign_in(client, "x@example.com", "000000").headers


def test_console_pages_are_accessible_shells_under_the_csp(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = console(brand, runtime, "songly")
    for path in ("/admin", "/admin/users", "/admin/requests", "/admin/audit"):
        page = client.get(path)
        nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
        assert f'<style nonce="{nonce}">' in page.text, path
        assert "<script" not in page.text, path
        assert '<a class="skip-link" href="#main">' in page.text, path
        assert 'name="viewport"' in page.text, path
        assert f'<a href="{path}" aria-current="page">' in page.text, path


def test_removing_an_admin_ends_their_sessions(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    from warren.admin.accounts import find_admin, remove
    from warren.db.unit_of_work import unit_of_work

    client = console(brand, runtime, "vizardio", role="support", email="gone@example.com")
    assert client.get("/admin").status_code == 200
    with unit_of_work(runtime.sessions) as db:
        admin = find_admin(db, runtime.registry.get("vizardio"), "gone@example.com")
        assert remove(db, list(runtime.registry), admin, "cli:test") == 1
    with runtime.sessions() as db:
        assert db.scalars(select(AdminSession)).all() == []
    assert client.get("/admin").status_code == 303


def test_an_idle_session_ends(brand: Callable[..., BrandClient], runtime: Runtime) -> None:
    client = console(brand, runtime, "homiwork", role="moderator")
    assert client.get("/admin").status_code == 200
    with runtime.engine.begin() as conn:
        conn.execute(
            update(AdminSession).values(last_seen_at=AdminSession.last_seen_at - SESSION_IDLE)
        )
    assert client.get("/admin").headers["location"] == "/admin/sign-in?next=/admin"


def test_the_admin_cookie_is_secure_over_https(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    invitation = invite_admin(runtime, "vizardio", "tls@example.com")
    accepted, secret = accept(client, invitation)
    assert accepted.status_code == 303
    # Only the sign-in itself comes "through TLS" (the test client speaks plain HTTP and
    # would not send Secure cookies back).
    signed_in = client.post(
        "/admin/sign-in",
        data={
            "_csrf": client.csrf("/admin/sign-in"),
            "email": "tls@example.com",
            "password": PASSWORD,
            "code": next_code(secret),
        },
        headers={"X-Forwarded-Proto": "https"},
    )
    assert signed_in.status_code == 303
    (cookie,) = [
        c for c in signed_in.headers.get_list("set-cookie") if c.startswith("warren_admin=")
    ]
    assert "secure" in {part.strip().lower() for part in cookie.split(";")[1:]}
