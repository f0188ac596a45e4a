"""The moderation queue over HTTP on two brands: a shared item reported by an anonymous
visitor reaches its brand's queue only; the actions (dismiss, block, hold, remove) do
what they say and nothing more, each in the audit log."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from inbox import link_in, mail_to
from moderation_world import Result, member, result, share
from sqlalchemy import select, update

from warren.accounts.models import AuthSession, User
from warren.admin.models import AuditEntry
from warren.db.base import utcnow
from warren.library.models import ContentItem
from warren.lifecycle.models import Hold
from warren.lifecycle.rules import Rule
from warren.lifecycle.sweep import sweep
from warren.media.models import Upload
from warren.moderation.models import Report, ShareLink
from warren.runtime import Runtime
from warren.storage.tenant_store import TenantStore

from admin_support import console, post_console
from infra import database_contents
from webclient import BrandClient, field

CASE_ROW = re.compile(r'<tr id="case-([0-9a-f-]{36})">')


def report(visitor: BrandClient, link: str, reason: str = "harassment", details: str = "") -> int:
    form_page = link.replace("/s?", "/s/report?")
    token = link.split("t=", 1)[1]
    return visitor.post_form(
        "/s/report", {"t": token, "reason": reason, "details": details}, form_page
    ).status_code


def reported(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str, name: str
) -> tuple[BrandClient, Result, str]:
    """A member's shared result, reported by an anonymous visitor."""
    owner, owner_id = member(brand, runtime, slug, name)
    made = result(runtime, slug, owner_id)
    link = share(owner, made)
    assert report(brand(slug), link, details=f"mean words about {name}") == 200
    return owner, made, link


def audit_actions(runtime: Runtime, slug: str, subject: str) -> list[str]:
    with runtime.sessions() as db:
        return list(
            db.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.tenant_id == slug, AuditEntry.subject == subject)
                .order_by(AuditEntry.seq)
            )
        )


