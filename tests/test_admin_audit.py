"""The audit log: a hash chain per tenant that `warren admins audit verify` checks, a
trigger that refuses UPDATE and DELETE, the console's paged list and the CSV export;
and the `warren admins` commands."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from warren.admin import audit
from warren.admin.models import AdminAccount, AuditEntry
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.errors import Conflict
from warren.privacy.ip import ip_value, parse_address
from warren.runtime import Runtime

from admin_support import SECRETS, console, next_code, sign_in
from conftest import TEST_SECRET
from webclient import BrandClient

ROOT = Path(__file__).resolve().parents[1]


def warren(database_url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WARREN_DATA_DIR": str(data_dir),
        "WARREN_SECRET": TEST_SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "warren.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _record(runtime: Runtime, slug: str, n: int) -> None:
    with unit_of_work(runtime.sessions) as db:
        for i in range(n):
            audit.record(
                db,
                runtime.registry.get(slug),
                actor="admin:test@example.com",
                action="test_action",
                subject=f"thing:{i}",
                before={"n": i},
                after={"n": i + 1, "when": utcnow()},
                ip_value="hmac-sha256:00",
            )


def test_chain_verifies_and_a_rewritten_row_is_detected(
    brand: Callable[..., BrandClient], runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    console(brand, runtime, "songly")
    _record(runtime, "songly", 5)
    _record(runtime, "homiwork", 2)
    ok = warren(database_url, tmp_path, "admins", "audit", "verify", "songly")
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout

    # The trigger refuses both rewriting and removing history.
    for statement in (
        "UPDATE admin_audit_log SET actor = 'someone else' WHERE tenant_id = 'songly'",
        "DELETE FROM admin_audit_log WHERE tenant_id = 'songly'",
    ):
        with pytest.raises(DBAPIError, match="append-only"), runtime.engine.begin() as conn:
            conn.execute(text(statement))

    # Someone able to switch the trigger off (the table's owner; here the superuser)
    # rewrites one entry: the chain shows where.
    with runtime.sessions() as db:
        target = db.scalar(
            select(AuditEntry.seq).where(
                AuditEntry.tenant_id == "songly", AuditEntry.subject == "thing:2"
            )
        )
    with runtime.engine.begin() as conn:
        conn.execute(
            text("ALTER TABLE admin_audit_log DISABLE TRIGGER admin_audit_log_append_only")
        )
        conn.execute(
            text(
                "UPDATE admin_audit_log SET after = '{\"n\": 99}' "
                "WHERE tenant_id = 'songly' AND subject = 'thing:2'"
            )
        )
        conn.execute(text("ALTER TABLE admin_audit_log ENABLE TRIGGER admin_audit_log_append_only"))
    broken = warren(database_url, tmp_path, "admins", "audit", "verify", "songly")
    assert broken.returncode == 1
    assert f"BROKEN at entry {target}" in broken.stderr
    # Another brand's chain is its own, and intact.
    other = warren(database_url, tmp_path, "admins", "audit", "verify", "homiwork")
    assert other.returncode == 0, other.stderr
    # Nothing is old enough to prune.
    pruned = warren(
        database_url, tmp_path, "admins", "audit", "prune", "homiwork", "--older-than-days", "1"
    )
    assert pruned.returncode == 0, pruned.stderr
    assert "homiwork: 0 audit entries" in pruned.stdout


def test_a_removed_middle_row_is_detected(runtime: Runtime, clean_db: None) -> None:
    _record(runtime, "vizardio", 4)
    with runtime.engine.begin() as conn:
        conn.execute(
            text("ALTER TABLE admin_audit_log DISABLE TRIGGER admin_audit_log_append_only")
        )
        conn.execute(
            text("DELETE FROM admin_audit_log WHERE tenant_id = 'vizardio' AND subject = 'thing:1'")
        )
        conn.execute(text("ALTER TABLE admin_audit_log ENABLE TRIGGER admin_audit_log_append_only"))
    with runtime.sessions() as db:
        result = audit.verify(db, runtime.registry.get("vizardio"))
    assert not result.ok
    assert result.broken_at == 3


def test_retention_prunes_the_oldest_rows_and_the_rest_still_verifies(
    runtime: Runtime, clean_db: None
) -> None:
    tenant = runtime.registry.get("homiwork")
    _record(runtime, "homiwork", 3)
    cutoff = utcnow()
    _record(runtime, "homiwork", 2)
    with unit_of_work(runtime.sessions) as db:
        assert audit.prune(db, tenant, cutoff) == 3
        # The exception is scoped to the prune: a DELETE after it is refused again.
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(text("DELETE FROM admin_audit_log"))
    with runtime.sessions() as db:
        result = audit.verify(db, tenant)
    assert result.ok
    assert result.checked == 2


def test_console_lists_newest_first_in_pages_and_exports_csv(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    admin = console(brand, runtime, "homiwork", email="reader@example.com")
    _record(runtime, "homiwork", 60)
    first = admin.get("/admin/audit")
    assert first.status_code == 200
    subjects = [s for s in first.text.split("<td>") if s.startswith("thing:")]
    assert len(subjects) == 50
    assert subjects[0].startswith("thing:59<")
    older = admin.get(first.text.split('id="older" href="')[1].split('"')[0])
    more = [s for s in older.text.split("<td>") if s.startswith("thing:")]
    assert more[0].startswith("thing:9<")
    assert more[-1].startswith("thing:0<")

    exported = admin.get("/admin/audit/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    actions = [row["action"] for row in rows]
    assert actions[:3] == ["admin_invited", "admin_activated", "sign_in"]
    assert actions.count("test_action") == 60
    assert rows[0]["subject"] == "admin:reader@example.com"
    assert [int(row["seq"]) for row in rows] == list(range(1, len(rows) + 1))
    assert all(rows[i]["prev_hash"] == rows[i - 1]["row_hash"] for i in range(1, len(rows)))
    # The export itself is an audited action.
    assert admin.get("/admin/audit").text.count("audit_exported") == 1


def test_admins_commands_add_list_remove(
    brand: Callable[..., BrandClient], runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    added = warren(
        database_url, tmp_path, "admins", "add", "songly", "New@Example.com", "--role", "support"
    )
    assert added.returncode == 0, added.stderr
    assert "invited new@example.com as support" in added.stdout
    ops = warren(
        database_url, tmp_path, "admins", "add", "songly", "ops@example.com", "--role", "ops"
    )
    assert ops.returncode == 0, ops.stderr
    listed = warren(database_url, tmp_path, "admins", "list", "songly")
    assert "songly new@example.com support invited" in listed.stdout
    assert "* ops@example.com ops invited" in listed.stdout
    assert (
        "new@example.com" not in warren(database_url, tmp_path, "admins", "list", "homiwork").stdout
    )
    bad = warren(
        database_url, tmp_path, "admins", "add", "songly", "x@example.com", "--role", "boss"
    )
    assert bad.returncode == 2

    client = console(brand, runtime, "songly", role="support", email="leaving@example.com")
    removed = warren(database_url, tmp_path, "admins", "remove", "songly", "leaving@example.com")
    assert removed.returncode == 0, removed.stderr
    assert "1 session(s) ended" in removed.stdout
    assert client.get("/admin").status_code == 303
    assert (
        warren(database_url, tmp_path, "admins", "remove", "*", "ops@example.com").returncode == 0
    )
    with runtime.sessions() as db:
        left = db.scalars(select(AdminAccount.email)).all()
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.tenant_id == "homiwork")
        ).all()
    assert sorted(left) == ["new@example.com"]
    # Removing an ops admin is recorded in every brand's log.
    assert actions == ["admin_removed"]


def test_an_ops_admin_works_on_every_brand(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    ops = console(brand, runtime, "vizardio", role="ops", email="platform@example.com")
    assert ops.get("/admin/audit").status_code == 200
    # Thirty seconds later, as far as the code's time step goes (a code is good once).
    with runtime.engine.begin() as conn:
        conn.execute(text("UPDATE admin_accounts SET totp_last_step = totp_last_step - 2"))
    elsewhere = brand("songly")
    signed = sign_in(elsewhere, "platform@example.com", next_code(SECRETS["platform@example.com"]))
    assert signed.status_code == 303
    assert elsewhere.get("/admin/audit").status_code == 200


def test_concurrent_appends_keep_one_chain(runtime: Runtime, clean_db: None) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: _record(runtime, "songly", 10), range(4)))
    with runtime.sessions() as db:
        result = audit.verify(db, runtime.registry.get("songly"))
        seqs = db.scalars(
            select(AuditEntry.seq).where(AuditEntry.tenant_id == "songly").order_by(AuditEntry.seq)
        ).all()
    assert result.ok
    assert list(seqs) == list(range(1, 41))


def test_a_brand_switched_to_hashed_ips_gets_its_audit_addresses_rehashed(
    runtime: Runtime, clean_db: None
) -> None:
    raw = runtime.registry.get("vizardio")
    key = runtime.keyring.for_tenant("vizardio").ip_hash
    with unit_of_work(runtime.sessions) as db:
        for address in ("203.0.113.5", "2001:db8::5"):
            audit.record(
                db,
                raw,
                actor="admin:a@example.com",
                action="sign_in",
                subject="admin:a@example.com",
                before=None,
                after=None,
                ip_value=address,
            )
        with pytest.raises(Conflict):
            audit.rehash_ips(db, raw, key)
    hashed = raw.model_copy(update={"ip": raw.ip.model_copy(update={"mode": "hashed"})})
    with unit_of_work(runtime.sessions) as db:
        assert audit.rehash_ips(db, hashed, key) == 2
    with runtime.sessions() as db:
        values = db.scalars(
            select(AuditEntry.ip_value).where(AuditEntry.tenant_id == "vizardio")
        ).all()
        assert audit.verify(db, raw).ok
    assert values == [
        ip_value("hashed", key, parse_address("203.0.113.5")),
        ip_value("hashed", key, parse_address("2001:db8::5")),
    ]
    # The exception is that one column, to a hash: anything else is still refused.
    for statement in (
        "UPDATE admin_audit_log SET ip_value = '203.0.113.9'",
        "UPDATE admin_audit_log SET ip_value = 'hmac-sha256:00', actor = 'x'",
    ):
        with runtime.engine.begin() as conn:
            conn.execute(text("SET LOCAL warren.audit_rehash = 'on'"))
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
