"""Rewriting a tenant's stored raw IP addresses to its keyed hashes, after the tenant
switched from ``raw`` to ``hashed``, so the new policy is true of old data too.

Every column warren stores an IP value in is listed here (security events and consent
records; warren's logs go to stderr, never to files it keeps). Rows are taken in
batches with SKIP LOCKED and rewritten in the same transaction, and a rewritten value
is no longer a raw address, so the work resumes where a crash left it. Hashed → raw
changes nothing: a hash cannot be turned back into the address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, not_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from warren.accounts.models import SecurityEvent
from warren.errors import Conflict
from warren.moderation.models import Report
from warren.privacy.consent_models import ConsentRecord
from warren.privacy.ip import HASH_PREFIX, UNKNOWN, ip_value, parse_address
from warren.tenancy.tenant import Tenant

BATCH = 1000
# Every table and column holding a tenant's IP value.
IP_COLUMNS: tuple[Any, ...] = (SecurityEvent, ConsentRecord, Report)


def _raw(table: Any) -> Any:
    column = table.ip_value
    return not_(or_(column.is_(None), column == UNKNOWN, column.startswith(HASH_PREFIX)))


def rehash_ips(
    sessions: sessionmaker[Session],
    tenant: Tenant,
    ip_key: bytes,
    *,
    batch: int = BATCH,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Rewrite every raw IP value of ``tenant``; returns how many per table."""
    if not tenant.hashes_ip:
        raise Conflict(
            f'{tenant.slug} stores raw IP addresses (ip.mode = "raw"): set ip.mode = '
            f'"hashed" first, or the addresses it stores from now on stay raw.'
        )
    counts: dict[str, int] = {}
    for table in IP_COLUMNS:
        name = table.__tablename__
        counts[name] = 0
        while True:
            with sessions() as db:
                rows = db.execute(
                    select(table.id, table.ip_value)
                    .where(table.tenant_id == tenant.slug, _raw(table))
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                ).all()
                if not rows:
                    break
                # One executemany by primary key per batch.
                db.execute(
                    update(table),
                    [
                        {"id": row_id, "ip_value": ip_value("hashed", ip_key, parse_address(raw))}
                        for row_id, raw in rows
                    ],
                )
                db.commit()
            counts[name] += len(rows)
            if progress is not None:
                progress(name, len(rows))
    return counts


def remaining_raw(db: Session, tenant: Tenant) -> dict[str, int]:
    """How many raw IP values of ``tenant`` each table still holds (the rewrite's
    progress: all zeros when it is done)."""
    return {
        table.__tablename__: int(
            db.scalar(
                select(func.count())
                .select_from(table)
                .where(table.tenant_id == tenant.slug, _raw(table))
            )
            or 0
        )
        for table in IP_COLUMNS
    }
