"""The account page: profile, language, marketing emails (off by default, verified
addresses only, recorded), consent status and one-click withdrawal, points and Prime."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from warren.accounts.models import User
from warren.db.base import utcnow
from warren.privacy.consent_models import ConsentRecord
from warren.privacy.policy import policy_version
from warren.runtime import Runtime

from webclient import BrandClient, sign_up_and_sign_in


def save(client: BrandClient, **choices: str) -> int:
    return client.post_form(
        "/account/preferences", {"language": "en", **choices}, form_page="/account"
    ).status_code


def verify(runtime: Runtime, slug: str) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(update(User).where(User.tenant_id == slug).values(email_verified_at=utcnow()))


def records(runtime: Runtime, slug: str) -> list[ConsentRecord]:
    with runtime.sessions() as db:
        return list(
            db.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.tenant_id == slug)
                .order_by(ConsentRecord.id)
            )
        )


def test_the_page_shows_profile_security_links_and_balances(
    brand: Callable[..., BrandClient],
) -> None:
    client = brand("homiwork")
    sign_up_and_sign_in(client, "page@example.com", "pageview")
    page = client.get("/account")
    assert page.status_code == 200
    for expected in (
        'id="account-username">pageview',
        "page@example.com",
        'href="/account/password"',
        'href="/account/two-factor"',
        'href="/account/sessions"',
        'href="/account/email"',
        'id="account-balance"',
        'id="account-prime">no',
        'id="consent-marketing">no',
        '<option value="en" selected lang="en">English</option>',
    ):
        assert expected in page.text, expected
    assert save(client, language="xx") == 400


def test_marketing_emails_need_a_verified_address_and_each_choice_is_recorded(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("songly")
    sign_up_and_sign_in(client, "news@example.com", "newsreader")
    assert save(client, marketing="yes") == 403
    assert records(runtime, "songly") == []
    verify(runtime, "songly")
    assert save(client, marketing="yes") == 303
    assert 'id="consent-marketing">yes' in client.get("/account").text
    assert save(client) == 303
    history = records(runtime, "songly")
    assert [(r.category, r.granted, r.source) for r in history] == [
        ("marketing", True, "account"),
        ("marketing", False, "account"),
    ]
    assert {r.policy_version for r in history} == {policy_version(runtime.registry.get("songly"))}
    assert all(r.user_id is not None for r in history)


def test_one_click_withdraws_analytics_and_marketing_and_gpc_still_rules(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client = brand("vizardio")
    sign_up_and_sign_in(client, "withdraw@example.com", "withdrawer")
    verify(runtime, "vizardio")
    client.post_form(
        "/consent", {"choice": "allow", "source": "banner", "next": "/"}, form_page="/"
    )
    save(client, marketing="yes")
    assert 'id="consent-analytics">allowed' in client.get("/account").text
    assert "mc.yandex.ru" in client.get("/").text

    withdrawn = client.post_form("/account/consent/withdraw", {}, form_page="/account")
    assert withdrawn.status_code == 303
    page = client.get("/account")
    assert 'id="consent-analytics">off' in page.text
    assert 'id="consent-marketing">no' in page.text
    assert "mc.yandex.ru" not in client.get("/").text
    latest = {(r.category): (r.granted, r.source) for r in records(runtime, "vizardio")}
    assert latest == {"analytics": (False, "account"), "marketing": (False, "account")}

    # A Global Privacy Control signal keeps analytics off whatever was chosen before.
    client.post_form(
        "/consent", {"choice": "allow", "source": "banner", "next": "/"}, form_page="/"
    )
    gpc = client.get("/account", headers={"Sec-GPC": "1"})
    assert 'id="consent-analytics">off (your browser' in gpc.text
