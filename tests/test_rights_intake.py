"""Privacy requests from the brand's site and the emails a requester gets.

A signed-in user asks on /account/requests: the session is the identity check, the
request starts in progress with its due date from the brand's deadlines and the chosen
law, and a receipt is emailed. When the console extends, completes or refuses it, the
requester is told by email — after an erasure too, when the account is gone. A user sees
only their own requests; another brand sees none of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from inbox import link_in, mail_to, text_of
from sqlalchemy import select
from test_acct_verification import use_link

from warren.accounts.models import User
from warren.rights.confirmation import LINK_VERIFIED
from warren.rights.intake import MAX_OPEN, WEB_VERIFIED
from warren.rights.models import DataSubjectRequest, RequestTransition
from warren.runtime import Runtime
from warren.settings import Settings

from admin_support import console, post_console
from webclient import BrandClient, sign_up_and_sign_in


def ask(client: BrandClient, kind: str, jurisdiction: str, details: str = "") -> int:
    token = client.csrf("/account/requests")
    answer = client.post(
        "/account/requests",
        data={"_csrf": token, "kind": kind, "jurisdiction": jurisdiction, "details": details},
    )
    return answer.status_code


def requests_of(runtime: Runtime, slug: str, username: str) -> list[DataSubjectRequest]:
    with runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == slug, User.username == username))
        assert user is not None
        return list(
            db.scalars(
                select(DataSubjectRequest)
                .where(DataSubjectRequest.user_id == user.id)
                .order_by(DataSubjectRequest.received_at)
            )
        )


def test_a_signed_in_request_starts_verified_with_its_due_date_and_a_receipt(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    client = brand("vizardio")
    assert sign_up_and_sign_in(client, "asker@example.com", "asker").status_code == 303
    page = client.get("/account/requests")
    assert page.status_code == 200
    assert 'id="no-requests"' in page.text
    # Only the laws this brand's policy serves, and "other".
    served = runtime.registry.get("vizardio").policy.jurisdictions
    for law in served:
        assert f'<option value="{law}"' in page.text
    assert '<option value="other"' in page.text

    assert ask(client, "correction", "gdpr") == 400  # a correction must say what
    assert ask(client, "access", "nowhere") == 400
    assert requests_of(runtime, "vizardio", "asker") == []

    assert ask(client, "objection", "gdpr", "No profiling, please.") == 303
    [request] = requests_of(runtime, "vizardio", "asker")
    assert (request.channel, request.state, request.jurisdiction) == ("web", "in_progress", "gdpr")
    assert request.details == "No profiling, please."
    # GDPR: one calendar month from receipt.
    assert request.received_at + timedelta(days=28) <= request.due_at
    assert request.due_at <= request.received_at + timedelta(days=31)
    with runtime.sessions() as db:
        notes = list(
            db.scalars(
                select(RequestTransition.note).where(RequestTransition.request_id == request.id)
            )
        )
    assert WEB_VERIFIED in notes

    listed = client.get("/account/requests?sent=1")
    assert 'id="request-sent"' in listed.text
    assert f'data-request="{request.id}"' in listed.text
    assert request.due_at.strftime("%Y-%m-%d") in listed.text

    drain()
    receipts = [m for m in mail_to(settings, "asker@example.com") if "received" in m["Subject"]]
    assert len(receipts) == 1
    assert f"{request.due_at.day}, {request.due_at.year}" in text_of(receipts[0])

    # Another user, and another brand, see none of it.
    other = brand("vizardio")
    sign_up_and_sign_in(other, "bystander@example.com", "bystander")
    assert str(request.id) not in other.get("/account/requests").text
    songly = brand("songly")
    sign_up_and_sign_in(songly, "asker@example.com", "asker")
    assert str(request.id) not in songly.get("/account/requests").text


def test_open_requests_are_limited_per_account(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("songly")
    sign_up_and_sign_in(client, "many@example.com", "many")
    for _ in range(MAX_OPEN):
        assert ask(client, "access", "other") == 303
    assert ask(client, "access", "other") == 409
    assert len(requests_of(runtime, "songly", "many")) == MAX_OPEN


def test_the_requester_hears_of_the_extension_and_the_answer_even_after_erasure(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    client = brand("vizardio")
    sign_up_and_sign_in(client, "leaver@example.com", "leaver")
    assert ask(client, "erasure", "gdpr") == 303
    assert ask(client, "other", "other", "Which providers saw my prompts?") == 303
    erasure, other = requests_of(runtime, "vizardio", "leaver")
    admin = console(brand, runtime, "vizardio")

    extended = post_console(
        admin, f"/admin/requests/{erasure.id}/extend", {"reason": "many backups to check"}
    )
    assert extended.status_code == 303, extended.text
    refused = post_console(
        admin, f"/admin/requests/{other.id}/refuse", {"reason": "we cannot tell which ones"}
    )
    assert refused.status_code == 303, refused.text
    completed = post_console(admin, f"/admin/requests/{erasure.id}/complete", {"note": ""})
    assert completed.status_code == 303, completed.text
    with runtime.sessions() as db:
        assert db.scalar(select(User).where(User.username == "leaver")) is None
    drain()

    mails = mail_to(settings, "leaver@example.com")
    subjects = [str(m["Subject"]) for m in mails]
    assert sum("needs more time" in s for s in subjects) == 1
    assert sum("is done" in s for s in subjects) == 1
    assert sum(s.startswith("About your privacy request") for s in subjects) == 1
    more_time = next(m for m in mails if "needs more time" in m["Subject"])
    assert "many backups to check" in text_of(more_time)
    no = next(m for m in mails if str(m["Subject"]).startswith("About your privacy request"))
    assert "we cannot tell which ones" in text_of(no)


def test_a_request_by_email_is_confirmed_by_a_link_to_the_accounts_address(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    owner = brand("songly")
    sign_up_and_sign_in(owner, "owner@example.com", "owner")
    admin = console(brand, runtime, "songly")
    # Written from the account's address: the receipt goes there, and so does the link.
    logged = post_console(
        admin,
        "/admin/requests",
        {"kind": "access", "email": "Owner@Example.com", "jurisdiction": "gdpr"},
    )
    assert logged.status_code == 303, logged.text
    [request] = requests_of(runtime, "songly", "owner")
    assert request.state == "verifying"
    drain()
    [letter] = [m for m in mail_to(settings, "owner@example.com") if "Confirm" in m["Subject"]]
    path = link_in(letter, "/privacy/requests/confirm")
    with runtime.sessions() as db:
        stored = db.scalar(
            select(DataSubjectRequest.confirmation_hash).where(DataSubjectRequest.id == request.id)
        )
    token = path.split("token=")[1]
    assert stored is not None
    assert token.encode() not in stored

    # Another brand's host, a tampered link: nothing.
    assert use_link(brand("vizardio"), path, "/privacy/requests/confirm") == 410
    tampered = path[:-1] + ("0" if path[-1] != "0" else "1")
    assert use_link(brand("songly"), tampered, "/privacy/requests/confirm") == 410
    # Opening the link alone changes nothing (mail scanners open links).
    assert brand("songly").get(path).status_code == 200
    [request] = requests_of(runtime, "songly", "owner")
    assert request.state == "verifying"

    # Anyone holding the mail may press the button: it proves control of the address.
    assert use_link(brand("songly"), path, "/privacy/requests/confirm") == 200
    [request] = requests_of(runtime, "songly", "owner")
    assert request.state == "in_progress"
    with runtime.sessions() as db:
        notes = list(
            db.scalars(
                select(RequestTransition.note).where(RequestTransition.request_id == request.id)
            )
        )
    assert LINK_VERIFIED in notes
    assert use_link(brand("songly"), path, "/privacy/requests/confirm") == 410


def test_a_request_by_email_for_no_account_sends_no_link(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    admin = console(brand, runtime, "songly")
    logged = post_console(
        admin,
        "/admin/requests",
        {"kind": "access", "email": "stranger@example.com", "jurisdiction": "other"},
    )
    assert logged.status_code == 303, logged.text
    drain()
    subjects = [str(m["Subject"]) for m in mail_to(settings, "stranger@example.com")]
    assert any("received" in s for s in subjects)
    assert not any("Confirm" in s for s in subjects)
