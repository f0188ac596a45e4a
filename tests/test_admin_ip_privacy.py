"""Hashed-IP brands: an admin's address is nowhere, whatever they do in the console.

An admin works the songly (IPv4) and homiwork (IPv6) consoles from known addresses:
a failed sign-in, sign-in, a search, grants, a logged and worked request, the audit page
and its export, sign-out. Then every column of every table, every file in the data dir
and everything the server printed are searched for the addresses in every spelling.
vizardio stores raw addresses by design: the same search finds its admin's address,
which shows the search sees what it looks for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from warren.runtime import Runtime
from warren.settings import Settings

from admin_support import console, post_console, sign_in
from infra import address_spellings, database_contents, files_contents
from webclient import BrandClient, sign_up

HASHED = {"songly": "203.0.113.91", "homiwork": "2001:db8:91::91"}
RAW = {"vizardio": "203.0.113.92"}


def _work_the_console(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str, address: str
) -> None:
    assert (
        sign_up(brand(slug, address), f"ipuser-{slug}@example.com", f"ipuser{slug}").status_code
        == 303
    )
    assert sign_in(brand(slug, address), "nobody@example.com", "000000").status_code == 400
    admin = console(brand, runtime, slug, address=address)
    found = admin.get("/admin/users", params={"q": "ipuser"})
    user_path = found.text.split('href="/admin/users/')[1].split('"')[0]
    assert (
        post_console(
            admin, f"/admin/users/{user_path}/points", {"amount": "3", "reason": "ip test"}
        ).status_code
        == 303
    )
    logged = post_console(
        admin,
        "/admin/requests",
        {"kind": "other", "email": f"ipuser-{slug}@example.com", "jurisdiction": "gdpr"},
    )
    request_path = logged.headers["location"]
    assert post_console(admin, f"{request_path}/verified", {"note": ""}).status_code == 303
    assert post_console(admin, f"{request_path}/complete", {"note": "answered"}).status_code == 303
    assert admin.get("/admin/audit").status_code == 200
    assert admin.get("/admin/audit/export.csv").status_code == 200
    assert post_console(admin, "/admin/sign-out", {}).status_code == 303


def test_no_raw_admin_address_is_stored_for_hashed_ip_brands(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    database_url: str,
    capfd: pytest.CaptureFixture[str],
) -> None:
    for slug, address in {**HASHED, **RAW}.items():
        _work_the_console(brand, runtime, slug, address)
    printed = capfd.readouterr()
    stored = database_contents(database_url)
    files = files_contents(Path(settings.data_dir))
    output = printed.out + printed.err
    assert ("public", "admin_audit_log") in stored.tables

    for slug, address in HASHED.items():
        texts, blobs = address_spellings(address)
        for spelling in texts:
            assert stored.where(spelling) == [], (slug, spelling)
            assert files.where(spelling) == [], (slug, spelling)
            assert spelling not in output, (slug, spelling)
        for packed in blobs:
            assert stored.where(packed) == [], slug

    (raw,) = RAW.values()
    assert "public.admin_audit_log.ip_value" in stored.where(raw)
