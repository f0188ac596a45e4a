"""Versioned brand configuration below the console: who owns each key, the effective
configuration (tenants.toml until a brand publishes, then the version in force), drafts
from a changed tenants.toml, immutable versions, material changes and their notice,
and a publish seen by another process. Two brands throughout; a database of their own."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from dramatiq.brokers.stub import StubBroker
from inbox import mail_to, text_of
from publishing_support import make_users, own_database, own_settings, pub_runtime, section_values
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from warren.accounts.models import User
from warren.db.unit_of_work import unit_of_work
from warren.errors import InvalidInput
from warren.privacy.ip import UNKNOWN
from warren.privacy.policy import rendered_policy
from warren.publishing import notices, service
from warren.publishing.models import BrandConfigVersion, ConfigNoticeSent
from warren.publishing.ownership import (
    ADMIN_OWNED,
    OPS_OWNED,
    config_keys,
    owner,
)
from warren.publishing.sections import section
from warren.runtime import Runtime, build_runtime
from warren.settings import Settings

from conftest import worker_for
from infra import wait_until

__all__ = ["own_database", "own_settings", "pub_runtime"]


def test_every_config_key_is_owned_by_ops_or_admins_exactly_once() -> None:
    keys = list(config_keys())
    assert {"ip.mode", "support_email", "retention.upload_days", "domain"} <= set(keys)
    assert [key for key in keys if owner(key) not in ("ops", "admin")] == []
    assert owner("ip.mode") == "admin"
    assert owner("analytics.consent") == "admin"
    assert owner("analytics.provider") == "ops"
    assert owner("policy.template") == "ops"
    assert owner("products.*.price") == "ops"
    assert owner("policy.changes.notice_days") == "admin"
    # No prefix is listed twice, and each listed prefix names real keys.
    assert not set(ADMIN_OWNED) & set(OPS_OWNED)
    for prefix in (*ADMIN_OWNED, *OPS_OWNED):
        assert any(k == prefix or k.startswith(prefix + ".") for k in keys), prefix


def _publish(
    runtime: Runtime, slug: str, changes: dict[str, list[str]], name: str, **kwargs: object
) -> BrandConfigVersion:
    bootstrap = runtime.bootstrap or runtime.registry
    current = runtime.registry.get(slug)
    with unit_of_work(runtime.sessions) as db:
        document = service.save_section(
            db,
            bootstrap.get(slug),
            current,
            section(name),
            changes,
            actor="admin:test@example.com",
            ip_value=UNKNOWN,
        )
        row = service.publish(
            db,
            bootstrap.get(slug),
            current,
            document,
            author_id=None,
            actor="admin:test@example.com",
            ip_value=UNKNOWN,
            **kwargs,  # type: ignore[arg-type]
        )
        db.flush()
        db.expunge(row)
    runtime.refresh_registry()
    return row


@pytest.fixture
def users(pub_runtime: Runtime) -> Iterator[dict[str, list[str]]]:
    """Three verified users on each of songly and homiwork, and one unverified on each."""
    made = {slug: make_users(pub_runtime, slug, 3) for slug in ("songly", "homiwork")}
    # One of them reads the site in Russian, and is told in Russian.
    with pub_runtime.engine.begin() as conn:
        conn.execute(update(User).where(User.email == made["homiwork"][0]).values(language="ru"))
    yield made
    with pub_runtime.engine.begin() as conn:
        conn.execute(text("TRUNCATE users CASCADE"))


def test_toml_is_the_source_until_the_first_publication_then_the_version_in_force(
    pub_runtime: Runtime, own_settings: Settings, own_database: str, stub_broker: StubBroker
) -> None:
    songly_before = pub_runtime.registry.get("songly")
    homiwork_before = pub_runtime.registry.get("homiwork")
    assert pub_runtime.registry.state("songly").version is None
    # Another process, started before the publication and watching.
    other = build_runtime(own_settings, own_database, broker=stub_broker)
    other.watch_registry()
    try:
        with unit_of_work(pub_runtime.sessions) as db:
            outcome = service.sync_from_file(db, songly_before, songly_before, ip_value=UNKNOWN)
        assert outcome == "published version 1 from tenants.toml"
        pub_runtime.refresh_registry()
        assert pub_runtime.registry.state("songly").version == 1
        assert pub_runtime.registry.get("songly") == songly_before

        row = _publish(
            pub_runtime, "songly", {"support_email": ["privacy@songly.example"]}, "contact"
        )
        assert row.version == 2
        assert row.material == []
        songly = pub_runtime.registry.get("songly")
        assert songly.support_email == "privacy@songly.example"
        assert "privacy@songly.example" in rendered_policy(songly).markdown
        # Ops-owned keys still come from tenants.toml; the other brand is untouched.
        assert songly.products == songly_before.products
        assert pub_runtime.registry.get("homiwork") == homiwork_before
        assert pub_runtime.registry.by_host["songly.localhost"] is songly

        # The other process sees the publication within its poll interval…
        wait_until(
            lambda: other.registry.get("songly").support_email == "privacy@songly.example",
            10,
        )
        assert other.registry.get("homiwork") == homiwork_before
    finally:
        other.close()
    # …and so does one started afterwards.
    later = build_runtime(own_settings, own_database, broker=stub_broker)
    try:
        assert later.registry.get("songly").support_email == "privacy@songly.example"
        assert later.registry.state("songly").version == 2
    finally:
        later.close()


def test_a_toml_change_to_an_admin_owned_key_becomes_a_draft_never_an_override(
    pub_runtime: Runtime,
) -> None:
    bootstrap = pub_runtime.bootstrap
    assert bootstrap is not None
    if pub_runtime.registry.state("songly").version is None:
        # Run without the test above (another xdist worker took it): songly publishes
        # from the file first, as that test has it do.
        with unit_of_work(pub_runtime.sessions) as db:
            service.sync_from_file(
                db, bootstrap.get("songly"), bootstrap.get("songly"), ip_value=UNKNOWN
            )
        pub_runtime.refresh_registry()
    current = pub_runtime.registry.get("songly")
    in_force = current.support_email
    edited = bootstrap.get("songly").model_copy(
        update={"support_email": "from-the-file@songly.example"}
    )
    with unit_of_work(pub_runtime.sessions) as db:
        outcome = service.sync_from_file(db, edited, current, ip_value=UNKNOWN)
    assert outcome == "draft for the admins to review: support_email"
    pub_runtime.refresh_registry()
    assert pub_runtime.registry.get("songly").support_email == in_force
    with pub_runtime.sessions() as db:
        found = service.draft(db, current)
        assert found is not None
        assert found.source == "tenants.toml"
        assert found.document["support_email"] == "from-the-file@songly.example"
    with unit_of_work(pub_runtime.sessions) as db:
        service.discard_draft(db, current, actor="admin:test", ip_value=UNKNOWN)


def test_published_versions_are_immutable(pub_runtime: Runtime) -> None:
    with pub_runtime.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM brand_config_versions")) >= 1
        for statement in (
            "UPDATE brand_config_versions SET author = 'someone else'",
            "DELETE FROM brand_config_versions",
        ):
            with pytest.raises(DBAPIError, match="immutable"):
                conn.execute(text(statement))
            conn.rollback()


def test_bad_input_names_the_key_and_keeps_the_draft_unsaved(pub_runtime: Runtime) -> None:
    bootstrap = pub_runtime.bootstrap
    assert bootstrap is not None
    current = pub_runtime.registry.get("homiwork")
    cases = [
        ("retention", {"retention.upload_days": ["-3"]}, "retention.upload_days"),
        ("retention", {"retention.trash_days": ["seven"]}, "retention.trash_days"),
        ("contact", {"support_email": ["not an address"]}, "support_email"),
        ("ip", {"ip.mode": ["sometimes"]}, "ip.mode"),
    ]
    for name, form, key in cases:
        full = {**section_values(current, name), **form}
        with unit_of_work(pub_runtime.sessions) as db, pytest.raises(InvalidInput) as raised:
            service.save_section(
                db, bootstrap.get("homiwork"), current, section(name), full,
                actor="admin:test", ip_value=UNKNOWN,
            )  # fmt: skip
        assert key in raised.value.fields, raised.value.fields
    with pub_runtime.sessions() as db:
        assert service.draft(db, current) is None


def test_a_material_change_waits_for_the_notice_period_and_mails_each_user_once(
    pub_runtime: Runtime, users: dict[str, list[str]], stub_broker: StubBroker
) -> None:
    # homiwork promises 14 days' notice by email (published as a non-material change).
    first = _publish(
        pub_runtime,
        "homiwork",
        {**section_values(pub_runtime.registry.get("homiwork"), "changes"),
         "policy.changes.notice_days": ["14"]},
        "changes",
    )  # fmt: skip
    assert first.material == []
    homiwork = pub_runtime.registry.get("homiwork")
    assert homiwork.policy.changes.notice_days == 14
    assert "fourteen" in rendered_policy(homiwork).markdown

    form = {**section_values(homiwork, "retention"), "retention.upload_days": ["5"]}
    with pytest.raises(InvalidInput) as early:
        _publish(pub_runtime, "homiwork", form, "retention", effective_at=datetime.now(UTC))
    assert "14 days' notice" in early.value.fields["effective_at"]

    before = datetime.now(UTC)
    row = _publish(pub_runtime, "homiwork", form, "retention")
    assert row.material == ["retention.upload_days"]
    assert row.notified_by == "email"
    assert row.effective_at >= before + timedelta(days=14)
    # Published, not yet in force: the brand still keeps uploads 7 days.
    assert pub_runtime.registry.get("homiwork").retention.upload_days == 7
    assert pub_runtime.registry.state("homiwork").version == first.version

    # A run cut short after two users, then the rest: everyone once, nobody twice.
    tenant = pub_runtime.registry.get("homiwork")
    assert (
        notices.send_notices(
            pub_runtime.sessions, pub_runtime.mailer, tenant, row.version, batch=1, limit=2
        )
        == 2
    )
    with pub_runtime.sessions() as db:
        progress = service.notice_progress(db, tenant, row.version)
    assert (progress.sent, progress.recipients) == (2, 3)
    assert notices.send_notices(pub_runtime.sessions, pub_runtime.mailer, tenant, row.version) == 1
    assert notices.send_notices(pub_runtime.sessions, pub_runtime.mailer, tenant, row.version) == 0
    # The queued actor (delivered after the runs above, as a redelivery would be)
    # finds everyone told and sends nothing more.
    with worker_for(pub_runtime, stub_broker) as run:
        run()
    for address in users["homiwork"]:
        (message,) = mail_to(pub_runtime.settings, address)
        assert f"/privacy/versions/{row.version}" in text_of(message)
        if address == users["homiwork"][0]:
            assert "наша политика конфиденциальности меняется" in message["Subject"]
            assert "как долго мы храним ваши данные" in text_of(message)
        else:
            assert "how long we keep your data" in text_of(message)
    # songly's users were not told about homiwork's change.
    for address in users["songly"]:
        assert mail_to(pub_runtime.settings, address) == []
    with pub_runtime.sessions() as db:
        told = db.scalars(select(ConfigNoticeSent.tenant_id)).all()
    assert set(told) == {"homiwork"}


def test_a_dated_version_comes_into_force_in_every_process_at_its_time(
    pub_runtime: Runtime, own_settings: Settings, own_database: str, stub_broker: StubBroker
) -> None:
    watching = build_runtime(own_settings, own_database, broker=stub_broker)
    watching.watch_registry()
    try:
        before = watching.registry.get("songly").support_email
        at = datetime.now(UTC) + timedelta(seconds=3)
        row = _publish(
            pub_runtime, "songly", {"support_email": ["later@songly.example"]}, "contact",
            effective_at=at,
        )  # fmt: skip
        assert row.effective_at == at
        time.sleep(0.5)
        assert watching.registry.get("songly").support_email == before
        wait_until(
            lambda: watching.registry.get("songly").support_email == "later@songly.example", 15
        )
        assert datetime.now(UTC) >= at
        assert watching.registry.state("songly").version == row.version
    finally:
        watching.close()


def test_a_rebuild_keeps_the_tenant_objects_of_unchanged_brands(pub_runtime: Runtime) -> None:
    homiwork = pub_runtime.registry.get("homiwork")
    vizardio = pub_runtime.registry.get("vizardio")
    _publish(pub_runtime, "songly", {"support_email": ["kept@songly.example"]}, "contact")
    assert pub_runtime.registry.get("songly").support_email == "kept@songly.example"
    # Same objects: their rendered policies stay cached.
    assert pub_runtime.registry.get("homiwork") is homiwork
    assert pub_runtime.registry.get("vizardio") is vizardio


def test_the_content_kinds_the_policy_names_are_an_admin_choice(pub_runtime: Runtime) -> None:
    songly = pub_runtime.registry.get("songly")
    assert "video" in (songly.policy.content_described or ())
    generation = "Generation requests. To perform the generation the User requested"

    def requests_sentence() -> str:
        text = rendered_policy(pub_runtime.registry.get("songly")).markdown
        return next(line for line in text.splitlines() if generation in line)

    assert "videos" in requests_sentence()
    form = section_values(songly, "policy")
    assert form["policy.content_described"] == list(songly.policy.content_described or ())

    # No kind ticked: the policy names what the brand's products make, and songly
    # makes no videos.
    _publish(pub_runtime, "songly", {**form, "policy.content_described": []}, "policy")
    assert pub_runtime.registry.get("songly").policy.content_described is None
    assert "videos" not in requests_sentence()

    with unit_of_work(pub_runtime.sessions) as db, pytest.raises(InvalidInput) as wrong:
        service.save_section(
            db, (pub_runtime.bootstrap or pub_runtime.registry).get("songly"),
            pub_runtime.registry.get("songly"), section("policy"),
            {**form, "policy.content_described": ["holograms"]},
            actor="admin:test", ip_value=UNKNOWN,
        )  # fmt: skip
    assert "policy.content_described" in wrong.value.fields
