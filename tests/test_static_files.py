"""warren's CSS and scripts: linked by fingerprinted names that may be cached for a year,
the plain names revalidated by ETag (304 while unchanged), on every brand's host."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from warren.paths import BASE_STATIC_DIR

from webclient import BrandClient

IMMUTABLE = "public, max-age=31536000, immutable"


def linked_css(client: BrandClient) -> str:
    found = re.search(
        r'<link rel="stylesheet" href="(/static/warren\.[0-9a-f]+\.css)">', client.get("/").text
    )
    assert found is not None
    return found.group(1)


def test_pages_link_the_fingerprinted_name_cached_for_a_year(
    brand: Callable[..., BrandClient],
) -> None:
    songly, homiwork = brand("songly"), brand("homiwork")
    url = linked_css(songly)
    # The name carries the content's own hash: a changed file is a new URL.
    digest = hashlib.sha256((BASE_STATIC_DIR / "warren.css").read_bytes()).hexdigest()[:16]
    assert url == f"/static/warren.{digest}.css"
    assert linked_css(homiwork) == url
    for client in (songly, homiwork):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == IMMUTABLE
        assert response.headers["content-type"].startswith("text/css")
        assert response.content == (BASE_STATIC_DIR / "warren.css").read_bytes()


def test_a_plain_name_is_revalidated_by_etag(brand: Callable[..., BrandClient]) -> None:
    client = brand("vizardio")
    first = client.get("/static/job.js")
    assert first.status_code == 200
    assert "immutable" not in first.headers["cache-control"]
    assert "no-cache" in first.headers["cache-control"]
    etag = first.headers["etag"]

    again = client.get("/static/job.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    changed = client.get("/static/job.js", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200
    assert changed.content == first.content


def test_unknown_or_stale_names_are_not_found(brand: Callable[..., BrandClient]) -> None:
    client = brand("songly")
    assert client.get("/static/warren.0000000000000000.css").status_code == 404
    assert client.get("/static/nothing.css").status_code == 404
    assert client.get("/static/..%2Fapp.py").status_code == 404
