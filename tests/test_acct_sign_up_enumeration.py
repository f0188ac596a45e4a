"""Sign-up does not tell whether an address has an account: the answer is the same, and
the owner of the address is told by email instead."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from warren.accounts.models import SecurityEvent, User
from warren.runtime import Runtime
from warren.settings import Settings

from webclient import BrandClient, sign_up

# Differ from one response to the next by nature, not by what was submitted.
# x-request-id is fresh on every response, whatever the request.
VARYING_HEADERS = {"date", "x-request-id"}


def comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    # Per-response values (cookie values, CSRF tokens, CSP nonces) are masked.
    headers = [
        (
            name,
            re.sub(r"=[^;]*", "=…", value)
            if name == "set-cookie"
            else re.sub(r"'nonce-[^']+'", "'nonce-…'", value),
        )
        for name, value in response.headers.multi_items()
        if name not in VARYING_HEADERS
    ]
    body = re.sub(
        rb'name="_csrf" value="[^"]+"', b'name="_csrf" value="\xe2\x80\xa6"', response.content
    )
    body = re.sub(rb'nonce="[^"]+"', b'nonce="\xe2\x80\xa6"', body)
    return response.status_code, headers, body


def mail_to(settings: Settings, address: str) -> list[EmailMessage]:
    outbox: Path = settings.outbox_dir
    received = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        if message["To"] == address:
            received.append(message)
    return received


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


@pytest.mark.parametrize("slug", ["vizardio", "songly"])
def test_a_taken_address_gets_the_same_answer_and_its_owner_an_email(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
    slug: str,
) -> None:
    owner, newcomer = f"owner-{slug}@example.com", f"newcomer-{slug}@example.com"
    assert sign_up(brand(slug), owner, f"owner-{slug}").status_code == 303
    drain()

    fresh, taken = brand(slug), brand(slug)
    new_account = sign_up(fresh, newcomer, f"newcomer-{slug}")
    existing = sign_up(taken, owner.upper(), f"imposter-{slug}")
    assert new_account.status_code == 303
    assert comparable(existing) == comparable(new_account)
    assert comparable(taken.get(existing.headers["location"])) == comparable(
        fresh.get(new_account.headers["location"])
    )
    assert dict(taken.cookies).keys() == dict(fresh.cookies).keys() == {"warren_csrf"}

    drain()
    [welcome, notice] = mail_to(settings, owner)
    assert welcome["Subject"].startswith("Welcome to")
    assert "tried to sign up" in notice["Subject"]
    assert f"https://{runtime.registry.get(slug).domain}/sign-in" in text_of(notice)
    [newcomer_welcome] = mail_to(settings, newcomer)
    assert "sign in at" in text_of(newcomer_welcome)

    with runtime.sessions() as db:
        names = set(db.scalars(select(User.username).where(User.tenant_id == slug)))
        kinds = list(db.scalars(select(SecurityEvent.kind).where(SecurityEvent.tenant_id == slug)))
    assert names == {f"owner-{slug}", f"newcomer-{slug}"}
    assert kinds.count("sign_up_existing_email") == 1


def test_repeated_attempts_send_the_owner_one_notice_an_hour(
    brand: Callable[..., BrandClient], settings: Settings, drain: Callable[[], None]
) -> None:
    owner = "flooded@example.com"
    sign_up(brand("homiwork"), owner, "flooded")
    for n in range(3):
        assert sign_up(brand("homiwork"), owner, f"flooder{n}").status_code == 303
    drain()
    subjects = [message["Subject"] for message in mail_to(settings, owner)]
    assert len(subjects) == 2
    assert sum("tried to sign up" in subject for subject in subjects) == 1


def test_a_taken_username_is_still_reported(brand: Callable[..., BrandClient]) -> None:
    sign_up(brand("songly"), "first@example.com", "PublicName")
    again = sign_up(brand("songly"), "second@example.com", "publicname")
    assert again.status_code == 409
    assert "username is taken" in again.text
