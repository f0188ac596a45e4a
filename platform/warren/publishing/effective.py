"""The effective configuration of every brand: ``tenants.toml`` for ops-owned keys, the
published version in force (``effective_at <= now``) for admin-owned ones.

A brand that has never published keeps ``tenants.toml`` whole. Every effective Tenant
goes through the same pydantic validation as ``tenants.toml``; a published document
that no longer validates against a later ``tenants.toml`` (ops removed the assistant a
retention number was about, say) stops the process with the reason, as a bad
``tenants.toml`` does — it never falls back silently to the file's values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warren.errors import InvalidInput
from warren.publishing.models import BrandConfigVersion
from warren.publishing.ownership import overlay
from warren.tenancy.registry import PublishedState, Registry, TenantConfigError, describe_errors
from warren.tenancy.tenant import Tenant

# How long after it takes effect a material change announced on the site stays announced.
SITE_NOTICE_DAYS = 30


def build_tenant(base: Tenant, document: Mapping[str, Any]) -> Tenant:
    """``base`` (from tenants.toml) with ``document``'s admin-owned keys, validated as
    ``tenants check`` validates; InvalidInput names each key with its reason."""
    try:
        return Tenant.model_validate(overlay(base, document))
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for key, reason in describe_errors(exc):
            fields.setdefault(key, reason)
        raise InvalidInput(fields) from None


def watch_key(db: Session, now: datetime) -> tuple[int, int]:
    """Changes exactly when the effective configuration may have: versions are only
    ever inserted, so (newest id, how many are in force) says everything."""
    newest, in_force = db.execute(
        select(
            func.coalesce(func.max(BrandConfigVersion.id), 0),
            func.count().filter(BrandConfigVersion.effective_at <= now),
        )
    ).one()
    return int(newest), int(in_force)


def _all_versions(db: Session) -> Sequence[BrandConfigVersion]:
    return db.scalars(
        select(BrandConfigVersion).order_by(
            BrandConfigVersion.tenant_id, BrandConfigVersion.version
        )
    ).all()


def effective_registry(
    bootstrap: Registry, db: Session, now: datetime, previous: Registry | None = None
) -> Registry:
    """Every brand as in force at ``now``. A brand whose configuration did not change
    keeps its Tenant object from ``previous``, and with it the rendered policy cached
    for that object (warren.privacy.policy)."""
    versions = _all_versions(db)
    tenants: dict[str, Tenant] = dict(bootstrap.tenants)
    published: dict[str, PublishedState] = {}
    problems: list[str] = []
    for slug, base in bootstrap.tenants.items():
        own = [v for v in versions if v.tenant_id == slug]
        in_force = [v for v in own if v.effective_at <= now]
        announced = [
            v
            for v in own
            if v.notified_by == "site_notice"
            and v.effective_at > now - timedelta(days=SITE_NOTICE_DAYS)
        ]
        if not in_force and not announced:
            continue
        current = in_force[-1] if in_force else None
        if current is not None:
            try:
                built = build_tenant(base, current.document)
                kept = previous.tenants.get(slug) if previous is not None else None
                tenants[slug] = kept if kept == built and kept is not None else built
            except InvalidInput as invalid:
                problems.extend(
                    f"{bootstrap.source}: tenant {slug!r}: published version "
                    f"{current.version}: key {key!r}: {reason}"
                    for key, reason in invalid.fields.items()
                )
        notice = announced[-1] if announced else None
        published[slug] = PublishedState(
            version=current.version if current else None,
            consent_epoch=current.consent_epoch if current else 0,
            notice_version=notice.version if notice else None,
            notice_effective_at=notice.effective_at if notice else None,
        )
    if problems:
        raise TenantConfigError(bootstrap.source, problems)
    return bootstrap.with_published(tenants, published)
