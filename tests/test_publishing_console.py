"""The configuration console end to end over HTTP on two brands: an admin changes the
support address and the analytics mode, previews, sees the diff and publishes; the
policy page and the consent banner change together, users are emailed, the audit log
holds both actions, and the other brand is untouched and closed to this one's admin."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from dramatiq.brokers.stub import StubBroker
from inbox import mail_to, text_of
from publishing_support import (
    brand,
    make_users,
    own_database,
    own_settings,
    pub_runtime,
    pub_server,
)
from sqlalchemy import select

from warren.admin.models import AuditEntry
from warren.runtime import Runtime

from admin_support import console
from conftest import worker_for
from webclient import BrandClient, field

__all__ = ["brand", "own_database", "own_settings", "pub_runtime", "pub_server"]

NEW_SUPPORT = "help@songly.example"


def _article(page: str) -> str:
    start, end = page.index('<article class="policy">'), page.index("</article>")
    return page[start:end]


def _post(client: BrandClient, path: str, data: dict[str, str | list[str]]) -> object:
    page = client.get("/admin/config")
    assert page.status_code == 200, page.text
    return client.post(path, data={**data, "_csrf": field(page.text, "_csrf")})


def test_change_preview_diff_publish_on_one_brand_only(
    brand: Callable[..., BrandClient], pub_runtime: Runtime, stub_broker: StubBroker
) -> None:
    songly_users = make_users(pub_runtime, "songly", 3)
    homiwork_users = make_users(pub_runtime, "homiwork", 2)
    old_support = pub_runtime.registry.get("songly").support_email
    homiwork_policy = _article(brand("homiwork").get("/privacy").text)

    admin = console(brand, pub_runtime, "songly")
    support = console(brand, pub_runtime, "songly", role="support")
    other = console(brand, pub_runtime, "homiwork")
    visitor = brand("songly")
    assert 'id="consent-banner"' not in visitor.get("/").text
    assert 'id="cookie-notice"' in visitor.get("/").text

    # Bad input: a 400 naming the field, and nothing saved.
    bad = _post(admin, "/admin/config/section/contact", {"support_email": "nobody"})
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert 'id="support_email-error"' in bad.text  # type: ignore[attr-defined]
    assert "support_email:" in bad.text  # type: ignore[attr-defined]
    negative = _post(admin, "/admin/config/section/retention", {"retention.upload_days": "-1"})
    assert negative.status_code == 400  # type: ignore[attr-defined]
    assert "retention.upload_days" in negative.text  # type: ignore[attr-defined]
    assert "No draft" in admin.get("/admin/config").text

    form = admin.get("/admin/config/section/analytics")
    assert 'value="notice" selected' in form.text
    saved = _post(admin, "/admin/config/section/contact", {"support_email": NEW_SUPPORT})
    assert saved.status_code == 303, saved.text  # type: ignore[attr-defined]
    # With only the address changed, the draft keeps songly's contradiction, and the
    # console warns as tenants check does.
    assert "receives every visitor&#39;s raw address" in admin.get("/admin/config").text
    saved = _post(
        admin,
        "/admin/config/section/analytics",
        {
            "analytics.consent": "opt_in",
            "analytics.notice_categories": ["essential", "functional", "analytics"],
        },
    )
    assert saved.status_code == 303, saved.text  # type: ignore[attr-defined]
    overview = admin.get("/admin/config").text
    assert "analytics.consent" in overview
    assert "(material)" in overview
    # songly hashes IPs: in notice mode the vendor loaded before consent (tenants check
    # warns); opt_in removes that contradiction, so the draft has no such warning.
    assert "receives every visitor&#39;s raw address" not in overview

    # Preview: the draft's policy and its banner, as a first visit would see them.
    preview = admin.get("/admin/config/preview")
    assert preview.status_code == 200
    assert NEW_SUPPORT in preview.text
    assert 'id="consent-banner"' in preview.text
    assert 'id="preview-banner"' in preview.text
    # The live site has not changed.
    assert NEW_SUPPORT not in visitor.get("/privacy").text

    diff = admin.get("/admin/config/diff")
    assert diff.status_code == 200
    assert 'id="policy-diff"' in diff.text
    assert NEW_SUPPORT in diff.text
    assert old_support in diff.text

    # Support staff cannot publish (nor see the page); another brand's admin gets 404.
    assert support.get("/admin/config").status_code == 403
    refused = support.post(
        "/admin/config/publish",
        data={"when": "now", "_csrf": field(support.get("/admin").text, "_csrf")},
    )
    assert refused.status_code == 403
    carried = brand("homiwork")
    carried.cookies.set("warren_admin", admin.cookies.get("warren_admin") or "")
    assert carried.get("/admin/config").status_code == 404
    cross = brand("songly")
    cross.cookies.set("warren_admin", other.cookies.get("warren_admin") or "")
    for path in ("/admin/config", "/admin/config/preview", "/admin/config/diff"):
        assert cross.get(path).status_code == 404, path

    published = _post(admin, "/admin/config/publish", {"when": "now"})
    assert published.status_code == 303, published.text  # type: ignore[attr-defined]
    assert published.headers["location"] == "/admin/config?done=published-1"  # type: ignore[attr-defined]

    # The policy and the behaviour change together, on the next request.
    policy = visitor.get("/privacy").text
    assert NEW_SUPPORT in policy
    assert 'id="consent-banner"' in visitor.get("/").text
    assert 'id="cookie-notice"' not in visitor.get("/").text
    assert brand("songly").get("/privacy/versions/1").status_code == 200

    # Every verified user is told, once.
    with worker_for(pub_runtime, stub_broker) as run:
        run()
    for address in songly_users:
        (message,) = mail_to(pub_runtime.settings, address)
        assert "privacy policy changes" in message["Subject"]
        assert "whether analytics cookies need your permission first" in text_of(message)
    assert "emailed 3 of 3" in admin.get("/admin/config").text

    # The audit log holds the draft edits and the publication, with before and after.
    with pub_runtime.sessions() as db:
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == "songly").order_by(AuditEntry.seq)
        ).all()
    actions = [(e.action, e.before, e.after) for e in entries if e.action.startswith("config.")]
    assert ("config.draft", {"support_email": old_support}, {"support_email": NEW_SUPPORT}) in [
        (a, b, c) for a, b, c in actions
    ]
    drafts = [a for a in actions if a[0] == "config.draft"]
    assert drafts[1][1] == {"analytics.consent": "notice"}
    assert drafts[1][2] == {"analytics.consent": "opt_in"}
    (publish,) = [a for a in actions if a[0] == "config.publish"]
    # The text changed, so its date became the day it took effect.
    assert publish[1] == {
        "support_email": old_support,
        "analytics.consent": "notice",
        "policy.last_updated": "2026-04-30",
    }
    assert publish[2]["support_email"] == NEW_SUPPORT
    today = datetime.now(UTC)
    assert publish[2]["policy.last_updated"] == f"{today:%Y-%m-%d}"
    assert f"Last updated {today:%B} {today.day}, {today.year}" in policy
    assert publish[2]["material"] == ["analytics.consent"]
    audit_page = admin.get("/admin/audit").text
    assert "config.publish" in audit_page

    # homiwork: same policy, no banner, nobody mailed, nothing in its audit log.
    assert _article(brand("homiwork").get("/privacy").text) == homiwork_policy
    assert 'id="consent-banner"' not in brand("homiwork").get("/").text
    for address in homiwork_users:
        assert mail_to(pub_runtime.settings, address) == []
    assert [e for e in entries if e.tenant_id == "homiwork"] == []
    assert "config." not in other.get("/admin/audit").text
    assert brand("homiwork").get("/privacy/versions/1").status_code == 404


def _security_event_ips(runtime: Runtime, slug: str) -> list[str]:
    from warren.accounts.models import SecurityEvent

    with runtime.sessions() as db:
        return list(
            db.scalars(select(SecurityEvent.ip_value).where(SecurityEvent.tenant_id == slug))
        )


def test_analytics_change_reprompts_and_raw_to_hashed_rewrites_history(
    brand: Callable[..., BrandClient], pub_runtime: Runtime, stub_broker: StubBroker
) -> None:
    admin = console(brand, pub_runtime, "vizardio")
    visitor = brand("vizardio")
    allowed = visitor.post_form(
        "/consent", {"choice": "allow", "source": "banner", "next": "/"}, form_page="/"
    )
    assert allowed.status_code == 303
    home = visitor.get("/").text
    assert 'id="consent-banner"' not in home
    assert 'id="metrika-counter"' in home
    # A raw address on record (vizardio keeps raw IPs until it publishes otherwise).
    failed = brand("vizardio", "198.51.99.7").post_form(
        "/sign-in", {"login": "nobody", "password": "wrong password"}
    )
    assert failed.status_code == 401
    assert "198.51.99.7" in _security_event_ips(pub_runtime, "vizardio")

    # The analytics notice changes: consent given before is asked for again.
    form = {
        "analytics.consent": "opt_in",
        "analytics.notice_categories": ["essential", "analytics"],
    }
    assert _post(admin, "/admin/config/section/analytics", form).status_code == 303  # type: ignore[attr-defined]
    assert _post(admin, "/admin/config/publish", {"when": "now"}).status_code == 303  # type: ignore[attr-defined]
    home = visitor.get("/").text
    assert 'id="consent-banner"' in home
    assert 'id="metrika-counter"' not in home
    assert "mc.yandex.ru" not in visitor.get("/").headers["content-security-policy"]
    again = visitor.post_form(
        "/consent", {"choice": "allow", "source": "banner", "next": "/"}, form_page="/"
    )
    assert again.status_code == 303
    assert 'id="consent-banner"' not in visitor.get("/").text
    assert 'id="metrika-counter"' in visitor.get("/").text

    # Raw → hashed: published, then the stored history is rewritten by the worker.
    assert _post(admin, "/admin/config/section/ip", {"ip.mode": "hashed"}).status_code == 303  # type: ignore[attr-defined]
    assert _post(admin, "/admin/config/publish", {"when": "now"}).status_code == 303  # type: ignore[attr-defined]
    assert pub_runtime.registry.get("vizardio").hashes_ip
    overview = admin.get("/admin/config").text
    assert 'id="rehash-progress"' in overview
    with worker_for(pub_runtime, stub_broker) as run:
        run()
    stored = _security_event_ips(pub_runtime, "vizardio")
    assert stored
    assert all(v.startswith("hmac-sha256:") or v == "unknown" for v in stored), stored
    assert "— done." in admin.get("/admin/config").text
    # Old versions stay readable; another brand cannot read them.
    assert brand("vizardio").get("/privacy/versions/1").status_code == 200
    assert brand("vizardio").get("/privacy/versions/99").status_code == 404
    assert brand("homiwork").get("/privacy/versions/2").status_code == 404
    versions = brand("vizardio").get("/privacy").text
    assert 'href="/privacy/versions/1"' in versions
    assert 'href="/privacy/versions/2"' in versions


def test_site_notice_brand_announces_on_every_page_and_a_dated_publication_waits(
    brand: Callable[..., BrandClient], pub_runtime: Runtime
) -> None:
    admin = console(brand, pub_runtime, "homiwork")
    changes = {
        "policy.changes.notice_days": "0",
        "policy.changes.notify_by": "site_notice",
        "policy.changes.material": ["ip.mode", "analytics.consent", "retention"],
    }
    assert _post(admin, "/admin/config/section/changes", changes).status_code == 303  # type: ignore[attr-defined]
    first = _post(admin, "/admin/config/publish", {"when": "now"})
    assert first.status_code == 303  # type: ignore[attr-defined]
    number = int(first.headers["location"].rsplit("-", 1)[1])  # type: ignore[attr-defined]
    assert 'id="site-notice"' not in brand("homiwork").get("/").text

    retention = admin.get("/admin/config/section/retention").text
    assert 'name="retention.trash_days" value="7"' in retention
    form = {
        key: value
        for key, value in re.findall(r'name="(retention\.[a-z_]+)" value="([^"]*)"', retention)
    }
    form["retention.trash_days"] = "10"
    assert _post(admin, "/admin/config/section/retention", form).status_code == 303  # type: ignore[attr-defined]
    assert _post(admin, "/admin/config/publish", {"when": "now"}).status_code == 303  # type: ignore[attr-defined]
    for path in ("/", "/privacy", "/sign-in"):
        page = brand("homiwork").get(path).text
        assert 'id="site-notice"' in page, path
        assert f'href="/privacy/versions/{number + 1}"' in page
    assert "10 (ten)" in brand("homiwork").get("/privacy").text
    assert 'id="site-notice"' not in brand("songly").get("/").text

    # Published for a later date: the version in force and the policy stay as they are.
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    form["retention.trash_days"] = "12"
    assert _post(admin, "/admin/config/section/retention", form).status_code == 303  # type: ignore[attr-defined]
    bad = _post(admin, "/admin/config/publish", {"when": "date", "effective_date": "tomorrow"})
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "effective_at" in bad.text  # type: ignore[attr-defined]
    dated = _post(
        admin,
        "/admin/config/publish",
        {"when": "date", "effective_date": f"{tomorrow:%Y-%m-%d}", "effective_time": "23:00"},
    )
    assert dated.status_code == 303  # type: ignore[attr-defined]
    assert pub_runtime.registry.get("homiwork").retention.trash_days == 10
    assert "(scheduled)" in admin.get("/admin/config").text
    listed = brand("homiwork").get("/privacy").text
    day = f"{tomorrow:%B} {tomorrow.day}, {tomorrow.year}"
    assert f"Version {number + 2}</a>: takes effect on {day}" in listed
