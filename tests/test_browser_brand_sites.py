"""Each brand's own site in a real browser (Debian's Chromium driven by Playwright), on a
desktop and a phone viewport: the brand's home, a finished job with its result shown in
the page, the library with inline previews, the order history, the order form keeping
the prompt through a refused upload, cookie settings and the branded 404 — every page
checked with axe-core (zero serious or critical violations), none wider than the screen,
the menu reachable and operable from the keyboard, a long username kept to the header.

With ``WARREN_SCREENSHOTS=1`` the test also writes the screenshots docs/brand-sites.md
shows into docs/screenshots/ (normal runs leave the tree untouched).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_browser_journeys import VIEWPORTS, Visit, chromium  # noqa: F401 - the fixture

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.runtime import Runtime

from webclient import BrandClient, field, sign_up_and_sign_in

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
WRITE_SCREENSHOTS = os.environ.get("WARREN_SCREENSHOTS") == "1"
# 32 characters: the longest username sign-up accepts.
LONG_NAME = "Maximilian.Alexander-Worthington"
# What only this brand's home page shows.
OWN = {
    "vizardio": "The AI art studio",
    "songly": "Who is it for?",
    "homiwork": "one helper for the whole family",
}


def _order(client: BrandClient, product: str, prompt: str) -> str:
    token = field(client.get(f"/create/{product}").text, "_csrf")
    made = client.post(f"/create/{product}", data={"_csrf": token, "prompt": prompt})
    assert made.status_code == 303, made.text
    return str(made.headers["location"])


def _fits(page: Any, what: str, viewport: str) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"{what} is {wide}px wider than the {viewport} screen"


def _shoot(page: Any, slug: str, name: str, viewport: str) -> None:
    if WRITE_SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"brand-{slug}-{name}-{viewport}.png"))


def _focused(page: Any) -> str:
    return str(
        page.evaluate(
            "() => (document.activeElement.tagName + ' ' + document.activeElement.textContent)"
            ".trim()"
        )
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("slug", ["vizardio", "songly", "homiwork"])
def test_brand_site_pages(
    chromium: Any,  # noqa: F811 - the fixture imported above
    server: str,
    runtime: Runtime,
    brand: Callable[..., BrandClient],
    drain: Callable[[], None],
    slug: str,
    viewport: str,
) -> None:
    tenant = runtime.registry.get(slug)
    client = brand(slug)
    assert sign_up_and_sign_in(client, "max@example.com", LONG_NAME).status_code == 303
    with runtime.sessions() as db:
        user = find_user(db, tenant, LONG_NAME)
        assert user is not None
        grant(db, tenant, user.id, 500, "browser test")
        db.commit()
    image_job = _order(client, "portrait", "A portrait of Max in a blue coat")
    _order(client, "poem", "A short poem about the sea for Max")
    song = next((key for key, p in tenant.products.items() if p.category == "song"), None)
    if song:
        _order(client, song, "A birthday song for Max")
    drain()

    port = server.rsplit(":", 1)[1]
    base = f"http://{tenant.dev_host}:{port}"
    context = chromium.new_context(**VIEWPORTS[viewport])
    # The session the HTTP client signed in with, handed to the browser.
    context.add_cookies(
        [{"name": c.name, "value": c.value or "", "url": base} for c in client.cookies.jar]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    visit = Visit(page, base)
    try:
        # The brand's own home: its hero, illustration and colours.
        visit.go("/")
        if tenant.analytics.consent == "opt_in":
            page.locator("#consent-banner").get_by_role("button", name="Decline").click()
            page.locator("#consent-banner").wait_for(state="detached")
        assert OWN[slug] in page.locator("main").text_content()
        art = page.locator(".hero-art")
        art.wait_for()
        assert page.evaluate("() => document.querySelector('.hero-art').naturalWidth") > 0
        # The long username is cut with an ellipsis inside the header, not pushed out.
        name = page.locator(".account-nav .username")
        assert name.get_attribute("title") == LONG_NAME
        assert page.evaluate(
            "() => { const a = document.querySelector('.account-nav .username');"
            " return a.scrollWidth > a.clientWidth; }"
        ), "a 32-character username should be ellipsised"
        _fits(page, "home", viewport)
        _shoot(page, slug, "home", viewport)

        # The menu: folded behind its button on a phone, open on a desktop; either way
        # the keyboard reaches it after the skip link and can open it.
        menu = page.locator("#side-menu")
        page.locator("body").focus()
        page.keyboard.press("Tab")
        assert "skip" in _focused(page).lower()
        if viewport == "phone":
            assert menu.get_attribute("open") is None
            for _ in range(12):
                page.keyboard.press("Tab")
                if _focused(page).startswith("SUMMARY"):
                    break
            assert _focused(page).startswith("SUMMARY"), _focused(page)
            page.keyboard.press("Enter")
            assert menu.get_attribute("open") is not None
            page.keyboard.press("Tab")
            assert _focused(page) == "A Home"
            visit.checked.discard("/")
            visit.check()
        else:
            assert menu.get_attribute("open") is not None
            assert not page.locator("#side-menu summary").is_visible()

        # A finished image job shows the picture in the page.
        visit.go(image_job)
        page.locator("#job-status", has_text="done").wait_for()
        page.wait_for_function(
            "() => { const i = document.querySelector('#job-result img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        _fits(page, "job", viewport)
        _shoot(page, slug, "job", viewport)

        # The library previews each item where it is listed.
        visit.go("/library")
        page.wait_for_function(
            "() => { const i = document.querySelector('#items img.thumb');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        if song:
            assert page.locator("#items audio").count() == 1
        assert page.locator("#items a", has_text="Read it").count() == 1
        _fits(page, "library", viewport)
        _shoot(page, slug, "library", viewport)

        # The order history lists the three orders with their state.
        visit.go("/account/orders")
        rows = page.locator("#made-orders tbody tr")
        assert rows.count() == (3 if song else 2)
        assert page.locator("#made-orders .state-done").count() == rows.count()
        _fits(page, "orders", viewport)

        # A refused reference file leaves the typed prompt where it was.
        visit.go("/create/portrait")
        typed = "Max and his dog on the beach at sunset"
        page.locator("textarea[name=prompt]").fill(typed)
        page.locator("#add-reference input[type=file]").set_input_files(
            files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}]
        )
        page.get_by_role("button", name=re.compile("Upload it")).click()
        page.locator("#file-error").wait_for()
        assert page.locator("textarea[name=prompt]").input_value() == typed
        visit.checked.discard("/create/portrait/upload")
        visit.check()

        visit.go("/cookie-settings")
        page.locator("#cookie-table").wait_for()
        _fits(page, "cookie settings", viewport)
        visit.go("/no-such-page")
        assert page.locator("body.brand-" + slug).count() == 1
    finally:
        context.close()
    assert visit.problems == []
