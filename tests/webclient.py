"""Talking to the served app as a browser on one brand's host, from one address."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx

_addresses = itertools.count(1)


def new_address(v6: bool = False) -> str:
    """A documentation-range address no other test uses in this run."""
    n = next(_addresses)
    if v6:
        return f"2001:db8:0:{n:x}::{n:x}"
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


class BrandClient(httpx.Client):
    """An HTTP client speaking to one brand's host, from one client address."""

    def __init__(self, base_url: str, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(
            base_url=base_url,
            headers={"Host": host, "X-Forwarded-For": address},
            follow_redirects=False,
            timeout=30,
            **kwargs,
        )
        self.brand_host = host
        self.address = address

    def csrf(self, path: str = "/sign-in") -> str:
        return field(self.get(path).text, "_csrf")

    def post_form(
        self, path: str, data: dict[str, str], form_page: str | None = None
    ) -> httpx.Response:
        token = self.csrf(form_page or path)
        return self.post(path, data={**data, "_csrf": token})


def field(html: str, name: str) -> str:
    """The value of the hidden form field ``name`` on a page."""
    match = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', html)
    assert match, f"no {name} field on the page"
    return match.group(1)


def sign_up(
    client: BrandClient, email: str, username: str, password: str = "correct horse battery"
) -> httpx.Response:
    page = client.get("/sign-up")
    return client.post(
        "/sign-up",
        data={
            "_csrf": field(page.text, "_csrf"),
            "policy_version": field(page.text, "policy_version"),
            "email": email,
            "username": username,
            "password": password,
            "adult": "yes",
        },
    )


def sign_up_and_sign_in(
    client: BrandClient, email: str, username: str, password: str = "correct horse battery"
) -> httpx.Response:
    """Sign up, then sign in as the new user (signing up alone starts no session)."""
    signed_up = sign_up(client, email, username, password)
    assert signed_up.status_code == 303, signed_up.text
    assert signed_up.headers["location"] == "/sign-up/check-email"
    return client.post_form("/sign-in", {"login": username, "password": password})
