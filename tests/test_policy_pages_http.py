"""Each brand's policy page, as served, states its seed's facts; config drives page and code alike."""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import tomli_w
from sqlalchemy import select

from warren.accounts.models import SecurityEvent
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings

from conftest import serving
from policy_facts import missing_facts, unexpected_facts
from webclient import BrandClient, new_address, sign_up

ROOT = Path(__file__).resolve().parents[1]
SLUGS = ["vizardio", "songly", "homiwork"]


def policy_fragment(page: str) -> str:
    """The policy article alone: menus and footers around it are not the policy."""
    match = re.search(r'<article class="policy">(.*?)</article>', page, re.S)
    assert match, "no policy article on the page"
    return html.unescape(match.group(1))


@pytest.mark.parametrize("slug", SLUGS)
def test_policy_page_states_every_fact_of_the_brands_policy(
    brand: Callable[..., BrandClient], slug: str
) -> None:
    page = brand(slug).get("/privacy")
    assert page.status_code == 200
    fragment = policy_fragment(page.text)
    assert missing_facts(slug, fragment) == []
    assert unexpected_facts(slug, fragment) == []


@pytest.mark.parametrize("slug", SLUGS)
def test_policy_downloads_as_markdown(brand: Callable[..., BrandClient], slug: str) -> None:
    response = brand(slug).get("/privacy.md")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert f'filename="{slug}-privacy-policy.md"' in response.headers["content-disposition"]
    assert response.text.startswith("# Privacy Policy")
    assert missing_facts(slug, response.text) == []


def test_policies_differ_where_the_brands_do(brand: Callable[..., BrandClient]) -> None:
    pages = {slug: policy_fragment(brand(slug).get("/privacy").text) for slug in SLUGS}
    assert "Face data" in pages["homiwork"]
    assert "Face data" not in pages["songly"]
    assert "support@songly.gift" in pages["songly"]
    assert "support@songly.gift" not in pages["vizardio"]
    assert "April 30, 2026" in pages["songly"]
    assert "May 2026" in pages["vizardio"]


def test_changing_config_changes_both_the_text_and_the_behaviour(
    tmp_path: Path, settings: Settings, database_url: str, clean_db: None
) -> None:
    data = tomllib.loads((ROOT / "tenants.toml").read_text())
    data["songly"]["ip"]["mode"] = "raw"
    data["songly"]["retention"]["upload_days"] = 10
    registry_path = tmp_path / "tenants.toml"
    registry_path.write_bytes(tomli_w.dumps(data).encode())
    runtime: Runtime = build_runtime(
        settings.model_copy(update={"tenants_file": registry_path}), database_url, broker=None
    )
    address = new_address()
    try:
        with serving(runtime) as url, BrandClient(url, "songly.localhost", address) as client:
            text = policy_fragment(client.get("/privacy").text)
            assert "10 (ten) calendar days" in text
            assert "hash of the network address" not in text.lower()
            assert "IP address" in text
            assert sign_up(client, "cfg@example.com", "configured").status_code == 303
        with runtime.sessions() as db:
            [event] = db.scalars(select(SecurityEvent).where(SecurityEvent.tenant_id == "songly"))
        # The same switch made the code keep the raw address, as the text now says.
        assert event.ip_value == address
    finally:
        runtime.close()


def test_policy_page_is_not_served_to_unknown_hosts(server: str) -> None:
    assert httpx.get(server + "/privacy.md", headers={"Host": "example.org"}).status_code == 404


@pytest.mark.parametrize("slug", SLUGS)
def test_policy_page_has_contents_and_a_readable_date(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str
) -> None:
    page = brand(slug).get("/privacy").text
    tenant = runtime.registry.get(slug)
    assert f"Last updated {tenant.policy.last_updated_text}" in page
    contents = re.search(r'<nav class="policy-toc"[^>]*>(.*?)</nav>', page, re.S)
    assert contents is not None
    links = [
        (anchor, html.unescape(title))
        for anchor, title in re.findall(r'<a href="#([^"]+)">([^<]+)</a>', contents.group(1))
    ]
    headings = [
        (anchor, html.unescape(title))
        for anchor, title in re.findall(r'<h2 id="([^"]+)">([^<]+)</h2>', policy_fragment(page))
    ]
    assert len(links) >= 10
    # Every entry leads to its section, in the same order, and every section is listed.
    assert links == headings
    assert len({anchor for anchor, _ in links}) == len(links)
