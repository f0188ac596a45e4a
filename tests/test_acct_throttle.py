"""Each account's failure throttle: a progressive delay after 5 wrong passwords, capped,
not extended by refused attempts, reset by a successful sign-in.

Time moves without sleeping: the account's security events are moved into the past.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from warren.accounts.lookup import find_user
from warren.accounts.models import SecurityEvent
from warren.db.base import utcnow
from warren.runtime import Runtime

from webclient import BrandClient, sign_up

PASSWORD = "correct horse battery"


def attempt(brand: Callable[..., BrandClient], slug: str, password: str) -> httpx.Response:
    """One sign-in from a fresh address, so the per-network limit never gets involved."""
    return brand(slug).post_form("/sign-in", {"login": "target", "password": password})


def user_id(runtime: Runtime, slug: str) -> uuid.UUID:
    with runtime.sessions() as db:
        user = find_user(db, runtime.registry.get(slug), "target")
        assert user is not None
        return user.id


def count(runtime: Runtime, slug: str, kind: str) -> int:
    with runtime.sessions() as db:
        return int(
            db.scalar(
                select(func.count()).where(
                    SecurityEvent.tenant_id == slug,
                    SecurityEvent.user_id == user_id(runtime, slug),
                    SecurityEvent.kind == kind,
                )
            )
            or 0
        )


def add_failures(runtime: Runtime, slug: str, n: int, latest_age: timedelta) -> None:
    owner, now = user_id(runtime, slug), utcnow()
    with runtime.sessions() as db:
        db.add_all(
            SecurityEvent(
                tenant_id=slug,
                kind="sign_in_failed",
                user_id=owner,
                ip_value="test",
                created_at=now - latest_age - timedelta(seconds=i),
                detail={"reason": "wrong_password"},
            )
            for i in range(n)
        )
        db.commit()


def advance_clock(runtime: Runtime, slug: str, by: timedelta) -> None:
    with runtime.sessions() as db:
        db.execute(
            update(SecurityEvent)
            .where(SecurityEvent.tenant_id == slug, SecurityEvent.user_id == user_id(runtime, slug))
            .values(created_at=SecurityEvent.created_at - by)
        )
        db.commit()


def retry_after(response: httpx.Response) -> int:
    assert response.status_code == 429, response.status_code
    seconds = int(response.headers["retry-after"])
    assert f"Try again in {seconds} seconds" in response.text
    return seconds


def test_failures_bring_a_growing_delay_that_a_sign_in_resets(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    sign_up(brand("vizardio"), "target@example.com", "target")
    sign_up(brand("songly"), "target@example.com", "target")
    assert [attempt(brand, "vizardio", f"guess {n} wrong").status_code for n in range(5)] == [
        401
    ] * 5
    # Ten failures in all: the eleventh attempt waits 2^5 seconds after the latest.
    add_failures(runtime, "vizardio", 5, timedelta(0))

    # The right password does not help while the delay runs: it is not even checked.
    first = attempt(brand, "vizardio", PASSWORD)
    assert 1 <= retry_after(first) <= 32
    assert "Too many failed sign-ins for this account" in first.text
    assert "warren_session" not in first.cookies
    # Refused attempts are not failures: hammering on does not push the delay further.
    for password in ["another wrong one", PASSWORD, "and again wrong"]:
        assert retry_after(attempt(brand, "vizardio", password)) <= 32
    assert count(runtime, "vizardio", "sign_in_failed") == 10
    assert count(runtime, "vizardio", "sign_in_throttled") == 4
    assert count(runtime, "vizardio", "sign_in") == 0
    # The same username on another brand is another account.
    assert attempt(brand, "songly", PASSWORD).status_code == 303

    advance_clock(runtime, "vizardio", timedelta(seconds=32))
    assert attempt(brand, "vizardio", PASSWORD).status_code == 303
    # Signed in: earlier failures no longer count (else the second of these would wait).
    assert [attempt(brand, "vizardio", f"guess {n} wrong").status_code for n in range(5)] == [
        401
    ] * 5


def test_the_delay_is_capped_at_fifteen_minutes(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    sign_up(brand("homiwork"), "target@example.com", "target")
    # A long attack: hundreds of failures, the latest 14 minutes ago.
    add_failures(runtime, "homiwork", 300, timedelta(minutes=14))
    assert 50 <= retry_after(attempt(brand, "homiwork", PASSWORD)) <= 60
    advance_clock(runtime, "homiwork", timedelta(seconds=61))
    assert attempt(brand, "homiwork", PASSWORD).status_code == 303


def test_failures_older_than_a_day_do_not_count(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    sign_up(brand("songly"), "target@example.com", "target")
    add_failures(runtime, "songly", 20, timedelta(hours=24, minutes=1))
    assert attempt(brand, "songly", "still the wrong one").status_code == 401
    assert attempt(brand, "songly", PASSWORD).status_code == 303
