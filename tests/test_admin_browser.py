"""The tenant admin console in a real browser: signed in with password and TOTP, every
page type of the console checked with axe-core (zero serious or critical violations) on
a desktop and a phone viewport, and no page wider than the phone's screen.

With ``WARREN_SCREENSHOTS=1`` the test also writes the screenshots docs/admin-guide.md
shows into docs/screenshots/ (normal runs leave the tree untouched).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_browser_journeys import VIEWPORTS, Visit, chromium  # noqa: F401 - the fixture

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.db.base import utcnow
from warren.rights.deadlines import Jurisdiction
from warren.rights.models import RequestChannel, RequestKind
from warren.rights.requests import open_request
from warren.runtime import Runtime

from admin_support import PASSWORD, SECRETS, accept, invite_admin, next_code
from webclient import BrandClient, sign_up_and_sign_in

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
WRITE_SCREENSHOTS = os.environ.get("WARREN_SCREENSHOTS") == "1"


def an_admin(brand: Callable[..., BrandClient], runtime: Runtime, slug: str) -> str:
    """A new admin of ``slug`` who has accepted the invitation; their email."""
    email = f"console-{uuid.uuid4().hex[:8]}@example.com"
    invitation = invite_admin(runtime, slug, email, "admin")
    accepted, secret = accept(brand(slug), invitation)
    assert accepted.status_code == 303, accepted.text
    SECRETS[email] = secret
    return email


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_console_is_accessible_and_fits_a_phone(
    chromium: Any,  # noqa: F811 - the fixture imported above
    server: str,
    runtime: Runtime,
    brand: Callable[..., BrandClient],
    viewport: str,
) -> None:
    slug = "songly"
    tenant = runtime.registry.get(slug)
    member = brand(slug)
    assert sign_up_and_sign_in(member, "member@example.com", "member").status_code == 303
    with runtime.sessions() as db:
        user = find_user(db, tenant, "member")
        assert user is not None
        grant(db, tenant, user.id, 40, "welcome")
        request = open_request(
            db,
            tenant,
            RequestKind.ACCESS,
            RequestChannel.WEB,
            Jurisdiction.GDPR,
            utcnow(),
            "test",
            user.id,
        )
        db.commit()
        user_id, request_id = user.id, request.id
    email = an_admin(brand, runtime, slug)

    port = server.rsplit(":", 1)[1]
    context = chromium.new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(20_000)
    visit = Visit(page, f"http://{tenant.dev_host}:{port}")
    try:
        visit.go("/admin/sign-in")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Code", exact=False).fill(next_code(SECRETS[email]))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/admin")
        visit.check()
        # A draft with a new support address, so the diff and preview show a change.
        visit.go("/admin/config/section/contact")
        page.get_by_label("Support address").fill("help-desk@songly.gift")
        page.get_by_role("button", name="Save to the draft").click()
        page.wait_for_url("**/admin/config**")
        visit.check()
        pages = {
            "dashboard": "/admin",
            "users": "/admin/users?q=member",
            "user": f"/admin/users/{user_id}",
            "requests": "/admin/requests",
            "request": f"/admin/requests/{request_id}",
            "moderation": "/admin/moderation",
            "audit": "/admin/audit",
            "config": "/admin/config",
            "config-section": "/admin/config/section/analytics",
            "config-diff": "/admin/config/diff",
            "config-preview": "/admin/config/preview",
        }
        for name, path in pages.items():
            visit.go(path)
            assert page.locator("h1").count() == 1, name
            wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 1, f"{name} is {wide}px wider than the {viewport} screen"
            if WRITE_SCREENSHOTS:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=str(SCREENSHOTS / f"admin-{name}-{viewport}.png"), full_page=True
                )
        # The keyboard reaches the skip link first, and it leads to the content.
        visit.go("/admin")
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.textContent.trim()")
        assert "skip" in focused.lower(), focused
        # The draft goes, so the brand's configuration is as the other tests expect.
        visit.go("/admin/config")
        page.get_by_role("button", name="Discard the draft").click()
        page.wait_for_url("**/admin/config**")
        visit.go("/admin/config/diff")
        assert "help-desk@songly.gift" not in page.content()
    finally:
        context.close()
    assert visit.problems == []