def test_an_anonymous_report_reaches_its_brands_queue_only(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    _, made, _ = reported(brand, runtime, "songly", "reportee")
    case = f"/admin/moderation/content_item/{made.item_id}"

    songly = console(brand, runtime, "songly", role="moderator")
    queue = songly.get("/admin/moderation")
    assert queue.status_code == 200
    assert CASE_ROW.findall(queue.text) == [str(made.item_id)]
    page = songly.get(case)
    assert page.status_code == 200
    assert "mean words about reportee" in page.text
    assert made.body.decode() in page.text  # the content, inline
    assert songly.get(f"{case}/file").content == made.body

    # homiwork's moderator: an empty queue, and songly's item does not exist there.
    homiwork = console(brand, runtime, "homiwork", role="moderator")
    assert CASE_ROW.findall(homiwork.get("/admin/moderation").text) == []
    assert homiwork.get(case).status_code == 404
    assert homiwork.get(f"{case}/file").status_code == 404
    assert post_console(homiwork, f"{case}/dismiss", {}).status_code == 404
    assert post_console(homiwork, f"{case}/remove", {}).status_code == 404
    # A songly moderator's session carried to homiwork's host is not good there.
    songly_cookie = songly.cookies.get("warren_admin")
    foreign = brand("homiwork")
    foreign.cookies.set("warren_admin", songly_cookie or "")
    assert foreign.get("/admin/moderation").status_code == 404
    assert foreign.get(case).status_code == 404

    # A support admin's role does not include moderation.
    support = console(brand, runtime, "songly", role="support")
    assert support.get("/admin/moderation").status_code == 403

    dismissed = post_console(songly, f"{case}/dismiss", {})
    assert dismissed.status_code == 303
    assert CASE_ROW.findall(songly.get("/admin/moderation").text) == []
    assert audit_actions(runtime, "songly", f"content_item:{made.item_id}") == [
        "moderation.dismiss"
    ]


def test_report_form_is_rate_limited_and_validated(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    owner, owner_id = member(brand, runtime, "homiwork", "limited")
    link = share(owner, result(runtime, "homiwork", owner_id))
    visitor = brand("homiwork")
    assert report(visitor, link, reason="no-such-reason") == 400
    statuses = [report(visitor, link) for _ in range(12)]
    # The default is 10 an hour per network (the invalid one counted too).
    assert statuses[:9] == [200] * 9
    assert statuses[-1] == 429
    # Another network is not affected.
    assert report(brand("homiwork"), link) == 200


def test_block_signs_out_everywhere_refuses_sign_in_and_deletes_nothing(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    owner, made, link = reported(brand, runtime, "songly", "blockee")
    second_device = brand("songly")
    signed_in = second_device.post_form(
        "/sign-in", {"login": "blockee", "password": "correct horse battery"}
    )
    assert signed_in.status_code == 303
    assert owner.get("/account").status_code == 200
    moderator = console(brand, runtime, "songly", role="moderator")
    case = f"/admin/moderation/content_item/{made.item_id}"
    nameless = post_console(moderator, f"{case}/block-owner", {"block_reason": " "})
    assert nameless.status_code == 400
    assert "Say why the account is blocked." in nameless.text
    blocked = post_console(moderator, f"{case}/block-owner", {"block_reason": "threats"})
    assert blocked.status_code == 303

    # Both sessions are gone: their cookies no longer sign anyone in.
    for device in (owner, second_device):
        page = device.get("/account")
        assert page.status_code == 303
        assert page.headers["location"].startswith("/sign-in")
    with runtime.sessions() as db:
        assert (
            db.scalars(select(AuthSession).where(AuthSession.user_id == made.user_id)).all() == []
        )
    refused = brand("songly").post_form(
        "/sign-in", {"login": "blockee", "password": "correct horse battery"}
    )
    assert refused.status_code == 403
    assert "blocked" in refused.text
    # A wrong password says nothing about the block.
    wrong = brand("songly").post_form("/sign-in", {"login": "blockee", "password": "wrong one"})
    assert wrong.status_code == 401
    assert "blocked" not in wrong.text
    # Nor does the welcome email's link, which would otherwise sign in (the console's
    # worker run sent it).
    welcome = [
        m for m in mail_to(runtime.settings, "blockee@example.com") if "/verify-email" in str(m)
    ]
    assert welcome
    by_link = brand("songly")
    opened = by_link.get(link_in(welcome[-1], "/verify-email"))
    used = by_link.post(
        "/verify-email",
        data={"_csrf": field(opened.text, "_csrf"), "token": field(opened.text, "token")},
    )
    assert used.status_code == 403
    assert "blocked" in used.text
    with runtime.sessions() as db:
        assert (
            db.scalars(select(AuthSession).where(AuthSession.user_id == made.user_id)).all() == []
        )
    # The blocked owner's share link stops working; nothing was deleted.
    assert brand("songly").get(link).status_code == 404
    with runtime.sessions() as db:
        assert db.get(ContentItem, made.item_id) is not None
        assert db.scalar(select(Report.id).where(Report.content_item_id == made.item_id))
        assert db.scalar(select(ShareLink.id).where(ShareLink.content_item_id == made.item_id))
    assert TenantStore(runtime.store, "songly").exists(made.storage_key)
    assert audit_actions(runtime, "songly", f"account:{made.user_id}") == ["moderation.block"]

    queue = moderator.get("/admin/moderation")
    assert "blockee" in queue.text
    unblocked = post_console(moderator, f"/admin/moderation/blocked/{made.user_id}/unblock", {})
    assert unblocked.status_code == 303
    again = brand("songly").post_form(
        "/sign-in", {"login": "blockee", "password": "correct horse battery"}
    )
    assert again.status_code == 303
    assert audit_actions(runtime, "songly", f"account:{made.user_id}") == [
        "moderation.block",
        "moderation.unblock",
    ]


def _age(runtime: Runtime, item_id: uuid.UUID, days: int) -> None:
    with runtime.sessions() as db:
        db.execute(
            update(ContentItem)
            .where(ContentItem.id == item_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )
        db.commit()


def test_a_hold_survives_the_retention_sweep_that_deletes_its_neighbour(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    owner, made, link = reported(brand, runtime, "homiwork", "heldowner")
    neighbour = result(runtime, "homiwork", made.user_id, "tulips")
    neighbour_link = share(owner, neighbour)
    assert report(brand("homiwork"), neighbour_link) == 200
    moderator = console(brand, runtime, "homiwork", role="moderator")
    case = f"/admin/moderation/content_item/{made.item_id}"
    review = (utcnow() + timedelta(days=90)).strftime("%Y-%m-%d")
    held = post_console(
        moderator, f"{case}/hold", {"reason": "police request 17", "review": review}
    )
    assert held.status_code == 303, held.text
    with runtime.sessions() as db:
        hold = db.scalar(select(Hold).where(Hold.subject_id == made.item_id))
        assert hold is not None
        assert hold.reason == "police request 17"
        assert hold.review_at is not None
    # Holding deletes nothing either.
    assert brand("homiwork").get(link).status_code == 200

    # Both items far past the content period (60 days for homiwork).
    _age(runtime, made.item_id, 400)
    _age(runtime, neighbour.item_id, 400)
    results = sweep(runtime, [runtime.registry.get("homiwork")], [Rule.CONTENT])
    assert results[0].error is None
    assert results[0].counts["content_items"] == 1

    store = TenantStore(runtime.store, "homiwork")
    with runtime.sessions() as db:
        assert db.get(ContentItem, made.item_id) is not None
        assert db.scalar(select(Report.id).where(Report.content_item_id == made.item_id))
        assert db.get(ContentItem, neighbour.item_id) is None
        # The deleted neighbour's share link and report went with it.
        assert (
            db.scalars(
                select(ShareLink).where(ShareLink.content_item_id == neighbour.item_id)
            ).all()
            == []
        )
        assert (
            db.scalars(select(Report).where(Report.content_item_id == neighbour.item_id)).all()
            == []
        )
    assert store.exists(made.storage_key)
    assert not store.exists(neighbour.storage_key)
    assert brand("homiwork").get(link).status_code == 200
    assert brand("homiwork").get(neighbour_link).status_code == 404

    # A held item cannot be removed from the console either.
    assert post_console(moderator, f"{case}/remove", {}).status_code == 409
    assert store.exists(made.storage_key)
    assert audit_actions(runtime, "homiwork", f"content_item:{made.item_id}") == ["moderation.hold"]


def test_remove_deletes_rows_and_objects_everywhere(
    brand: Callable[..., BrandClient], runtime: Runtime, database_url: str
) -> None:
    owner, made, link = reported(brand, runtime, "songly", "removee")
    assert str(made.item_id) in owner.get("/library").text
    moderator = console(brand, runtime, "songly", role="moderator")
    case = f"/admin/moderation/content_item/{made.item_id}"
    removed = post_console(moderator, f"{case}/remove", {})
    assert removed.status_code == 303
    assert removed.headers["location"] == "/admin/moderation?done=removed"

    assert moderator.get(case).status_code == 404
    assert brand("songly").get(link).status_code == 404
    assert str(made.item_id) not in owner.get("/library").text
    assert not TenantStore(runtime.store, "songly").exists(made.storage_key)
    stored = database_contents(database_url)
    # Only the audit log still names it: the record of who removed what.
    assert set(stored.where(str(made.item_id))) == {
        "public.admin_audit_log.subject",
        "public.admin_audit_log.before",
    }
    assert stored.where(made.body.decode()) == []
    assert audit_actions(runtime, "songly", f"content_item:{made.item_id}") == ["moderation.remove"]
    with runtime.sessions() as db:
        owner_row = db.get(User, made.user_id)
        assert owner_row is not None
        assert owner_row.blocked_at is None


def _upload(runtime: Runtime, slug: str, user_id: uuid.UUID) -> Upload:
    upload_id = uuid.uuid4()
    key = f"uploads/{user_id}/{upload_id}.jpg"
    TenantStore(runtime.store, slug).put(key, b"\xff\xd8 a photo", "image/jpeg")
    with runtime.sessions() as db:
        upload = Upload(
            id=upload_id,
            tenant_id=slug,
            user_id=user_id,
            kind="image",
            content_type="image/jpeg",
            size_bytes=12,
            display_name="holiday.jpg",
            storage_key=key,
            expires_at=utcnow() + timedelta(days=3),
        )
        db.add(upload)
        db.commit()
        db.expunge(upload)
    return upload


def test_a_moderator_flags_an_upload_of_their_brand_only_and_removes_it(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    _, user_id = member(brand, runtime, "homiwork", "uploader")
    upload = _upload(runtime, "homiwork", user_id)
    _, songly_user = member(brand, runtime, "songly", "elsewhere")
    foreign = _upload(runtime, "songly", songly_user)
    moderator = console(brand, runtime, "homiwork", role="moderator")

    for subject_id in (foreign.id, uuid.uuid4()):
        missed = post_console(
            moderator,
            "/admin/moderation/flag",
            {"kind": "upload", "subject_id": str(subject_id), "reason": "privacy"},
        )
        assert missed.status_code == 404
        assert "has no such upload" in missed.text
    flagged = post_console(
        moderator,
        "/admin/moderation/flag",
        {"kind": "upload", "subject_id": str(upload.id), "reason": "privacy", "details": "a face"},
    )
    assert flagged.status_code == 303
    case = f"/admin/moderation/upload/{upload.id}"
    assert flagged.headers["location"] == f"{case}?done=flagged"
    assert CASE_ROW.findall(moderator.get("/admin/moderation").text) == [str(upload.id)]
    page = moderator.get(case)
    assert "a face" in page.text
    assert f'src="{case}/file"' in page.text  # a photo is shown inline
    shown = moderator.get(f"{case}/file")
    assert shown.headers["content-disposition"].startswith("inline")

    assert post_console(moderator, f"{case}/remove", {}).status_code == 303
    with runtime.sessions() as db:
        assert db.get(Upload, upload.id) is None
        assert db.scalars(select(Report).where(Report.upload_id == upload.id)).all() == []
        assert db.get(Upload, foreign.id) is not None
    assert not TenantStore(runtime.store, "homiwork").exists(upload.storage_key)
    assert audit_actions(runtime, "homiwork", f"upload:{upload.id}") == [
        "moderation.flag",
        "moderation.remove",
    ]
