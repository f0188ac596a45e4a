"""What the brand pages keep between requests (warren.publishing.published_versions)
must stay per brand and must not outlive a publication: a policy page viewed before a
version is published lists it right after, and only on that brand."""

from __future__ import annotations

import threading
from collections.abc import Callable

from publishing_support import brand, own_database, own_settings, pub_runtime, pub_server
from sqlalchemy import event

from warren.runtime import Runtime
from warren.web.cookies import SESSION

from admin_support import console
from webclient import BrandClient, field

__all__ = ["brand", "own_database", "own_settings", "pub_runtime", "pub_server"]


def _post(client: BrandClient, path: str, data: dict[str, str]) -> int:
    page = client.get("/admin/config")
    assert page.status_code == 200, page.text
    return client.post(path, data={**data, "_csrf": field(page.text, "_csrf")}).status_code


def test_the_version_list_follows_a_publication_and_stays_with_its_brand(
    brand: Callable[..., BrandClient], pub_runtime: Runtime
) -> None:
    # Both brands' lists are read (and kept) before anything is published.
    assert 'id="policy-versions"' not in brand("songly").get("/privacy").text
    assert 'id="policy-versions"' not in brand("homiwork").get("/privacy").text

    admin = console(brand, pub_runtime, "songly")
    assert _post(admin, "/admin/config/section/ip", {"ip.mode": "hashed"}) == 303
    assert _post(admin, "/admin/config/publish", {"when": "now"}) == 303

    songly = brand("songly").get("/privacy").text
    assert 'href="/privacy/versions/1"' in songly
    homiwork = brand("homiwork").get("/privacy").text
    assert 'id="policy-versions"' not in homiwork
    assert "/privacy/versions/" not in homiwork


def test_anonymous_pages_open_no_database_connection(
    brand: Callable[..., BrandClient], pub_runtime: Runtime
) -> None:
    """The home page never needs the database, and the policy page only for its first
    view under a configuration; a visitor with a session cookie is still looked up."""
    for slug in ("songly", "homiwork"):
        assert brand(slug).get("/privacy").status_code == 200
    checkouts: list[str] = []

    def count(*_: object) -> None:
        # The registry's poll (its own thread) reads the database on its own schedule.
        if threading.current_thread().name != "warren-registry-watch":
            checkouts.append(threading.current_thread().name)

    event.listen(pub_runtime.engine, "checkout", count)
    try:
        for slug in ("songly", "homiwork"):
            visitor = brand(slug)
            for path in ("/", "/privacy", "/"):
                assert visitor.get(path).status_code == 200, path
        assert checkouts == []
        # The listener is live: a session cookie is looked up (and this one refused).
        brand("songly").get("/", headers={"Cookie": f"{SESSION}=not-a-session"})
        assert checkouts
    finally:
        event.remove(pub_runtime.engine, "checkout", count)
