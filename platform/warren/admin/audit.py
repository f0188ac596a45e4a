"""The audit log: every admin action, append-only twice over.

1. A **hash chain per tenant**: each row stores the hash of the row before it
   (``prev_hash``; the first row of a tenant has 64 zeros) and ``row_hash`` = SHA-256 of
   that hash and the row's canonical JSON. Changing, inserting or removing a row in the
   middle breaks every hash after it; :func:`verify` walks the chain.
2. A **trigger** (migration 0010) refuses UPDATE and DELETE on the table, so the
   application, a bug or an injected statement cannot rewrite history; only someone who
   can alter or disable triggers (the table's owner) can, and then the chain shows it.

Two deliberate exceptions, each let through by the trigger only in a transaction that
sets its flag:

- **Retention**: :func:`prune` deletes a tenant's oldest rows (``warren.audit_retention``).
  The first remaining row keeps its ``prev_hash``, so the rest of the chain still
  verifies from there.
- **Rehashing addresses**: when a brand switches from raw to hashed IPs,
  :func:`rehash_ips` (run by ``warren tenants rehash-ips``) rewrites the raw addresses
  in ``ip_value`` to the brand's keyed hashes (``warren.audit_rehash``; the trigger
  accepts only that one column changing, and only to a hash). This is why ``ip_value`` is
  the one field outside the chain: the chain cannot cover a value that must be
  rewritable, and the trigger still refuses every other change to it.

Appends to one tenant's chain are serialised with a transaction-level advisory lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from warren.admin.models import AuditEntry
from warren.db.base import INT8_MAX, INT8_MIN, utcnow
from warren.errors import Conflict, InvalidInput
from warren.privacy.ip import HASH_PREFIX, UNKNOWN, ip_value, parse_address
from warren.tenancy.tenant import Tenant

GENESIS = "0" * 64


def _plain(values: Mapping[str, object] | None) -> dict[str, Any] | None:
    """The mapping as JSON will give it back (dates and ids become strings)."""
    if values is None:
        return None
    plain: dict[str, Any] = json.loads(json.dumps(dict(values), default=str))
    return plain


def canonical(entry: AuditEntry) -> str:
    at = entry.at.astimezone(UTC).isoformat()
    return json.dumps(
        {
            "tenant": entry.tenant_id,
            "seq": entry.seq,
            "at": at,
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "before": entry.before,
            "after": entry.after,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(entry)}".encode()).hexdigest()


def _lock(db: Session, tenant: Tenant) -> None:
    db.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
        {"key": f"admin_audit_log:{tenant.slug}"},
    )


def record(
    db: Session,
    tenant: Tenant,
    *,
    actor: str,
    action: str,
    subject: str,
    before: Mapping[str, object] | None,
    after: Mapping[str, object] | None,
    ip_value: str,
) -> None:
    """Append one entry to the tenant's chain, in the caller's transaction."""
    _lock(db, tenant)
    last = db.execute(
        select(AuditEntry.seq, AuditEntry.row_hash)
        .where(AuditEntry.tenant_id == tenant.slug)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).one_or_none()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = AuditEntry(
        tenant_id=tenant.slug,
        seq=seq,
        at=utcnow(),
        actor=actor[:200],
        action=action[:64],
        subject=subject[:200],
        before=_plain(before),
        after=_plain(after),
        ip_value=ip_value,
        prev_hash=prev_hash,
        row_hash="",
    )
    entry.row_hash = chain_hash(prev_hash, entry)
    db.add(entry)
    db.flush()


@dataclass(frozen=True)
class Verification:
    checked: int
    # The seq of the first row that does not verify, and why; None when all do.
    broken_at: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _in_order(db: Session, tenant: Tenant) -> Iterator[AuditEntry]:
    yield from db.scalars(
        select(AuditEntry)
        .where(AuditEntry.tenant_id == tenant.slug)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=500)
    )


def verify(db: Session, tenant: Tenant) -> Verification:
    """Walk the tenant's chain from its first remaining row."""
    checked = 0
    prev: AuditEntry | None = None
    for entry in _in_order(db, tenant):
        if prev is not None:
            if entry.seq != prev.seq + 1:
                return Verification(checked, entry.seq, f"rows {prev.seq + 1}… are missing")
            if entry.prev_hash != prev.row_hash:
                return Verification(checked, entry.seq, "does not link to the row before it")
        elif entry.seq == 1 and entry.prev_hash != GENESIS:
            return Verification(checked, entry.seq, "the first row does not start the chain")
        if chain_hash(entry.prev_hash, entry) != entry.row_hash:
            return Verification(checked, entry.seq, "its content does not match its hash")
        checked += 1
        prev = entry
    return Verification(checked, None, "")


def prune(db: Session, tenant: Tenant, before: datetime) -> int:
    """Delete the tenant's entries older than ``before`` (the retention exception)."""
    _lock(db, tenant)
    db.execute(text("SET LOCAL warren.audit_retention = 'on'"))
    deleted = db.scalars(
        delete(AuditEntry)
        .where(AuditEntry.tenant_id == tenant.slug, AuditEntry.at < before)
        .returning(AuditEntry.id)
    ).all()
    db.execute(text("SET LOCAL warren.audit_retention = 'off'"))
    return len(deleted)


def rehash_ips(db: Session, tenant: Tenant, ip_key: bytes) -> int:
    """Rewrite the tenant's raw addresses in the log to its keyed hashes (after the
    tenant switched to hashed IPs); returns how many."""
    if not tenant.hashes_ip:
        raise Conflict(f"{tenant.slug} stores raw IP addresses: switch it to hashed first.")
    raw = (
        db.execute(
            select(AuditEntry.id, AuditEntry.ip_value).where(
                AuditEntry.tenant_id == tenant.slug,
                AuditEntry.ip_value.not_in(["", UNKNOWN]),
                AuditEntry.ip_value.not_like(f"{HASH_PREFIX}%"),
            )
        )
        .tuples()
        .all()
    )
    if not raw:
        return 0
    db.execute(text("SET LOCAL warren.audit_rehash = 'on'"))
    db.execute(
        update(AuditEntry),
        [
            {"id": row_id, "ip_value": ip_value("hashed", ip_key, parse_address(value))}
            for row_id, value in raw
        ],
    )
    db.execute(text("SET LOCAL warren.audit_rehash = 'off'"))
    return len(raw)


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    # The id to pass as ``before`` for the next (older) page, or None on the last one.
    next_before: int | None


def page(db: Session, tenant: Tenant, before: int | None = None, size: int = 50) -> Page:
    """Newest first, keyset-paged on the id (stable while new rows arrive)."""
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant.slug)
    if before is not None and not INT8_MIN <= before <= INT8_MAX:
        raise InvalidInput({"before": "This page of the audit log does not exist."})
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(db.scalars(query.order_by(AuditEntry.id.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].id if more and rows else None)


def count(db: Session, tenant: Tenant) -> int:
    return int(db.scalar(select(func.count()).where(AuditEntry.tenant_id == tenant.slug)) or 0)


def all_entries(db: Session, tenant: Tenant) -> Iterator[AuditEntry]:
    """Every entry, oldest first, fetched in batches (for the CSV export)."""
    return _in_order(db, tenant)
