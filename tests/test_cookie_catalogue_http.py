"""The cookie list a brand publishes is the list its pages set: real requests (first
visit, sign-up, sign-in, the account page, the consent choice and its withdrawal, cookie
settings, the language switcher, sign-out) are made on an opt-in and on a notice brand, and every Set-Cookie
seen is compared with ``warren.privacy.cookie_catalogue`` for that brand, both ways, with
its lifetime; the policy text lists exactly those cookies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.cookies import SimpleCookie

import httpx
import pytest

from warren.privacy.cookie_catalogue import CATALOGUE, cookies_for
from warren.privacy.policy import render_policy_markdown
from warren.runtime import Runtime

from webclient import BrandClient, new_address, sign_up_and_sign_in


class Recorder:
    def __init__(self) -> None:
        # name -> every Max-Age seen (None: a cookie for the browser session)
        self.set: dict[str, set[int | None]] = {}
        self.expired: set[str] = set()

    def __call__(self, response: httpx.Response) -> None:
        for key, value in response.headers.multi_items():
            if key.lower() != "set-cookie":
                continue
            morsel = next(iter(SimpleCookie(value).values()))
            max_age = int(morsel["max-age"]) if morsel["max-age"] else None
            if max_age == 0:
                self.expired.add(morsel.key)
            else:
                self.set.setdefault(morsel.key, set()).add(max_age)


@pytest.fixture
def recorded(server: str, clean_db: None) -> Iterator[tuple[Recorder, BrandClient, BrandClient]]:
    recorder = Recorder()
    clients = [
        BrandClient(
            server, f"{slug}.localhost", new_address(), event_hooks={"response": [recorder]}
        )
        for slug in ("vizardio", "homiwork")
    ]
    yield recorder, clients[0], clients[1]
    for client in clients:
        client.close()


def journey(client: BrandClient, name: str) -> None:
    client.get("/")
    client.get("/privacy")
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    client.get("/account")
    client.post_form("/consent", {"choice": "allow", "source": "settings"}, "/cookie-settings")
    client.get("/cookie-settings")
    client.post_form("/language", {"language": "ru", "next": "/"}, "/")
    client.post_form("/account/consent/withdraw", {}, "/account")
    client.post_form("/sign-out", {}, "/account")
    client.get("/")


@pytest.mark.parametrize("slug", ["vizardio", "homiwork"])
def test_every_cookie_set_is_in_the_catalogue_and_every_catalogued_one_is_set(
    recorded: tuple[Recorder, BrandClient, BrandClient], runtime: Runtime, slug: str
) -> None:
    recorder, vizardio, homiwork = recorded
    journey(vizardio if slug == "vizardio" else homiwork, f"cookie-{slug}")
    tenant = runtime.registry.get(slug)
    expected = {entry.name: {entry.max_age} for entry in cookies_for(tenant)}
    assert recorder.set == expected
    assert recorder.expired <= {entry.name for entry in CATALOGUE}
    published = set(re.findall(r"^- (warren_\w+): ", render_policy_markdown(tenant), re.M))
    assert published == set(expected)


def test_the_brands_differ_as_the_catalogue_says(runtime: Runtime) -> None:
    names = {
        tenant.slug: {entry.name for entry in cookies_for(tenant)} for tenant in runtime.registry
    }
    assert "warren_consent" in names["vizardio"]
    assert "warren_consent" not in names["homiwork"]
