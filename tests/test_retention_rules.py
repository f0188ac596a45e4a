"""Every retention rule, swept through `warren retention sweep` (a real subprocess) on both
storage backends: what is due is gone (rows and objects), what must stay stayed.

Two tenants with different numbers (songly's are shorter, see retention_world) and rows
aged between the two prove the numbers come from config.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from moto.server import ThreadedMotoServer
from retention_world import World, days_ago, subprocess_env, write_tenants
from sqlalchemy import select, text, update

from warren.accounts.models import SecurityEvent, User
from warren.billing.models import DemoPayment, Order, PointMovement
from warren.chat.models import ChatMessage
from warren.cli.retention import RULE_NAMES
from warren.library.models import ContentItem
from warren.lifecycle.models import Erasure, Hold, RetentionRun
from warren.lifecycle.rules import Rule
from warren.media.models import Upload
from warren.moderation.models import Report
from warren.privacy.consent_models import ConsentRecord
from warren.runtime import build_runtime
from warren.settings import Settings


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


def _storage_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "local":
        return f"file://{tmp_path / 'objects'}"
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"warren-retention-{uuid.uuid4().hex[:12]}"
    return f"s3://warren-test:warren-test-secret@{endpoint}/{bucket}?secure=false&region=us-east-1"


def make_world(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    settings: Settings,
    database_url: str,
    stub_broker: StubBroker,
) -> Iterator[World]:
    tenants = write_tenants(tmp_path / "tenants.toml")
    url = _storage_url(backend, request, tmp_path)
    runtime = build_runtime(
        settings.model_copy(update={"tenants_file": tenants, "storage_url": url}),
        database_url,
        stub_broker,
    )
    world = World(runtime, subprocess_env(database_url, tmp_path / "data", tenants, url))
    yield world
    with runtime.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE users, auth_sessions, security_events, consent_records, holds, "
                "retention_runs, erasures, point_movements, orders, demo_payments RESTART IDENTITY CASCADE"
            )
        )
    runtime.engine.dispose()


@pytest.fixture(params=["local", "s3"])
def world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    settings: Settings,
    database_url: str,
    stub_broker: StubBroker,
) -> Iterator[World]:
    yield from make_world(request.param, request, tmp_path, settings, database_url, stub_broker)


def _gone(world: World, table: type, row: ContentItem | Upload) -> bool:
    return not world.exists(table, row.id) and not world.store(row.tenant_id).exists(
        row.storage_key
    )


def _kept(world: World, table: type, row: ContentItem | Upload) -> bool:
    return world.exists(table, row.id) and world.store(row.tenant_id).exists(row.storage_key)


def test_every_rule_deletes_what_is_due_and_keeps_the_rest(world: World) -> None:
    songly, vizardio = {}, {}
    for slug, made in (("songly", songly), ("vizardio", vizardio)):
        plain = world.user(slug, f"plain-{slug}")
        prime = world.user(slug, f"prime-{slug}", prime_until=days_ago(-30))
        lapsed = world.user(slug, f"lapsed-{slug}", prime_until=days_ago(35))
        held_owner = world.user(slug, f"held-{slug}")
        made["users"] = (plain, prime, lapsed, held_owner)
        # uploads: songly 3 days, vizardio 7
        made["upload_old"] = world.upload(plain, created=days_ago(8))
        made["upload_mid"] = world.upload(plain, created=days_ago(5))
        made["upload_new"] = world.upload(plain, created=days_ago(1))
        # trash: songly 2 days, vizardio 7
        made["trash_old"] = world.item(plain, created=days_ago(3), deleted=days_ago(8))
        made["trash_mid"] = world.item(plain, created=days_ago(3), deleted=days_ago(4))
        made["trash_new"] = world.item(plain, created=days_ago(3), deleted=days_ago(1))
        made["trash_upload_old"] = world.upload(plain, created=days_ago(1), deleted=days_ago(8))
        # content without Prime: songly deletable from day 30, vizardio from day 60
        made["content_old"] = world.item(plain, created=days_ago(61))
        made["content_mid"] = world.item(plain, created=days_ago(40))
        made["content_new"] = world.item(plain, created=days_ago(10))
        # Prime: kept however old; lapsed Prime: the clock starts at the expiry (35 days ago)
        made["prime_content"] = world.item(prime, created=days_ago(400), prime=True)
        made["lapsed_content"] = world.item(lapsed, created=days_ago(400), prime=True)
        # held: an item, and everything of an account
        made["held_item"] = world.item(plain, created=days_ago(400))
        made["held_account_item"] = world.item(held_owner, created=days_ago(400))
        made["held_account_upload"] = world.upload(held_owner, created=days_ago(30))
        # chats: songly 20 days and 5 per assistant, vizardio 60 days and 100
        made["chat_old"] = world.message(plain, created=days_ago(61), assistant="a")
        made["chat_mid"] = world.message(plain, created=days_ago(30), assistant="a")
        made["chat_prime"] = world.message(prime, created=days_ago(400), assistant="a")
        made["chat_recent"] = [
            world.message(plain, created=days_ago(1), assistant="b") for _ in range(7)
        ]
        # logs: songly 3 months, vizardio 12
        made["event_old"] = world.event(slug, created=days_ago(400), ip="198.51.100.7")
        made["event_mid"] = world.event(slug, created=days_ago(200), ip="198.51.100.8")
        made["event_new"] = world.event(slug, created=days_ago(10), ip="198.51.100.9")
        made["event_held"] = world.event(
            slug, created=days_ago(400), ip="198.51.100.10", user=held_owner
        )
        made["consent_old"] = world.consent(slug, created=days_ago(400), ip="198.51.100.11")
        made["consent_mid"] = world.consent(slug, created=days_ago(200), ip="198.51.100.12")
        made["report_old"] = world.report(
            made["held_item"], created=days_ago(400), ip="198.51.100.13"
        )
        made["report_mid"] = world.report(
            made["held_item"], created=days_ago(200), ip="198.51.100.14"
        )
        made["ledger"] = world.points(plain, 50)
    with world.runtime.sessions() as db:
        for made in (songly, vizardio):
            db.add(
                Hold(
                    tenant_id=made["held_item"].tenant_id,
                    subject_kind="content_item",
                    subject_id=made["held_item"].id,
                    placed_by="moderator",
                    reason="report 17",
                )
            )
            db.add(
                Hold(
                    tenant_id=made["held_item"].tenant_id,
                    subject_kind="account",
                    subject_id=made["users"][3].id,
                    placed_by="legal",
                    reason="court order",
                )
            )
        db.commit()

    done = world.warren("retention", "sweep")
    assert done.returncode == 0, world.explain()

    def gone_in(tenant_made: dict, *names: str, table: type) -> None:
        for name in names:
            assert _gone(world, table, tenant_made[name]), (tenant_made[name].tenant_id, name)

    def kept_in(tenant_made: dict, *names: str, table: type) -> None:
        for name in names:
            assert _kept(world, table, tenant_made[name]), (tenant_made[name].tenant_id, name)

    # uploads
    gone_in(songly, "upload_old", "upload_mid", "trash_upload_old", table=Upload)
    kept_in(songly, "upload_new", "held_account_upload", table=Upload)
    gone_in(vizardio, "upload_old", "trash_upload_old", table=Upload)
    kept_in(vizardio, "upload_mid", "upload_new", "held_account_upload", table=Upload)
    # trash and content
    gone_in(
        songly,
        "trash_old",
        "trash_mid",
        "content_old",
        "content_mid",
        "lapsed_content",
        table=ContentItem,
    )
    kept_in(
        songly,
        "trash_new",
        "content_new",
        "prime_content",
        "held_item",
        "held_account_item",
        table=ContentItem,
    )
    gone_in(vizardio, "trash_old", "content_old", table=ContentItem)
    kept_in(
        vizardio,
        "trash_mid", "trash_new", "content_mid", "content_new", "prime_content",
        "lapsed_content", "held_item", "held_account_item",
        table=ContentItem,
    )  # fmt: skip
    # chats
    for made, gone, kept in (
        (songly, ["chat_old", "chat_mid"], ["chat_prime"]),
        (vizardio, ["chat_old"], ["chat_mid", "chat_prime"]),
    ):
        for name in gone:
            assert not world.exists(ChatMessage, made[name].id), name
        for name in kept:
            assert world.exists(ChatMessage, made[name].id), name
    songly_recent = [world.exists(ChatMessage, m.id) for m in songly["chat_recent"]]
    assert songly_recent == [False, False, True, True, True, True, True]  # the last 5 stay
    assert all(world.exists(ChatMessage, m.id) for m in vizardio["chat_recent"])
    # logs and IP values
    for made, gone, kept in (
        (songly, ["event_old", "event_mid"], ["event_new", "event_held"]),
        (vizardio, ["event_old"], ["event_mid", "event_new", "event_held"]),
    ):
        for name in gone:
            assert not world.exists(SecurityEvent, made[name].id), name
        for name in kept:
            assert world.exists(SecurityEvent, made[name].id), name
    with world.runtime.sessions() as db:
        ips = dict(db.execute(select(ConsentRecord.id, ConsentRecord.ip_value)).tuples().all())
        ledger = db.scalars(select(PointMovement.id)).all()
    assert ips[songly["consent_old"].id] is None
    assert ips[songly["consent_mid"].id] is None
    assert ips[vizardio["consent_old"].id] is None
    assert ips[vizardio["consent_mid"].id] == "198.51.100.12"
    with world.runtime.sessions() as db:
        reporters = dict(db.execute(select(Report.id, Report.ip_value)).tuples().all())
    # The report stays with its (held) item; the reporter's IP value goes with the logs.
    assert reporters[songly["report_old"].id] is None
    assert reporters[songly["report_mid"].id] is None
    assert reporters[vizardio["report_old"].id] is None
    assert reporters[vizardio["report_mid"].id] == "198.51.100.14"
    # the ledger is never swept; every account still exists (none was inactive)
    assert sorted(ledger) == sorted([songly["ledger"], vizardio["ledger"]])
    for made in (songly, vizardio):
        for user in made["users"]:
            assert world.exists(User, user.id)

    # Each (tenant, rule) left a finished summary row; a rerun finds nothing left.
    with world.runtime.sessions() as db:
        runs = db.scalars(select(RetentionRun)).all()
    assert {(r.tenant_id, r.rule) for r in runs} >= {("songly", "content"), ("vizardio", "logs")}
    assert all(r.finished_at is not None and r.error is None for r in runs)
    songly_content = next(r for r in runs if (r.tenant_id, r.rule) == ("songly", "content"))
    assert songly_content.counts == {"content_items": 3, "objects": 3}
    again = world.warren("retention", "plan", "--json")
    assert again.returncode == 0, world.explain()
    assert all(json.loads(line)["due"] == 0 for line in again.stdout.splitlines()), again.stdout


def test_inactive_accounts_are_warned_once_then_erased(world: World) -> None:
    # songly: 100 days, warned 10 days before; vizardio: 365 days, warned 30 before.
    gone = world.user("songly", "sleeper", last_access=days_ago(101))
    warn = world.user("songly", "dozer", last_access=days_ago(95))
    awake = world.user("songly", "awake", last_access=days_ago(80))
    viz = world.user("vizardio", "sleeper", last_access=days_ago(101))
    held = world.user("songly", "evidence", last_access=days_ago(500))
    item = world.item(gone, created=days_ago(5))
    upload = world.upload(gone, created=days_ago(1))
    world.message(gone, created=days_ago(1), assistant="a")
    world.event("songly", created=days_ago(1), ip="hmac-sha256:ab", user=gone)
    world.consent("songly", created=days_ago(1), ip="hmac-sha256:ab", user=gone)
    ledger = world.points(gone, 30)
    with world.runtime.sessions() as db:
        db.add(
            Hold(
                tenant_id="songly",
                subject_kind="account",
                subject_id=held.id,
                placed_by="legal",
                reason="inquiry",
            )
        )
        db.commit()

    done = world.warren("retention", "sweep", "--rule", "inactive_accounts")
    assert done.returncode == 0, world.explain()
    assert not world.exists(User, gone.id)
    assert _gone(world, ContentItem, item)
    assert _gone(world, Upload, upload)
    assert world.exists(User, warn.id)
    assert world.exists(User, awake.id)
    assert world.exists(User, viz.id)
    assert world.exists(User, held.id)
    with world.runtime.sessions() as db:
        for table in (ChatMessage, SecurityEvent, ConsentRecord):
            assert db.scalar(select(table.id).where(table.user_id == gone.id)) is None, table
        assert db.scalar(select(PointMovement.user_id).where(PointMovement.id == ledger)) is None
        assert db.scalar(select(PointMovement.amount).where(PointMovement.id == ledger)) == 30
        erasures = db.execute(select(Erasure.tenant_id, Erasure.reason)).all()
        warned = db.scalar(select(User.inactivity_warned_at).where(User.id == warn.id))
        not_warned = db.scalar(select(User.inactivity_warned_at).where(User.id == awake.id))
    assert erasures == [("songly", "inactive")]
    assert warned is not None
    assert not_warned is None
    outbox = sorted((Path(world.env["WARREN_DATA_DIR"]) / "outbox").glob("*.eml"))
    assert len(outbox) == 1
    assert b"dozer@example.com" in outbox[0].read_bytes()
    # Once: a second sweep sends nothing more.
    assert world.warren("retention", "sweep", "--rule", "inactive_accounts").returncode == 0
    assert len(list((Path(world.env["WARREN_DATA_DIR"]) / "outbox").glob("*.eml"))) == 1


def test_plan_check_history_and_holds_through_the_cli(world: World) -> None:
    plain = world.user("songly", "planner")
    # Past songly's deletable day (30) and past its must-be-gone-by day (45 + 2 days' grace).
    overdue = world.item(plain, created=days_ago(50))
    world.item(plain, created=days_ago(35))

    planned = world.warren("retention", "plan", "songly", "--json")
    assert planned.returncode == 0, world.explain()
    rows = [json.loads(line) for line in planned.stdout.splitlines()]
    content = next(r for r in rows if r["rule"] == "content")
    assert content["due"] == 2
    assert content["oldest_due"].startswith(days_ago(20).date().isoformat())
    assert {r["tenant"] for r in rows} == {"songly"}

    check = world.warren("retention", "check")
    assert check.returncode == 1, world.explain()
    assert "OVERDUE songly content (content_items): 1 row(s)" in check.stdout

    placed = world.warren(
        "holds",
        "place",
        "songly",
        "content_item",
        str(overdue.id),
        "--by",
        "moderator",
        "--reason",
        "report 9",
    )
    assert placed.returncode == 0, world.explain()
    hold_id = placed.stdout.split()[1]
    listed = world.warren("holds", "list", "songly")
    assert hold_id in listed.stdout
    assert "report 9" in listed.stdout
    assert world.warren("retention", "sweep", "songly", "--rule", "content").returncode == 0
    assert _kept(world, ContentItem, overdue)
    assert world.warren("retention", "check").returncode == 0, world.explain()

    assert world.warren("holds", "lift", "songly", hold_id, "--by", "moderator").returncode == 0
    swept = world.warren("retention", "sweep", "songly", "--rule", "content")
    assert swept.returncode == 0, world.explain()
    assert "content_items 1" in swept.stdout
    assert _gone(world, ContentItem, overdue)

    history = world.warren("retention", "history", "songly")
    assert history.returncode == 0
    lines = history.stdout.splitlines()
    assert len(lines) == 2, lines
    assert all("songly       content" in line for line in lines), lines
    assert "interrupted" not in history.stdout

    for args in (
        ("retention", "plan", "nosuch"),
        ("retention", "sweep", "nosuch"),
        ("holds", "list", "nosuch"),
        ("holds", "place", "songly", "account", "nobody", "--by", "x", "--reason", "y"),
        ("accounts", "erase", "songly", "nobody", "--reason", "child"),
        ("accounts", "erase", "nosuch", "nobody", "--reason", "child"),
    ):
        refused = world.warren(*args)
        assert refused.returncode == 2, world.explain()
        assert "nosuch" in refused.stderr or "nobody" in refused.stderr


def test_a_child_account_is_erased_at_once_unless_held(world: World) -> None:
    child = world.user("homiwork", "kid")
    item = world.item(child, created=days_ago(0))
    ledger = world.points(child, 10)
    twin = world.user("songly", "kid")
    held = world.user("homiwork", "heldkid")

    done = world.warren("accounts", "erase", "homiwork", "kid@example.com", "--reason", "child")
    assert done.returncode == 0, world.explain()
    assert not world.exists(User, child.id)
    assert _gone(world, ContentItem, item)
    assert world.exists(User, twin.id)

    assert (
        world.warren(
            "holds", "place", "homiwork", "account", "heldkid", "--by", "legal", "--reason", "x"
        ).returncode
        == 0
    )
    refused = world.warren("accounts", "erase", "homiwork", "heldkid", "--reason", "child")
    assert refused.returncode == 1
    assert "under a hold" in refused.stderr
    assert world.exists(User, held.id)
    with world.runtime.sessions() as db:
        assert db.execute(select(Erasure.tenant_id, Erasure.reason)).all() == [
            ("homiwork", "child")
        ]
        assert db.scalar(select(PointMovement.user_id).where(PointMovement.id == ledger)) is None


def test_a_held_item_keeps_the_uploads_it_was_made_from(world: World) -> None:
    # songly keeps uploads 3 days and trash 2: everything below is due but the hold's.
    owner = world.user("songly", "evidence-owner")
    source = world.upload(owner, created=days_ago(10))
    trashed_source = world.upload(owner, created=days_ago(1), deleted=days_ago(5))
    unrelated = world.upload(owner, created=days_ago(10))
    item = world.item(owner, created=days_ago(1))
    with world.runtime.sessions() as db:
        db.execute(
            update(ContentItem)
            .where(ContentItem.id == item.id)
            .values(source_upload_ids=[source.id, trashed_source.id])
        )
        hold = Hold(
            tenant_id="songly",
            subject_kind="content_item",
            subject_id=item.id,
            placed_by="legal",
            reason="inquiry",
        )
        db.add(hold)
        db.commit()
        hold_id = hold.id

    assert world.warren("retention", "sweep", "--rule", "uploads").returncode == 0
    assert world.warren("retention", "sweep", "--rule", "trash").returncode == 0
    assert _kept(world, Upload, source), world.explain()
    assert _kept(world, Upload, trashed_source), world.explain()
    assert _gone(world, Upload, unrelated)

    # Lifted, the clocks that ran meanwhile apply at the next sweep.
    lifted = world.warren("holds", "lift", "songly", str(hold_id), "--by", "legal")
    assert lifted.returncode == 0, world.explain()
    assert world.warren("retention", "sweep", "--rule", "uploads").returncode == 0
    assert world.warren("retention", "sweep", "--rule", "trash").returncode == 0
    assert _gone(world, Upload, source)
    assert _gone(world, Upload, trashed_source)


def test_orders_go_after_the_transaction_period_counted_from_their_last_event(
    world: World,
) -> None:
    years = world.runtime.registry.get("vizardio").retention.transaction_years
    buyer = world.user("vizardio", "old-buyer")
    kept_buyer = world.user("vizardio", "held-buyer")
    past, within = days_ago(366 * years + 5), days_ago(365 * years - 5)

    def order(user: User | None, *, created: datetime, refunded: datetime | None = None) -> Order:
        with world.runtime.sessions() as db:
            row = Order(
                tenant_id="vizardio",
                user_id=user.id if user else None,
                item_key="pack",
                item_kind="points",
                points=100,
                amount=Decimal("4.99"),
                currency="USD",
                gateway="demo",
                state="refunded" if refunded else "paid",
                created_at=created,
                paid_at=created,
                refunded_at=refunded,
            )
            db.add(row)
            db.flush()
            db.add(
                DemoPayment(
                    id=f"demo_{row.id.hex}",
                    tenant_id="vizardio",
                    order_id=row.id,
                    amount=row.amount,
                    currency="USD",
                    success_url="https://vizardio.com/ok",
                    cancel_url="https://vizardio.com/no",
                    status="succeeded",
                    created_at=created,
                )
            )
            db.commit()
            db.expunge(row)
        return row

    old = order(buyer, created=past)
    of_erased = order(None, created=past)
    recent = order(buyer, created=within)
    refunded_lately = order(buyer, created=past, refunded=within)
    held_old = order(kept_buyer, created=past)
    ledger = world.points(buyer, 100)
    with world.runtime.sessions() as db:
        db.add(
            Hold(
                tenant_id="vizardio",
                subject_kind="account",
                subject_id=kept_buyer.id,
                placed_by="legal",
                reason="audit",
            )
        )
        db.commit()

    done = world.warren("retention", "sweep", "vizardio", "--rule", "transactions")
    assert done.returncode == 0, world.explain()
    assert not world.exists(Order, old.id)
    assert not world.exists(Order, of_erased.id)
    for kept in (recent, refunded_lately, held_old):
        assert world.exists(Order, kept.id)
    with world.runtime.sessions() as db:
        payments = set(db.scalars(select(DemoPayment.order_id)))
        assert db.scalar(select(PointMovement.amount).where(PointMovement.id == ledger)) == 100
    assert payments == {recent.id, refunded_lately.id, held_old.id}


def test_the_cli_offers_every_rule() -> None:
    assert set(RULE_NAMES) == {rule.value for rule in Rule}
