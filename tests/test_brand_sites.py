"""Each brand answers on its own hosts with its own look and products; unknown hosts get nothing."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from webclient import BrandClient

BRANDS = {
    "vizardio": ("Vizardio", "support@vizardio.com", "Coat of arms"),
    "songly": ("Songly", "support@songly.gift", "Gift song"),
    "homiwork": ("Homiwork", "support@homiwork.com", "Homework helper"),
}


@pytest.mark.parametrize("slug", BRANDS)
def test_home_page_shows_the_brand_and_its_products(
    brand: Callable[..., BrandClient], slug: str
) -> None:
    name, support, product = BRANDS[slug]
    page = brand(slug).get("/")
    assert page.status_code == 200
    assert f"<title>{name}</title>" in page.text
    assert f'class="brand-{slug}"' in page.text
    assert product in page.text
    assert f"mailto:{support}" in page.text
    others = [other for other in BRANDS if other != slug]
    for other in others:
        assert BRANDS[other][0] not in page.text


@pytest.mark.parametrize("slug", BRANDS)
def test_brand_assets_come_from_the_brand_folder(
    brand: Callable[..., BrandClient], slug: str
) -> None:
    client = brand(slug)
    logo = client.get("/brand/logo.svg")
    assert logo.status_code == 200
    assert logo.headers["content-type"].startswith("image/svg+xml")
    theme = client.get("/brand/theme.css")
    assert f".brand-{slug}" in theme.text
    assert client.get("/brand/../templates/hero.html").status_code == 404
    assert client.get("/brand/nothing.css").status_code == 404


def test_production_domains_and_aliases_resolve(server: str, clean_db: None) -> None:
    for host, title in [
        ("vizardio.com", "Vizardio"),
        ("www.songly.gift", "Songly"),
        ("HOMIWORK.COM:443", "Homiwork"),
    ]:
        page = httpx.get(server + "/", headers={"Host": host})
        assert page.status_code == 200, host
        assert f"<title>{title}</title>" in page.text


@pytest.mark.parametrize(
    "host", ["unknown.example", "localhost", "127.0.0.1", "vizardio.com.evil.test", ""]
)
def test_unknown_host_gets_a_plain_404_naming_no_tenant(server: str, host: str) -> None:
    for path in ["/", "/privacy", "/sign-in", "/brand/logo.svg"]:
        page = httpx.get(server + path, headers={"Host": host})
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/plain")
        lowered = page.text.lower()
        for slug in BRANDS:
            assert slug not in lowered
        assert "set-cookie" not in page.headers
