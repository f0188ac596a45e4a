"""What sign-up accepts as a password: long enough, not common, not the user's own names."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from warren.accounts.models import User
from warren.runtime import Runtime

from webclient import BrandClient, sign_up


def password_error(html: str) -> str:
    """The message shown under the password field."""
    match = re.search(r'autocomplete="new-password"></label>\s*<p class="error">([^<]*)</p>', html)
    assert match, "no message under the password field"
    return match.group(1)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password1", "at least 10 characters"),
        ("password123", "one of the most common passwords"),
        ("QwertyUiop", "one of the most common passwords"),
        ("  1234567890 ", "one of the most common passwords"),
        ("my name is Kestrel!", "must not contain your username"),
        ("falconry-is-my-life", "must not contain your email address"),
    ],
)
@pytest.mark.parametrize("slug", ["vizardio", "songly"])
def test_weak_passwords_are_refused_with_the_reason(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str, password: str, message: str
) -> None:
    response = sign_up(brand(slug), "Falconry@example.com", "kestrel", password)
    assert response.status_code == 400
    assert message in password_error(response.text)
    # The other fields were fine, and say nothing.
    assert response.text.count('<p class="error">') == 1
    with runtime.sessions() as db:
        assert db.scalars(select(User).where(User.tenant_id == slug)).all() == []


def test_every_problem_of_a_password_is_named(brand: Callable[..., BrandClient]) -> None:
    response = sign_up(brand("homiwork"), "qwerty@example.com", "qwerty", "qwertyuiop")
    error = password_error(response.text)
    assert "one of the most common passwords" in error
    assert "must not contain your username" in error
    assert "must not contain your email address" in error


def test_a_strong_password_with_a_short_name_in_it_is_accepted(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    # A two-letter local part is in countless passwords; forbidding it would protect nothing.
    response = sign_up(brand("homiwork"), "jo@example.com", "joanna", "jolly tiger forest")
    assert response.status_code == 303
    with runtime.sessions() as db:
        assert len(db.scalars(select(User).where(User.tenant_id == "homiwork")).all()) == 1
