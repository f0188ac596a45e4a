"""The data-subject request queue in the console: order, logging an email request, and
every transition (audited), over HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from warren.accounts.models import User
from warren.admin.models import AdminAccount, AuditEntry
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.rights.deadlines import Jurisdiction
from warren.rights.models import AccountExport, DataSubjectRequest, RequestChannel, RequestKind
from warren.rights.requests import open_request
from warren.runtime import Runtime

from admin_support import console, post_console
from webclient import BrandClient, sign_up


def _verified_user(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str, name: str
) -> User:
    assert sign_up(brand(slug), f"{name}@example.com", name).status_code == 303
    with unit_of_work(runtime.sessions) as db:
        db.execute(
            update(User)
            .where(User.tenant_id == slug, User.username == name)
            .values(email_verified_at=utcnow())
        )
        user = db.scalar(select(User).where(User.tenant_id == slug, User.username == name))
        assert user is not None
        return user


def _request(runtime: Runtime, request_id: str) -> DataSubjectRequest:
    with runtime.sessions() as db:
        found = db.get(DataSubjectRequest, request_id)
        assert found is not None
        return found


def _actions(runtime: Runtime, slug: str, subject: str) -> list[str]:
    with runtime.sessions() as db:
        return list(
            db.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.tenant_id == slug, AuditEntry.subject == subject)
                .order_by(AuditEntry.seq)
            )
        )


def test_queue_lists_overdue_first_then_by_due_date(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    songly = runtime.registry.get("songly")
    now = utcnow()
    with unit_of_work(runtime.sessions) as db:
        ids = {
            age: open_request(
                db,
                songly,
                RequestKind.ACCESS,
                RequestChannel.EMAIL,
                Jurisdiction.GDPR,
                now - timedelta(days=age),
                "test",
            ).id
            for age in (0, 20, 90, 60)
        }
        # Another brand's request never shows.
        open_request(
            db,
            runtime.registry.get("homiwork"),
            RequestKind.ACCESS,
            RequestChannel.EMAIL,
            Jurisdiction.GDPR,
            now - timedelta(days=120),
            "test",
        )
    admin = console(brand, runtime, "songly", role="support")
    page = admin.get("/admin/requests")
    assert page.status_code == 200
    listed = re.findall(r'class="request-row" data-id="([0-9a-f-]+)"', page.text)
    assert listed == [str(ids[90]), str(ids[60]), str(ids[20]), str(ids[0])]
    assert page.text.count("OVERDUE") == 2
    dashboard = admin.get("/admin").text
    assert 'id="open-requests">4<' in dashboard
    assert 'id="overdue-requests">2<' in dashboard


def test_an_email_request_through_every_transition(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    asker = _verified_user(brand, runtime, "homiwork", "asker")
    admin = console(brand, runtime, "homiwork", email="boss@example.com")
    support = console(brand, runtime, "homiwork", role="support", email="helper@example.com")

    bad = post_console(
        admin, "/admin/requests", {"kind": "access", "email": "nope", "jurisdiction": "gdpr"}
    )
    assert bad.status_code == 400
    logged = post_console(
        support,
        "/admin/requests",
        {"kind": "access", "email": "Asker@Example.com", "jurisdiction": "gdpr"},
    )
    assert logged.status_code == 303
    request_id = logged.headers["location"].rsplit("/", 1)[1]
    path = f"/admin/requests/{request_id}"
    request = _request(runtime, request_id)
    assert request.state == "verifying"
    assert request.channel == "email"
    assert request.user_id == asker.id
    assert "asker@example.com" in support.get(path).text

    with runtime.sessions() as db:
        helper = db.scalar(select(AdminAccount).where(AdminAccount.email == "helper@example.com"))
        assert helper is not None
    assert post_console(admin, f"{path}/assign", {"admin": str(helper.id)}).status_code == 303
    assert 'id="assignee">helper@example.com<' in admin.get(path).text

    due = request.due_at
    assert post_console(support, f"{path}/extend", {"reason": ""}).status_code == 400
    assert post_console(support, f"{path}/extend", {"reason": "complex"}).status_code == 303
    assert _request(runtime, request_id).due_at > due
    again = post_console(support, f"{path}/extend", {"reason": "more"})
    assert again.status_code == 409
    assert "already extended" in again.text

    early = post_console(support, f"{path}/complete", {"note": ""})
    assert early.status_code == 409
    assert (
        post_console(support, f"{path}/verified", {"note": "replied from the address"}).status_code
        == 303
    )
    assert _request(runtime, request_id).state == "in_progress"
    assert post_console(support, f"{path}/complete", {"note": ""}).status_code == 303
    assert _request(runtime, request_id).state == "completed"
    with runtime.sessions() as db:
        exports = db.scalars(select(AccountExport).where(AccountExport.user_id == asker.id)).all()
    assert len(exports) == 1

    assert _actions(runtime, "homiwork", f"request:{request_id}") == [
        "request_logged",
        "request_assigned",
        "request_extended",
        "request_in_progress",
        "request_completed",
    ]
    with runtime.sessions() as db:
        entries = db.scalars(
            select(AuditEntry).where(AuditEntry.subject == f"request:{request_id}")
        ).all()
    assert all("asker@example.com" not in str(e.before) + str(e.after) for e in entries)
    assert {e.actor for e in entries} == {"admin:helper@example.com", "admin:boss@example.com"}


def test_erasure_request_erases_and_a_refusal_needs_a_reason(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    leaver = _verified_user(brand, runtime, "songly", "leaver")
    admin = console(brand, runtime, "songly")
    logged = post_console(
        admin,
        "/admin/requests",
        {"kind": "erasure", "email": "leaver@example.com", "jurisdiction": "ccpa"},
    )
    path = logged.headers["location"]
    assert post_console(admin, f"{path}/verified", {"note": ""}).status_code == 303
    assert post_console(admin, f"{path}/complete", {"note": ""}).status_code == 303
    with runtime.sessions() as db:
        assert db.get(User, leaver.id) is None

    other = post_console(
        admin,
        "/admin/requests",
        {"kind": "objection", "email": "stranger@example.com", "jurisdiction": "other"},
    )
    other_path = other.headers["location"]
    assert post_console(admin, f"{other_path}/refuse", {"reason": " "}).status_code == 400
    assert (
        post_console(admin, f"{other_path}/refuse", {"reason": "not a customer"}).status_code == 303
    )
    refused = _request(runtime, other_path.rsplit("/", 1)[1])
    assert refused.state == "refused"
    assert refused.closed_reason == "not a customer"
    # Closed requests leave the open queue.
    queue = admin.get("/admin/requests").text
    assert 'class="request-row"' not in queue
