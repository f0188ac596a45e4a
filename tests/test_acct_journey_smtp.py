"""A user's whole self-service journey through the web, with every email delivered to a
real SMTP server: sign up → confirm the address → reset the password → turn on
two-factor → sign in with a code → sign in with a recovery code. On two brands at once,
the same address on each, and the links of one brand never work on the other."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pyotp
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from dramatiq.brokers.stub import StubBroker
from inbox import link_in, parse

from warren.db.base import utcnow
from warren.runtime import build_runtime
from warren.settings import Settings

from conftest import serving, worker_for
from webclient import BrandClient, field, new_address, sign_up

ADDRESS = "journey@example.com"
FIRST, SECOND = "correct horse battery", "a second long passphrase"


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(parse(envelope.content))
        return "250 OK"

    def to(self, address: str, brand_name: str, subject_part: str) -> EmailMessage:
        found = [
            m
            for m in self.messages
            if m["To"] == address and brand_name in m["From"] and subject_part in m["Subject"]
        ]
        assert found, [m["Subject"] for m in self.messages]
        return found[-1]


@pytest.fixture
def smtp_site(
    settings: Settings, database_url: str, stub_broker: StubBroker, clean_db: None
) -> Iterator[tuple[Callable[[str], BrandClient], Mailbox, Callable[[], None]]]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    runtime = build_runtime(
        settings.model_copy(update={"mail_url": f"smtp://127.0.0.1:{port}"}),
        database_url,
        broker=stub_broker,
    )
    clients: list[BrandClient] = []
    try:
        with serving(runtime) as url, worker_for(runtime, stub_broker) as drain:

            def client(slug: str) -> BrandClient:
                made = BrandClient(url, f"{slug}.localhost", new_address())
                clients.append(made)
                return made

            yield client, mailbox, drain
    finally:
        for made in clients:
            made.close()
        controller.stop()
        runtime.engine.dispose()


def press(client: BrandClient, link: str, action: str, **extra: str) -> Any:
    page = client.get(link)
    if page.status_code != 200:
        return page
    return client.post(
        action,
        data={"_csrf": field(page.text, "_csrf"), "token": field(page.text, "token"), **extra},
    )


def test_the_whole_journey_on_two_brands(
    smtp_site: tuple[Callable[[str], BrandClient], Mailbox, Callable[[], None]],
) -> None:
    client, mailbox, drain = smtp_site
    names = {"vizardio": "Vizardio", "homiwork": "Homiwork"}
    for slug in names:
        assert sign_up(client(slug), ADDRESS, "journeyer", FIRST).status_code == 303
    drain()
    welcome = {
        slug: link_in(mailbox.to(ADDRESS, name, "Welcome"), "/verify-email")
        for slug, name in names.items()
    }

    for slug, other in (("vizardio", "homiwork"), ("homiwork", "vizardio")):
        assert press(client(slug), welcome[other], "/verify-email").status_code == 410
        browser = client(slug)
        confirmed = press(browser, welcome[slug], "/verify-email")
        assert confirmed.status_code == 303
        assert 'id="account-verified">yes' in browser.get("/account").text

        # Forgotten password: reset by email.
        assert browser.post_form("/password-reset", {"email": ADDRESS}).status_code == 303
        drain()
        reset = link_in(mailbox.to(ADDRESS, names[slug], "new password"), "/password-reset/new")
        assert (
            press(client(other), reset, "/password-reset/new", password=SECOND).status_code == 410
        )
        assert press(client(slug), reset, "/password-reset/new", password=SECOND).status_code == 303
        assert browser.get("/account").status_code == 303  # signed out by the reset
        assert press(client(slug), reset, "/password-reset/new", password=FIRST).status_code == 410

        # Two-factor on.
        assert (
            browser.post_form("/sign-in", {"login": ADDRESS, "password": SECOND}).status_code == 303
        )
        setup = browser.get("/account/two-factor").text
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup)
        assert secret
        totp = pyotp.TOTP(secret.group(1))
        codes_page = browser.post_form(
            "/account/two-factor/confirm", {"code": totp.now()}, form_page="/account/two-factor"
        )
        codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", codes_page.text)
        assert len(codes) == 10

        # Sign in with a code, then with a recovery code.
        phone = client(slug)
        step = phone.post_form("/sign-in", {"login": "journeyer", "password": SECOND})
        assert 'name="pending"' in step.text
        done = phone.post(
            "/sign-in/code",
            data={
                "_csrf": field(step.text, "_csrf"),
                "pending": field(step.text, "pending"),
                "next": "/account",
                "code": totp.at(utcnow(), counter_offset=1),
            },
        )
        assert done.status_code == 303
        assert phone.get("/account").status_code == 200
        spare = client(slug)
        step = spare.post_form("/sign-in", {"login": "journeyer", "password": SECOND})
        done = spare.post(
            "/sign-in/code",
            data={
                "_csrf": field(step.text, "_csrf"),
                "pending": field(step.text, "pending"),
                "next": "/account",
                "code": codes[0],
            },
        )
        assert done.status_code == 303
        assert (
            'Recovery codes left: <span id="codes-left">9' in spare.get("/account/two-factor").text
        )

    # Every message went through the SMTP server, from the brand's own support address.
    assert {m["From"].addresses[0].addr_spec for m in mailbox.messages} == {
        "support@vizardio.com",
        "support@homiwork.com",
    }
