"""Analytics consent per tenant mode: opt-in banner, GPC, cookie settings, notice."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from warren.privacy.consent_models import ConsentRecord
from warren.privacy.policy import policy_version
from warren.runtime import Runtime

from webclient import BrandClient

METRIKA = "mc.yandex.ru/metrika/tag.js"


def records(runtime: Runtime, slug: str) -> list[ConsentRecord]:
    with runtime.sessions() as db:
        return list(
            db.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.tenant_id == slug)
                .order_by(ConsentRecord.id)
            )
        )


def choose(client: BrandClient, choice: str, source: str = "banner", page: str = "/") -> None:
    response = client.post_form(
        "/consent", {"choice": choice, "source": source, "next": "/privacy"}, form_page=page
    )
    assert response.status_code == 303


def test_opt_in_first_visit_shows_banner_and_no_counter(brand: Callable[..., BrandClient]) -> None:
    client = brand("vizardio")
    for path in ["/", "/privacy", "/sign-up", "/cookie-settings"]:
        page = client.get(path)
        assert 'id="consent-banner"' in page.text, path
        assert METRIKA not in page.text, path
        assert "ym(" not in page.text, path


def test_allowing_loads_the_minimal_counter_and_records_the_choice(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    choose(client, "allow")
    page = client.get("/")
    assert 'id="consent-banner"' not in page.text
    assert METRIKA in page.text
    assert "ym(98765401" in page.text
    for setting in [
        "webvisor: false",
        "clickmap: false",
        "trackLinks: false",
        "accurateTrackBounce: false",
    ]:
        assert setting in page.text
    [record] = records(runtime, "vizardio")
    assert record.granted is True
    assert record.source == "banner"
    assert record.category == "analytics"
    assert record.policy_version == policy_version(runtime.registry.get("vizardio"))
    assert record.ip_value == client.address
    assert record.created_at is not None


def test_declining_hides_banner_and_counter(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    choose(client, "decline")
    page = client.get("/")
    assert 'id="consent-banner"' not in page.text
    assert METRIKA not in page.text
    assert [r.granted for r in records(runtime, "vizardio")] == [False]


def test_choice_can_be_changed_in_cookie_settings(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    choose(client, "allow")
    settings = client.get("/cookie-settings")
    assert "Current choice:" in settings.text
    assert "allowed" in settings.text
    response = client.post_form(
        "/consent", {"choice": "decline", "source": "settings"}, form_page="/cookie-settings"
    )
    assert response.headers["location"] == "/cookie-settings?saved=1"
    assert "declined" in client.get("/cookie-settings").text
    assert METRIKA not in client.get("/").text
    history = records(runtime, "vizardio")
    assert [(r.granted, r.source) for r in history] == [(True, "banner"), (False, "settings")]
    # Both choices belong to the same browser.
    assert history[0].visitor_id == history[1].visitor_id


def test_side_menu_has_cookie_settings_on_every_brand(brand: Callable[..., BrandClient]) -> None:
    for slug in ["vizardio", "songly", "homiwork"]:
        page = brand(slug).get("/")
        menu = page.text.split('class="side-menu"', 1)[1].split("</aside>", 1)[0]
        assert 'href="/cookie-settings">Cookie settings<' in menu


def test_gpc_is_a_refusal_in_opt_in_mode(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    client.headers["Sec-GPC"] = "1"
    page = client.get("/")
    assert 'id="consent-banner"' not in page.text
    assert METRIKA not in page.text
    # Even an earlier "allow" does not load the counter while the signal is sent.
    choose(client, "allow", page="/cookie-settings")
    assert METRIKA not in client.get("/").text
    assert "Global Privacy Control" in client.get("/cookie-settings").text
    [record] = records(runtime, "vizardio")
    assert record.granted is False
    assert record.source == "gpc"
    # Without the signal, the stored refusal still stands.
    del client.headers["Sec-GPC"]
    assert METRIKA not in client.get("/").text


def test_allow_cookie_with_gpc_header_loads_nothing(brand: Callable[..., BrandClient]) -> None:
    client = brand("vizardio")
    choose(client, "allow")
    assert METRIKA in client.get("/").text
    client.headers["Sec-GPC"] = "1"
    assert METRIKA not in client.get("/").text


def test_consent_post_without_csrf_is_refused(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    client.get("/")
    assert client.post("/consent", data={"choice": "allow"}).status_code == 403
    assert records(runtime, "vizardio") == []


def test_notice_mode_with_categories(brand: Callable[..., BrandClient]) -> None:
    page = brand("songly").get("/")
    assert 'id="consent-banner"' not in page.text
    assert 'id="cookie-notice"' in page.text
    notice = page.text.split('id="cookie-notice"', 1)[1].split("</div>", 1)[0]
    for category in ["essential", "functional", "analytics"]:
        assert f"<strong>{category}</strong>" in notice
    assert "browser settings" in notice
    assert METRIKA in page.text
    assert "webvisor: false" in page.text


def test_notice_mode_without_categories(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("homiwork")
    page = client.get("/")
    assert 'id="consent-banner"' not in page.text
    notice = page.text.split('id="cookie-notice"', 1)[1].split("</div>", 1)[0]
    assert "<strong>" not in notice
    assert "browser settings" in notice
    response = client.post_form("/consent", {"choice": "decline"}, form_page="/sign-in")
    assert response.status_code == 400
    assert records(runtime, "homiwork") == []


def test_only_necessary_cookies_are_set(brand: Callable[..., BrandClient]) -> None:
    client = brand("vizardio")
    client.get("/")
    choose(client, "allow")
    assert set(client.cookies.keys()) <= {"warren_csrf", "warren_consent", "warren_session"}
