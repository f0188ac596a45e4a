"""Each brand's main journey in a real browser (Debian's Chromium driven by Playwright), on a
desktop and a phone viewport, with axe-core checks on every page type visited: zero
serious or critical accessibility violations.

The browser is ``WARREN_TEST_BROWSER`` (default /usr/bin/chromium). Without one these
tests are skipped with the reason — unless ``WARREN_REQUIRE_BROWSER=1`` (set by .ci/run),
which turns a missing browser into a failure. Playwright's own browser download is not
used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from warren.accounts.lookup import find_user
from warren.billing.ledger import grant
from warren.library.models import ContentItem
from warren.runtime import Runtime

BROWSER = Path(os.environ.get("WARREN_TEST_BROWSER", "/usr/bin/chromium"))
REQUIRED = os.environ.get("WARREN_REQUIRE_BROWSER") == "1"
# Chromium's own background traffic is refused on a closed network; keep it quiet.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
PASSWORD = "a long and unusual passphrase"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not BROWSER.exists():
        reason = (
            f"no browser at {BROWSER}: install Debian's chromium (apt-get install chromium) "
            "or point WARREN_TEST_BROWSER at one"
        )
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(BROWSER), args=ARGS)
        yield browser
        browser.close()


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [
        f"{violation['id']}: {node['html'][:100]}"
        for violation in result.response["violations"]
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]


class Visit:
    """One browser context on one brand, checking every page it lands on."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.problems: list[str] = []
        self.checked: set[str] = set()

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.check()

    def check(self) -> None:
        kind = re.sub(r"[0-9a-f-]{36}", "<id>", self.page.url.removeprefix(self.base).split("?")[0])
        if kind in self.checked:
            return
        self.checked.add(kind)
        self.problems += [f"{kind} {problem}" for problem in serious_violations(self.page)]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("slug", ["vizardio", "songly", "homiwork"])
def test_main_journey(
    chromium: Any,
    server: str,
    runtime: Runtime,
    drain: Callable[[], None],
    clean_db: None,
    slug: str,
    viewport: str,
) -> None:
    tenant = runtime.registry.get(slug)
    port = server.rsplit(":", 1)[1]
    context = chromium.new_context(**VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(20_000)
    visit = Visit(page, f"http://{tenant.dev_host}:{port}")
    name = f"{slug[:4]}{viewport[:2]}"

    # Consent: the opt-in brand asks first; the others show a notice.
    visit.go("/")
    if tenant.analytics.consent == "opt_in":
        banner = page.locator("#consent-banner")
        assert banner.is_visible()
        banner.get_by_role("button", name="Decline").click()
        page.wait_for_url(re.compile(r".*/$"))
        assert page.locator("#consent-banner").count() == 0
    else:
        assert page.locator("#cookie-notice").is_visible()

    # Sign up, then sign in.
    visit.go("/sign-up")
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I am 18 or older").check()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/sign-up/check-email$"))
    visit.check()
    visit.go("/sign-in")
    page.get_by_label("Email or username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/account$"))
    visit.check()
    assert name in page.locator("#account-username").inner_text()

    with runtime.sessions() as db:
        user = find_user(db, tenant, name)
        assert user is not None
        grant(db, tenant, user.id, 500, "browser test")
        db.commit()

    # Order: the job page updates itself when the worker is done.
    product = next(key for key, p in tenant.products.items() if p.category == "poem")
    visit.go(f"/create/{product}")
    page.locator("textarea[name=prompt]").fill("A short poem about the sea for Ann")
    page.get_by_role("button", name=re.compile("Make it")).click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}$"))
    visit.check()
    drain()
    page.locator("#job-status", has_text="done").wait_for()
    page.locator("#job-result a.button").wait_for()
    # The poem itself is on the page, not only behind a download.
    assert (
        "sea" in page.locator("#result-text").inner_text().lower()
        or page.locator("#result-text").inner_text().strip()
    )
    visit.check()

    # A song plays in the page: the player loads it (byte ranges included).
    if any(p.category == "song" for p in tenant.products.values()):
        song = next(key for key, p in tenant.products.items() if p.category == "song")
        visit.go(f"/create/{song}")
        page.locator("textarea[name=prompt]").fill("A birthday song for Ann")
        page.get_by_role("button", name=re.compile("Make it")).click()
        page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}$"))
        drain()
        player = page.locator("#job-result audio")
        player.wait_for()
        page.wait_for_function(
            "() => document.querySelector('#job-result audio').readyState >= 1", timeout=20_000
        )
        assert page.evaluate("() => document.querySelector('#job-result audio').duration") > 0
        visit.check()

    # Chat: the reply appears without a reload.
    if tenant.assistants:
        visit.go("/assistants")
        assistant = next(iter(tenant.assistants))
        visit.go(f"/assistants/{assistant}")
        page.locator("textarea[name=message]").fill("Ideas for a birthday?")
        page.get_by_role("button", name="Send").click()
        page.wait_for_url(re.compile(rf".*/assistants/{assistant}$"))
        drain()
        page.locator("#chat li.chat-assistant").first.wait_for()

    # Library: delete, then restore from the trash.
    visit.go("/library")
    with runtime.sessions() as db:
        item = db.scalar(select(ContentItem).where(ContentItem.user_id == user.id))
        assert item is not None
    page.locator(f"#item-{item.id} a", has_text="Delete").click()
    page.wait_for_url(re.compile(r".*/library/delete\?item=.*"))
    visit.check()
    page.get_by_role("button", name="Move to the trash").click()
    page.locator(f"#trash-item-{item.id}").wait_for()
    visit.check()
    page.locator(f"#trash-item-{item.id} button", has_text="Restore").click()
    page.locator(f"#item-{item.id}").wait_for()

    # Cookie settings, and the policy.
    visit.go("/cookie-settings")
    if tenant.analytics.consent == "opt_in":
        page.get_by_role("button", name="Allow analytics").click()
        page.locator("#consent-state", has_text="allowed").wait_for()
    visit.go("/privacy")
    visit.go("/no-such-page")
    context.close()

    assert visit.problems == []
