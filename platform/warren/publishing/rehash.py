"""Publishing raw → hashed IPs rewrites the brand's stored history, once the hashed mode
is in force (warren.privacy.rehash, and the audit log's addresses)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warren.admin.audit import rehash_ips as rehash_audit_ips
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.privacy.rehash import rehash_ips
from warren.publishing.models import BrandConfigVersion
from warren.tenancy.tenant import Tenant


def rehash_when_in_force(
    sessions: sessionmaker[Session], tenant: Tenant, ip_key: bytes, number: int
) -> timedelta | None:
    """Rewrite ``tenant``'s raw addresses if version ``number`` is in force and hashes;
    otherwise how long until it takes effect (None: nothing left to wait for)."""
    with sessions() as db:
        effective_at = db.scalar(
            select(BrandConfigVersion.effective_at).where(
                BrandConfigVersion.tenant_id == tenant.slug, BrandConfigVersion.version == number
            )
        )
    if effective_at is None:
        return None
    now = utcnow()
    if effective_at > now:
        return effective_at - now
    if not tenant.hashes_ip:
        # A later version went back to raw, or this process has not seen the version yet.
        return None if _superseded(sessions, tenant, number) else timedelta(seconds=5)
    rehash_ips(sessions, tenant, ip_key)
    with unit_of_work(sessions) as db:
        rehash_audit_ips(db, tenant, ip_key)
    return None


def _superseded(sessions: sessionmaker[Session], tenant: Tenant, number: int) -> bool:
    with sessions() as db:
        newer = db.scalar(
            select(BrandConfigVersion.id).where(
                BrandConfigVersion.tenant_id == tenant.slug,
                BrandConfigVersion.version > number,
                BrandConfigVersion.effective_at <= utcnow(),
            )
        )
    return newer is not None
