"""A copy of one's data through the web: requested, built by the worker, downloaded by
its verified owner only, valid against its own schema, and gone after 7 days."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import timedelta

import jsonschema
from inbox import link_in, mail_to, text_of
from sqlalchemy import select, update
from test_acct_verification import use_link
from test_rights_account_deletion import give_data, user_named

from warren.db.base import utcnow
from warren.rights.export import export_failed
from warren.rights.models import AccountExport
from warren.runtime import Runtime
from warren.scheduler import expire_exports
from warren.settings import Settings
from warren.storage.tenant_store import TenantStore

from webclient import BrandClient, sign_up_and_sign_in


def verified(
    client: BrandClient, settings: Settings, address: str, drain: Callable[[], None]
) -> None:
    drain()
    [welcome] = mail_to(settings, address)
    assert use_link(client, link_in(welcome, "/verify-email"), "/verify-email") == 303


def test_an_export_holds_everything_validates_and_is_only_the_owners(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    client = brand("songly")
    sign_up_and_sign_in(client, "exporter@example.com", "exporterzq")
    refused = client.post_form("/account/export", {}, form_page="/account/export")
    assert refused.status_code == 403  # not before the address is confirmed
    verified(client, settings, "exporter@example.com", drain)
    user = user_named(runtime, "songly", "exporterzq")
    give_data(runtime, user, "saffron-heron")

    asked = client.post_form("/account/export", {}, form_page="/account/export")
    assert asked.status_code == 303
    # The worker started by the first drain may already be at it: any state of a copy on
    # its way, and the page that polls while it is.
    waiting = client.get("/account/export").text
    assert re.search(r'id="export-state" data-state="(requested|building|ready)"', waiting)
    script = re.search(r'<script src="(/static/export\.[0-9a-f]+\.js)" defer></script>', waiting)
    assert script is not None
    assert client.get(script.group(1)).status_code == 200
    assert 'id="account-export-state"' in client.get("/account").text
    drain()
    assert 'id="account-export-state" data-state="ready"' in client.get("/account").text
    page = client.get("/account/export").text
    assert 'data-state="ready"' in page
    link = re.search(r'id="export-download" href="([^"]+)"', page)
    assert link
    download = client.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"

    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = set(archive.namelist())
    assert {"account.json", "schema.json", "README.txt"} <= names
    document = json.loads(archive.read("account.json"))
    jsonschema.validate(document, json.loads(archive.read("schema.json")))
    assert document["account"]["username"] == "exporterzq"
    assert "password_hash" not in document["account"]
    assert "totp_secret" not in document["account"]
    [item] = document["content"]
    [upload] = document["uploads"]
    assert archive.read(item["file"]) == b"a poem about saffron-heron"
    assert archive.read(upload["file"]) == b"photo of saffron-heron"
    assert document["chats"][0]["content"] == "tell me about saffron-heron"
    assert document["points_ledger"][0]["amount"] == 100
    assert document["orders"][0]["amount"] == "5.00"
    assert document["security_events"]
    # songly keeps only a keyed hash of the address, and so does the export
    assert client.address not in download.content.decode("latin-1")
    assert all(
        e["ip_value"].startswith("hmac-sha256:")
        for e in document["security_events"]
        if e["ip_value"]
    )
    readme = archive.read("README.txt").decode()
    for part in ("account.json", "schema.json", "content/", "uploads/", "consents", "7 days"):
        assert part in readme

    # Another user of the brand, and a user of another brand, reach nothing.
    stranger = brand("songly")
    sign_up_and_sign_in(stranger, "stranger@example.com", "strangerzq")
    assert stranger.get(link.group(1)).status_code == 404
    elsewhere = brand("vizardio")
    sign_up_and_sign_in(elsewhere, "exporter@example.com", "exporterzq")
    assert elsewhere.get(link.group(1)).status_code == 404
    assert brand("songly").get(link.group(1)).status_code in (302, 303, 401)

    # After 7 days the link is refused and the sweep deletes the ZIP.
    with runtime.sessions() as db:
        export = db.scalar(select(AccountExport).where(AccountExport.user_id == user.id))
        assert export is not None
        assert export.expires_at is not None
        assert export.expires_at - export.requested_at >= timedelta(days=7) - timedelta(minutes=1)
        key = export.storage_key
        assert key is not None
        db.execute(
            update(AccountExport)
            .where(AccountExport.id == export.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.commit()
    store = TenantStore(runtime.store, "songly")
    assert store.exists(key)
    assert client.get(link.group(1)).status_code == 410
    expire_exports(runtime)
    assert not store.exists(key)
    with runtime.sessions() as db:
        assert db.scalar(select(AccountExport.id).where(AccountExport.user_id == user.id)) is None


def test_the_owner_is_emailed_when_the_copy_is_ready_or_could_not_be_made(
    brand: Callable[..., BrandClient],
    runtime: Runtime,
    settings: Settings,
    drain: Callable[[], None],
) -> None:
    client = brand("vizardio")
    sign_up_and_sign_in(client, "copied@example.com", "copied")
    verified(client, settings, "copied@example.com", drain)
    assert client.post_form("/account/export", {}, form_page="/account/export").status_code == 303
    drain()
    ready = [m for m in mail_to(settings, "copied@example.com") if "is ready" in m["Subject"]]
    assert len(ready) == 1
    assert "https://vizardio.com/account/export" in text_of(ready[0])

    # The next copy fails on every attempt of the worker: the page says so, the owner is
    # told, and may ask again (the page no longer waits for it).
    user = user_named(runtime, "vizardio", "copied")
    tenant = runtime.registry.get("vizardio")
    with runtime.sessions() as db:
        stuck = AccountExport(tenant_id="vizardio", user_id=user.id, state="building")
        db.add(stuck)
        db.commit()
        stuck_id = stuck.id
    export_failed(runtime.sessions, tenant, stuck_id)
    export_failed(runtime.sessions, tenant, stuck_id)  # a second report changes nothing
    page = client.get("/account/export").text
    assert 'data-state="failed"' in page
    assert 'id="request-export"' in page
    drain()
    failed = [m for m in mail_to(settings, "copied@example.com") if "could not" in m["Subject"]]
    assert len(failed) == 1
    assert client.post_form("/account/export", {}, form_page="/account/export").status_code == 303
    with runtime.sessions() as db:
        states = sorted(
            db.scalars(select(AccountExport.state).where(AccountExport.user_id == user.id))
        )
    assert states.count("failed") == 1
    assert len(states) == 3
