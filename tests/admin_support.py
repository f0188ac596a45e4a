"""Signing in to the admin console in tests, through the real path: the service behind
`warren admins add`, the invitation email sent by the worker, the invitation page
(password and TOTP enrolment with pyotp) and the sign-in form."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pyotp
from inbox import link_in, mail_to

from warren.admin.accounts import invite
from warren.admin.models import AdminRole
from warren.db.unit_of_work import unit_of_work
from warren.runtime import Runtime

from conftest import worker_for
from webclient import BrandClient, field

PASSWORD = "console correct horse battery"
# The TOTP secret each admin enrolled, by email (tests compute codes from it).
SECRETS: dict[str, str] = {}


def invite_admin(runtime: Runtime, slug: str, email: str, role: str = "admin") -> str:
    """Invite as `warren admins add` does and let the worker send the email; returns the
    invitation link's path and query."""
    tenant = runtime.registry.get(slug)
    with unit_of_work(runtime.sessions) as db:
        invite(db, tenant, email, AdminRole(role), "cli:test")
    with worker_for(runtime, runtime.broker) as run:  # type: ignore[arg-type]
        run()
    sent = [m for m in mail_to(runtime.settings, email) if "/admin/invitation" in str(m)]
    assert sent, f"no invitation mailed to {email}"
    return link_in(sent[-1], "/admin/invitation")


def totp_secret_on(page: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert match, "no TOTP secret on the page"
    return match.group(1)


def accept(
    client: BrandClient, invitation: str, code: str | None = None
) -> tuple[httpx.Response, str]:
    """Open the invitation, set the password and enrol TOTP; the response and the secret."""
    page = client.get(invitation)
    assert page.status_code == 200, page.text
    secret = totp_secret_on(page.text)
    response = client.post(
        "/admin/invitation",
        data={
            "_csrf": field(page.text, "_csrf"),
            "token": field(page.text, "token"),
            "password": PASSWORD,
            "confirm": PASSWORD,
            "code": pyotp.TOTP(secret).now() if code is None else code,
        },
    )
    return response, secret


def next_code(secret: str) -> str:
    """A code for the step after the current one: accepted (clocks drift by a step) and
    later than a code just used, so a test never waits 30 seconds."""
    return pyotp.TOTP(secret).at(datetime.now(UTC), counter_offset=1)


def sign_in(client: BrandClient, email: str, code: str, password: str = PASSWORD) -> httpx.Response:
    return client.post_form(
        "/admin/sign-in",
        {"email": email, "password": password, "code": code},
    )


def console(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    slug: str,
    *,
    role: str = "admin",
    email: str | None = None,
    address: str | None = None,
) -> BrandClient:
    """A client signed in to /admin on ``slug``'s host as a new admin with ``role``
    (from ``address`` when given)."""
    email = email or f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    client = brand(slug, address)
    invitation = invite_admin(runtime, slug, email, role)
    accepted, secret = accept(client, invitation)
    assert accepted.status_code == 303, accepted.text
    SECRETS[email] = secret
    signed_in = sign_in(client, email, next_code(secret))
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"] == "/admin"
    return client


def post_console(client: BrandClient, path: str, data: dict[str, str]) -> httpx.Response:
    """POST a console form with the CSRF token of the signed-in console."""
    page = client.get("/admin")
    assert page.status_code == 200, page.text
    return client.post(path, data={**data, "_csrf": field(page.text, "_csrf")})
