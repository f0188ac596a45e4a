"""Each brand is its own site: its own home page, illustrations, icons and web app
manifest, served with the right types — and none of another brand's."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from jinja2 import TemplateNotFound
from PIL import Image

from warren.privacy.consent import ConsentState
from warren.privacy.cookie_catalogue import cookies_for
from warren.runtime import Runtime
from warren.web.render import _page_vars
from warren.web.templating import Templates

from webclient import BrandClient

# What only that brand's home page says, and its illustration.
IDENTITY = {
    "vizardio": ("The AI art studio", "/brand/studio.svg"),
    "songly": ("Who is it for?", "/brand/gift.svg"),
    "homiwork": ("one helper for the whole family", "/brand/desk.svg"),
}


@pytest.mark.parametrize("slug", IDENTITY)
def test_each_home_page_is_the_brands_own(brand: Callable[..., BrandClient], slug: str) -> None:
    phrase, art = IDENTITY[slug]
    page = brand(slug).get("/")
    assert page.status_code == 200
    assert phrase in page.text
    assert f'src="{art}"' in page.text
    # The base page's parts are still there: products, skip link, the menu.
    assert 'id="product-' in page.text
    assert 'class="skip-link"' in page.text
    assert '<details class="side-menu" id="side-menu" open>' in page.text
    for other, (other_phrase, other_art) in IDENTITY.items():
        if other != slug:
            assert other_phrase not in page.text
            assert other_art not in page.text


@pytest.mark.parametrize("slug", IDENTITY)
def test_illustrations_icons_and_manifest_are_served_with_their_types(
    brand: Callable[..., BrandClient], slug: str, runtime: Runtime
) -> None:
    client = brand(slug)
    tenant = runtime.registry.get(slug)
    art = client.get(IDENTITY[slug][1])
    assert art.status_code == 200
    assert art.headers["content-type"].startswith("image/svg+xml")
    assert art.text.lstrip().startswith("<svg")

    page = client.get("/").text
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in page
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert f'<meta name="theme-color" content="{tenant.theme.primary}">' in page

    for path in ("/apple-touch-icon.png", "/favicon.ico"):
        icon = client.get(path)
        assert icon.status_code == 200, path
        assert icon.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(icon.content)) as image:
            assert image.format == "PNG"
            assert image.size == (180, 180)
            # The icon is in the brand's colour: its top-left pixel is the primary.
            red, green, blue = image.convert("RGB").getpixel((0, 0))
            assert f"#{red:02x}{green:02x}{blue:02x}" == tenant.theme.primary

    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["name"] == tenant.name
    assert data["theme_color"] == tenant.theme.primary
    assert data["background_color"] == tenant.theme.background
    assert data["start_url"] == "/"
    assert {icon["src"] for icon in data["icons"]} == {"/brand/logo.svg", "/apple-touch-icon.png"}


def test_three_icons_three_manifests(brand: Callable[..., BrandClient]) -> None:
    icons = {slug: brand(slug).get("/apple-touch-icon.png").content for slug in IDENTITY}
    manifests = {slug: brand(slug).get("/manifest.webmanifest").json()["name"] for slug in IDENTITY}
    assert len(set(icons.values())) == 3
    assert sorted(manifests.values()) == ["Homiwork", "Songly", "Vizardio"]


def test_icons_are_the_brands_own_file_only(brand: Callable[..., BrandClient]) -> None:
    # Another brand's folder is never reachable from this brand's asset path.
    client = brand("songly")
    assert client.get("/brand/../../vizardio/static/apple-touch-icon.png").status_code == 404
    assert client.get("/brand/apple-touch-icon.png").content == client.get("/favicon.ico").content


def test_a_brand_home_extends_the_base_under_its_base_name(
    tmp_path: Path, runtime: Runtime
) -> None:
    # A brand's home.html may extend "base/home.html" (always the shared one), and a brand
    # cannot shadow that name with a file of its own.
    folder = tmp_path / "vizardio" / "templates"
    (folder / "base").mkdir(parents=True)
    (folder / "home.html").write_text(
        '{% extends "base/home.html" %}{% block products_heading %}OWN{% endblock %}'
    )
    (folder / "base" / "home.html").write_text("SHADOW")
    (folder / "hero.html").write_text("<p>{{ _('Hello %(who)s', who='Ann') }}</p>")
    templates = Templates(runtime.registry, tmp_path)
    tenant = runtime.registry.get("vizardio")
    page = {
        **_page_vars(tenant, None, ConsentState(None, None, gpc=False), "x", "n", "/"),
        "products": tenant.products,
    }
    html = templates.render(tenant, "home.html", page)
    assert "<h2>OWN</h2>" in html
    assert "<p>Hello Ann</p>" in html
    assert "SHADOW" not in html
    with pytest.raises(TemplateNotFound):
        templates.render(tenant, "base/nothing.html", page)


@pytest.mark.parametrize("slug", IDENTITY)
def test_cookie_settings_list_the_cookies_the_brand_sets(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str
) -> None:
    tenant = runtime.registry.get(slug)
    page = brand(slug).get("/cookie-settings")
    assert page.status_code == 200
    listed = re.findall(r'<tr data-cookie="([a-z_]+)">', page.text)
    assert listed == [entry.name for entry in cookies_for(tenant)]
    for entry in cookies_for(tenant):
        assert f"<td>{entry.lifetime}</td>" in page.text
    if tenant.analytics.consent == "notice":
        # No choice to make here: the page says how to refuse instead.
        assert 'id="notice-controls"' in page.text
        assert 'name="choice"' not in page.text
    else:
        assert 'name="choice" value="allow"' in page.text


RUSSIAN = {
    "vizardio": "Студия ИИ-искусства",
    "songly": "Для кого песня?",
    "homiwork": "один помощник на всю семью",
}


@pytest.mark.parametrize("slug", RUSSIAN)
def test_each_brands_own_pages_speak_russian_too(
    brand: Callable[..., BrandClient], slug: str
) -> None:
    page = brand(slug).get("/", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    assert RUSSIAN[slug] in page.text
    assert IDENTITY[slug][0] not in page.text
