"""TOTP two-factor sign-in: enrolment with a server-drawn QR code, the code step of
sign-in, replayed codes refused, recovery codes once each, the throttle, turning it
off, and a tenant that requires it."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
import tomli_w
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select

from warren.accounts.models import RecoveryCode, User
from warren.accounts.pending_sign_in import issue_pending
from warren.db.base import utcnow
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings

from conftest import ROOT, serving
from webclient import BrandClient, field, new_address, sign_up, sign_up_and_sign_in

PASSWORD = "correct horse battery"


def enrol(client: BrandClient) -> tuple[pyotp.TOTP, list[str]]:
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    assert re.search(r'<img id="totp-qr" src="data:image/svg\+xml', page.text)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.text)
    assert secret
    totp = pyotp.TOTP(secret.group(1))
    wrong = client.post_form(
        "/account/two-factor/confirm", {"code": "000000"}, form_page="/account/two-factor"
    )
    assert wrong.status_code == 400
    done = client.post_form(
        "/account/two-factor/confirm", {"code": totp.now()}, form_page="/account/two-factor"
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.text)
    assert len(codes) == 10
    return totp, codes


def password_step(client: BrandClient, login: str, next_page: str = "/account") -> httpx.Response:
    return client.post_form("/sign-in", {"login": login, "password": PASSWORD, "next": next_page})


def code_step(client: BrandClient, pending_page: httpx.Response, code: str) -> httpx.Response:
    return client.post(
        "/sign-in/code",
        data={
            "_csrf": field(pending_page.text, "_csrf"),
            "pending": field(pending_page.text, "pending"),
            "next": field(pending_page.text, "next"),
            "code": code,
        },
    )


def next_code(totp: pyotp.TOTP, steps: int = 1) -> str:
    return totp.at(utcnow(), counter_offset=steps)


def test_sign_in_asks_for_a_code_once_enrolled(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    owner = brand("vizardio")
    sign_up_and_sign_in(owner, "tfa@example.com", "twofactor")
    totp, codes = enrol(owner)
    with runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == "vizardio"))
        stored = list(db.scalars(select(RecoveryCode.code_hash)))
    assert user is not None
    assert user.totp_secret is not None
    assert totp.secret.encode() not in user.totp_secret
    assert all(code.encode() not in b"".join(stored) for code in codes)

    browser = brand("vizardio")
    pending = password_step(browser, "twofactor", "/library")
    assert pending.status_code == 200
    assert "warren_session" not in browser.cookies
    assert browser.get("/account").status_code == 303
    # The code that turned two-factor on is spent.
    assert code_step(browser, pending, totp.now()).status_code == 401
    signed_in = code_step(browser, pending, next_code(totp))
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/library"
    assert browser.get("/account").status_code == 200

    # Replayed in another browser within its window: refused.
    thief = brand("vizardio")
    assert code_step(thief, password_step(thief, "twofactor"), next_code(totp)).status_code == 401
    # A recovery code works once.
    assert code_step(thief, password_step(thief, "twofactor"), codes[3].upper()).status_code == 303
    again = brand("vizardio")
    assert code_step(again, password_step(again, "twofactor"), codes[3]).status_code == 401
    assert 'Recovery codes left: <span id="codes-left">9' in owner.get("/account/two-factor").text


def test_forged_stale_and_foreign_pending_sign_ins_are_refused(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    owner = brand("songly")
    sign_up_and_sign_in(owner, "pend@example.com", "pending")
    totp, _ = enrol(owner)
    with runtime.sessions() as db:
        user_id = db.scalar(select(User.id).where(User.tenant_id == "songly"))
    assert user_id is not None
    client = brand("songly")
    page = password_step(client, "pending")
    real = field(page.text, "pending")
    for forged in (
        real[:-1] + ("0" if real[-1] != "0" else "1"),
        issue_pending(
            runtime.keyring.for_tenant("songly").tokens, user_id, utcnow() - timedelta(minutes=6)
        ),
        issue_pending(runtime.keyring.for_tenant("vizardio").tokens, user_id, utcnow()),
    ):
        response = client.post(
            "/sign-in/code",
            data={"_csrf": field(page.text, "_csrf"), "pending": forged, "code": next_code(totp)},
        )
        assert response.status_code == 400
        assert "warren_session" not in client.cookies


def test_wrong_codes_are_throttled_per_account_and_a_password_does_not_lift_it(
    brand: Callable[..., BrandClient],
) -> None:
    owner = brand("homiwork")
    sign_up_and_sign_in(owner, "guess@example.com", "guessed")
    totp, _ = enrol(owner)

    def attempt(code: str) -> int:
        client = brand("homiwork")  # a new network each time: only the account's throttle applies
        first = password_step(client, "guessed")
        if first.status_code != 200:
            return first.status_code
        return code_step(client, first, code).status_code

    statuses = [attempt(f"{n:06d}") for n in range(7)]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    # Neither a right password nor a right code gets past the wait.
    assert attempt(next_code(totp)) == 429


def test_turning_it_off_needs_the_password_and_a_code(brand: Callable[..., BrandClient]) -> None:
    owner = brand("vizardio")
    sign_up_and_sign_in(owner, "off@example.com", "turnoff")
    totp, codes = enrol(owner)
    refused = owner.post_form(
        "/account/two-factor/disable",
        {"current": "wrong password!", "code": next_code(totp)},
        form_page="/account/two-factor",
    )
    assert refused.status_code == 400
    assert (
        owner.post_form(
            "/account/two-factor/disable",
            {"current": PASSWORD, "code": "123456"},
            form_page="/account/two-factor",
        ).status_code
        == 400
    )
    off = owner.post_form(
        "/account/two-factor/disable",
        {"current": PASSWORD, "code": codes[0]},
        form_page="/account/two-factor",
    )
    assert off.status_code == 303
    assert password_step(brand("vizardio"), "turnoff").status_code == 303


@pytest.fixture
def strict_brand(
    settings: Settings, database_url: str, stub_broker: StubBroker, tmp_path: Path, clean_db: None
) -> Iterator[Callable[[], BrandClient]]:
    """The app served with songly requiring two-factor sign-in for every user."""
    registry = tomllib.loads((ROOT / "tenants.toml").read_text())
    registry["songly"]["accounts"] = {"require_two_factor": True}
    tenants = tmp_path / "tenants.toml"
    tenants.write_text(tomli_w.dumps(registry))
    runtime = build_runtime(
        settings.model_copy(update={"tenants_file": tenants}), database_url, broker=stub_broker
    )
    clients: list[BrandClient] = []
    with serving(runtime) as url:

        def make() -> BrandClient:
            client = BrandClient(url, "songly.localhost", new_address())
            clients.append(client)
            return client

        yield make
        for client in clients:
            client.close()
    runtime.engine.dispose()


def test_a_tenant_can_require_two_factor_for_everyone(
    strict_brand: Callable[[], BrandClient],
) -> None:
    client = strict_brand()
    sign_up(client, "strict@example.com", "strict")
    signed_in = client.post_form(
        "/sign-in", {"login": "strict", "password": PASSWORD, "next": "/library"}
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/account/two-factor?required=1"
    assert client.get("/library").headers["location"] == "/account/two-factor?required=1"
    assert 'id="two-factor-required"' in client.get("/account/two-factor").text
    enrol(client)
    assert client.get("/library").status_code == 200
    refused = client.post_form(
        "/account/two-factor/disable",
        {"current": PASSWORD, "code": "x"},
        form_page="/account/two-factor",
    )
    assert refused.status_code == 403
