"""Console pages over HTTP on two brands: roles, brands kept apart, user search, grants
and erasure."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select

from warren.accounts.models import User
from warren.admin.models import AuditEntry
from warren.billing.ledger import balance
from warren.db.unit_of_work import unit_of_work
from warren.lifecycle.holds import place_hold
from warren.lifecycle.models import HoldSubject
from warren.rights.deadlines import Jurisdiction
from warren.rights.models import RequestChannel, RequestKind
from warren.rights.requests import open_request
from warren.runtime import Runtime

from admin_support import console, post_console
from webclient import BrandClient, sign_up


def _user(brand: Callable[..., BrandClient], runtime: Runtime, slug: str, name: str) -> User:
    assert sign_up(brand(slug), f"{name}@example.com", name).status_code == 303
    with runtime.sessions() as db:
        user = db.scalar(select(User).where(User.tenant_id == slug, User.username == name))
        assert user is not None
        return user


def _audit(runtime: Runtime, slug: str, action: str) -> list[AuditEntry]:
    with runtime.sessions() as db:
        return list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.tenant_id == slug, AuditEntry.action == action)
                .order_by(AuditEntry.seq)
            )
        )


def test_every_console_path_is_404_for_another_brands_admin(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    user = _user(brand, runtime, "homiwork", "homi")
    with unit_of_work(runtime.sessions) as db:
        request = open_request(
            db,
            runtime.registry.get("homiwork"),
            RequestKind.ACCESS,
            RequestChannel.EMAIL,
            Jurisdiction.GDPR,
            user.created_at,
            "test",
            user.id,
        )
    songly = console(brand, runtime, "songly")
    foreign = brand("homiwork")
    foreign.cookies.set("warren_admin", songly.cookies["warren_admin"])
    gets = [
        "/admin",
        "/admin/sign-in",
        "/admin/invitation?token=x.y",
        "/admin/users",
        "/admin/users?q=homi",
        f"/admin/users/{user.id}",
        "/admin/requests",
        f"/admin/requests/{request.id}",
        "/admin/audit",
        "/admin/audit/export.csv",
        "/admin/config",
        "/admin/moderation",
    ]
    for path in gets:
        assert foreign.get(path).status_code == 404, path
    token = foreign.csrf()
    posts = [
        "/admin/sign-out",
        f"/admin/users/{user.id}/points",
        f"/admin/users/{user.id}/prime",
        f"/admin/users/{user.id}/erase",
        "/admin/requests",
        f"/admin/requests/{request.id}/assign",
        f"/admin/requests/{request.id}/extend",
        f"/admin/requests/{request.id}/verified",
        f"/admin/requests/{request.id}/complete",
        f"/admin/requests/{request.id}/refuse",
    ]
    for path in posts:
        answer = foreign.post(
            path, data={"_csrf": token, "amount": "5", "days": "3", "reason": "x", "note": "x"}
        )
        assert answer.status_code == 404, path
    with runtime.sessions() as db:
        assert balance(db, runtime.registry.get("homiwork"), user.id) == 0
    # The songly console itself still works, and does not know the homiwork user.
    assert songly.get(f"/admin/users/{user.id}").status_code == 404
    assert songly.get(f"/admin/requests/{request.id}").status_code == 404


def test_roles(brand: Callable[..., BrandClient], runtime: Runtime) -> None:
    user = _user(brand, runtime, "songly", "rolesuser")
    support = console(brand, runtime, "songly", role="support")
    assert support.get("/admin").status_code == 200
    assert support.get("/admin/users?q=roles").status_code == 200
    assert support.get(f"/admin/users/{user.id}").status_code == 200
    assert support.get("/admin/requests").status_code == 200
    for path in ("/admin/audit", "/admin/audit/export.csv"):
        assert support.get(path).status_code == 403, path
    for path in ("points", "prime", "erase"):
        answer = post_console(
            support,
            f"/admin/users/{user.id}/{path}",
            {"amount": "5", "days": "3", "reason": "x", "confirm": "erase"},
        )
        assert answer.status_code == 403, path
    nav = support.get("/admin").text.split('aria-label="Console"')[1].split("</nav>")[0]
    assert 'href="/admin/requests"' in nav
    assert 'href="/admin/audit"' not in nav
    moderator = console(brand, runtime, "songly", role="moderator")
    assert moderator.get("/admin").status_code == 200
    nav = moderator.get("/admin").text.split('aria-label="Console"')[1].split("</nav>")[0]
    assert 'href="/admin/moderation"' in nav
    assert 'href="/admin/users"' not in nav
    for path in ("/admin/users", "/admin/requests", "/admin/audit"):
        assert moderator.get(path).status_code == 403, path
    with runtime.sessions() as db:
        assert balance(db, runtime.registry.get("songly"), user.id) == 0


def test_search_stays_in_its_brand(brand: Callable[..., BrandClient], runtime: Runtime) -> None:
    _user(brand, runtime, "songly", "samesong")
    _user(brand, runtime, "homiwork", "samehomi")
    admin = console(brand, runtime, "songly")
    page = admin.get("/admin/users", params={"q": "same"})
    assert "samesong@example.com" in page.text
    assert "samehomi" not in page.text
    assert "No account" in admin.get("/admin/users", params={"q": "samehomi"}).text
    # LIKE wildcards are searched for literally.
    assert "No account" in admin.get("/admin/users", params={"q": "%"}).text


def test_grants_change_the_balance_and_prime_and_are_audited(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    user = _user(brand, runtime, "vizardio", "granted")
    admin = console(brand, runtime, "vizardio", email="granter@example.com")
    refused = post_console(admin, f"/admin/users/{user.id}/points", {"amount": "5", "reason": ""})
    assert refused.status_code == 400
    done = post_console(
        admin, f"/admin/users/{user.id}/points", {"amount": "25", "reason": "goodwill"}
    )
    assert done.status_code == 303
    assert 'id="balance">25<' in admin.get(f"/admin/users/{user.id}").text
    with runtime.sessions() as db:
        assert balance(db, runtime.registry.get("vizardio"), user.id) == 25
    viewed = _audit(runtime, "vizardio", "user_viewed")
    assert {e.subject for e in viewed} == {f"user:{user.id}"}
    assert {e.actor for e in viewed} == {"admin:granter@example.com"}
    (entry,) = _audit(runtime, "vizardio", "points_granted")
    assert entry.actor == "admin:granter@example.com"
    assert entry.subject == f"user:{user.id}"
    assert entry.before == {"balance": 0}
    assert entry.after == {"balance": 25, "granted": 25, "reason": "goodwill"}
    # vizardio stores raw addresses: the entry has the admin's address.
    assert entry.ip_value == admin.address

    prime = post_console(admin, f"/admin/users/{user.id}/prime", {"days": "30", "reason": "promo"})
    assert prime.status_code == 303
    assert "until" in admin.get(f"/admin/users/{user.id}").text
    (entry,) = _audit(runtime, "vizardio", "prime_granted")
    assert entry.before == {"prime_until": None}
    assert entry.after is not None
    assert entry.after["days"] == 30


def test_erasure_is_refused_on_hold_and_done_otherwise(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    held = _user(brand, runtime, "songly", "helduser")
    free = _user(brand, runtime, "songly", "freeuser")
    with unit_of_work(runtime.sessions) as db:
        place_hold(
            db,
            runtime.registry.get("songly"),
            HoldSubject.ACCOUNT,
            held.id,
            "legal",
            "litigation",
            None,
        )
    admin = console(brand, runtime, "songly")
    assert "on hold" in admin.get(f"/admin/users/{held.id}").text
    refused = post_console(
        admin,
        f"/admin/users/{held.id}/erase",
        {"reason": "data_subject_request", "confirm": "erase"},
    )
    assert refused.status_code == 409
    assert "on hold" in refused.text
    assert "Nothing was deleted" in refused.text
    unconfirmed = post_console(
        admin, f"/admin/users/{free.id}/erase", {"reason": "data_subject_request"}
    )
    assert unconfirmed.status_code == 400
    erased = post_console(
        admin,
        f"/admin/users/{free.id}/erase",
        {"reason": "data_subject_request", "confirm": "erase"},
    )
    assert erased.status_code == 303
    with runtime.sessions() as db:
        assert db.get(User, held.id) is not None
        assert db.get(User, free.id) is None
    (entry,) = _audit(runtime, "songly", "account_erased")
    assert entry.subject == f"user:{free.id}"
    # The append-only log keeps nothing that identifies the erased person.
    assert "freeuser" not in str(entry.before) + str(entry.after)
    assert admin.get(f"/admin/users/{uuid.uuid4()}").status_code == 404
