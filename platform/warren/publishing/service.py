"""Drafts and publication of a brand's admin-owned configuration.

- A brand has at most one draft. Each saved section is validated whole (the draft with
  tenants.toml's ops-owned keys must be a valid Tenant whose policy renders), so a draft
  can always be previewed and published.
- Publishing writes an immutable version row. A material change (the keys the brand's
  ``policy.changes.material`` lists, as promised by the version in force) takes effect
  no sooner than the notice period the version in force promises, and users are told:
  an email to every verified user, or a notice on the site.
- Every draft edit and publication is in the audit log with before and after.
"""

from __future__ import annotations

import difflib
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.admin import audit
from warren.db.base import INT4_MAX, utcnow
from warren.errors import InvalidInput, NotFound
from warren.privacy.policy import rendered_policy
from warren.privacy.rehash import remaining_raw
from warren.publishing.effective import build_tenant
from warren.publishing.models import BrandConfigDraft, BrandConfigVersion, ConfigNoticeSent
from warren.publishing.ownership import admin_document, changed_keys, value_at
from warren.publishing.sections import Section, parse
from warren.queue.port import enqueue_after_commit
from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant

NOTICE_ACTOR = "send_config_notices"
REHASH_ACTOR = "rehash_after_publication"
# Publishing "now" may be a few seconds behind the clock the check uses.
_SLACK = timedelta(minutes=1)


def latest(db: Session, tenant: Tenant) -> BrandConfigVersion | None:
    return db.scalar(
        select(BrandConfigVersion)
        .where(BrandConfigVersion.tenant_id == tenant.slug)
        .order_by(BrandConfigVersion.version.desc())
        .limit(1)
    )


def versions(db: Session, tenant: Tenant) -> Sequence[BrandConfigVersion]:
    return db.scalars(
        select(BrandConfigVersion)
        .where(BrandConfigVersion.tenant_id == tenant.slug)
        .order_by(BrandConfigVersion.version.desc())
    ).all()


@dataclass(frozen=True)
class PublishedVersion:
    """A published version's number and when it takes (or took) effect."""

    version: int
    effective_at: datetime


class _History:
    """Each brand's published versions, newest first, read once per registry.

    The registry is rebuilt whenever a version is published (here at once, elsewhere
    within a poll interval: ``Runtime.refresh_registry``), so a list kept for the
    registry object in force is never older than the configuration being served. Kept
    per brand: one brand's list is never another's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registry: Registry | None = None
        self._by_slug: dict[str, tuple[PublishedVersion, ...]] = {}

    def known(self, registry: Registry, tenant: Tenant) -> tuple[PublishedVersion, ...] | None:
        with self._lock:
            if self._registry is registry:
                return self._by_slug.get(tenant.slug)
            return None

    def of(self, db: Session, registry: Registry, tenant: Tenant) -> tuple[PublishedVersion, ...]:
        known = self.known(registry, tenant)
        if known is not None:
            return known
        listed = tuple(PublishedVersion(v.version, v.effective_at) for v in versions(db, tenant))
        with self._lock:
            if self._registry is not registry:
                self._registry = registry
                self._by_slug = {}
            self._by_slug[tenant.slug] = listed
        return listed


_history = _History()


def published_versions(
    db: Session, registry: Registry, tenant: Tenant
) -> tuple[PublishedVersion, ...]:
    """``versions`` as of ``registry`` (the one in force, read before this call), without
    a query once read: the policy page lists them on every view."""
    return _history.of(db, registry, tenant)


def known_versions(registry: Registry, tenant: Tenant) -> tuple[PublishedVersion, ...] | None:
    """``published_versions`` if already read for ``registry``, else None (no query)."""
    return _history.known(registry, tenant)


def version(db: Session, tenant: Tenant, number: int) -> BrandConfigVersion:
    found = (
        db.scalar(
            select(BrandConfigVersion).where(
                BrandConfigVersion.tenant_id == tenant.slug, BrandConfigVersion.version == number
            )
        )
        if 0 < number <= INT4_MAX
        else None
    )
    if found is None:
        raise NotFound("There is no such version of this policy.")
    return found


def draft(db: Session, tenant: Tenant) -> BrandConfigDraft | None:
    return db.get(BrandConfigDraft, tenant.slug)


def draft_document(db: Session, tenant: Tenant) -> dict[str, Any]:
    """The draft's document, or the configuration in force when there is no draft."""
    found = draft(db, tenant)
    return dict(found.document) if found else admin_document(tenant)


def draft_tenant(base: Tenant, document: Mapping[str, Any]) -> Tenant:
    """The brand as the draft would make it; InvalidInput names what is wrong."""
    candidate = build_tenant(base, document)
    try:
        rendered_policy(candidate)
    except Exception as exc:
        raise InvalidInput({"form": f"the policy does not render: {exc}"}) from None
    return candidate


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    keys = changed_keys(before, after)
    return (
        {key: value_at(before, key) for key in keys},
        {key: value_at(after, key) for key in keys},
    )


def save_section(
    db: Session,
    base: Tenant,
    current: Tenant,
    of: Section,
    form: Mapping[str, list[str]],
    *,
    actor: str,
    ip_value: str,
    source: str = "admin",
) -> dict[str, Any]:
    """Parse and validate one section into the draft; returns the draft document."""
    before = draft_document(db, current)
    after = _deep_copy(before)
    for key, value in parse(of, form).items():
        _set(after, key, value)
    draft_tenant(base, after)
    return store_draft(db, current, after, actor=actor, ip_value=ip_value, source=source)


def _deep_copy(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in document.items()}


def store_draft(
    db: Session,
    tenant: Tenant,
    document: dict[str, Any],
    *,
    actor: str,
    ip_value: str,
    source: str,
) -> dict[str, Any]:
    before = draft_document(db, tenant)
    found = draft(db, tenant)
    if found is None:
        found = BrandConfigDraft(tenant_id=tenant.slug, document=document, source=source)
        db.add(found)
    found.document = document
    found.source = source
    found.updated_by = actor[:200]
    found.updated_at = utcnow()
    old, new = _changes(before, document)
    audit.record(
        db,
        tenant,
        actor=actor,
        action="config.draft",
        subject="draft",
        before=old,
        after=new,
        ip_value=ip_value,
    )
    return document


def discard_draft(db: Session, tenant: Tenant, *, actor: str, ip_value: str) -> None:
    found = draft(db, tenant)
    if found is None:
        return
    old, new = _changes(found.document, admin_document(tenant))
    db.delete(found)
    audit.record(
        db,
        tenant,
        actor=actor,
        action="config.discard",
        subject="draft",
        before=old,
        after=new,
        ip_value=ip_value,
    )


def policy_diff(in_force: str, draft_text: str) -> str:
    """A side-by-side HTML table of the policy in force against the draft's (escaped by
    difflib); empty when they are the same."""
    if in_force == draft_text:
        return ""
    return difflib.HtmlDiff(wrapcolumn=70).make_table(
        in_force.splitlines(),
        draft_text.splitlines(),
        "In force",
        "Draft",
        context=True,
        numlines=1,
    )


@dataclass(frozen=True)
class Plan:
    """What publishing the draft would do."""

    changed: tuple[str, ...]
    material: tuple[str, ...]
    earliest: datetime
    notify_by: str


def material_keys(current: Tenant, changed: Sequence[str]) -> tuple[str, ...]:
    listed = current.policy.changes.material
    return tuple(key for key in changed if any(key == m or key.startswith(m + ".") for m in listed))


def plan(db: Session, current: Tenant, document: Mapping[str, Any], now: datetime) -> Plan:
    previous = latest(db, current)
    before = previous.document if previous else admin_document(current)
    changed = tuple(changed_keys(before, document))
    material = material_keys(current, changed)
    earliest = now
    if material:
        earliest = now + timedelta(days=current.policy.changes.notice_days)
    if previous is not None and previous.effective_at > earliest:
        earliest = previous.effective_at
    return Plan(
        changed=changed,
        material=material,
        earliest=earliest,
        notify_by=current.policy.changes.notify_by if material else "",
    )


def publish(
    db: Session,
    base: Tenant,
    current: Tenant,
    document: Mapping[str, Any],
    *,
    author_id: uuid.UUID | None,
    actor: str,
    ip_value: str,
    effective_at: datetime | None = None,
    now: datetime | None = None,
) -> BrandConfigVersion:
    """Publish ``document`` as the brand's next version.

    ``current`` is the brand as in force: its notice period and material list are the
    promise users were given, so they decide (not the ones being published).
    """
    now = now or utcnow()
    document = _deep_copy(document)
    steps = plan(db, current, document, now)
    when = effective_at or steps.earliest
    if when < now - _SLACK:
        raise InvalidInput({"effective_at": "must not be in the past"})
    if when < steps.earliest - _SLACK:
        if steps.material:
            reason = (
                f"is too early: {', '.join(steps.material)} changed, and the brand promises "
                f"{current.policy.changes.notice_days} days' notice of a material change "
                f"(earliest {steps.earliest:%Y-%m-%d %H:%M} UTC)"
            )
        else:
            reason = f"must not be before the version already scheduled ({steps.earliest:%Y-%m-%d %H:%M} UTC)"
        raise InvalidInput({"effective_at": reason})
    candidate = draft_tenant(base, document)
    previous = latest(db, current)
    in_force_text = previous.policy_markdown if previous else rendered_policy(current).markdown
    policy = rendered_policy(candidate)
    if policy.markdown != in_force_text and value_at(document, "policy.last_updated") == (
        current.policy.last_updated
    ):
        # The text changes: its date is the day it takes effect.
        _set(document, "policy.last_updated", f"{when:%Y-%m-%d}")
        candidate = draft_tenant(base, document)
        policy = rendered_policy(candidate)
    number = (previous.version if previous else 0) + 1
    before = previous.document if previous else admin_document(current)
    analytics_changed = value_at(before, "analytics") != value_at(document, "analytics")
    epoch = number if analytics_changed else (previous.consent_epoch if previous else 0)
    row = BrandConfigVersion(
        tenant_id=current.slug,
        version=number,
        document=document,
        policy_markdown=policy.markdown,
        policy_version=policy.version,
        author_id=author_id,
        author=actor[:200],
        created_at=now,
        published_at=now,
        effective_at=when,
        material=list(steps.material),
        notified_by=steps.notify_by,
        consent_epoch=epoch,
    )
    db.add(row)
    found = draft(db, current)
    if found is not None:
        db.delete(found)
    old, new = _changes(before, document)
    audit.record(
        db,
        current,
        actor=actor,
        action="config.publish",
        subject=f"version {number}",
        before=old,
        after={**new, "effective_at": when.isoformat(), "material": list(steps.material)},
        ip_value=ip_value,
    )
    db.flush()
    if steps.notify_by == "email":
        enqueue_after_commit(db, NOTICE_ACTOR, current.slug, number)
    if value_at(before, "ip.mode") == "raw" and value_at(document, "ip.mode") == "hashed":
        enqueue_after_commit(db, REHASH_ACTOR, current.slug, number)
    return row


@dataclass(frozen=True)
class NoticeProgress:
    sent: int
    recipients: int


def notice_progress(db: Session, tenant: Tenant, number: int) -> NoticeProgress:
    sent = db.scalar(
        select(func.count())
        .select_from(ConfigNoticeSent)
        .where(ConfigNoticeSent.tenant_id == tenant.slug, ConfigNoticeSent.version == number)
    )
    recipients = db.scalar(
        select(func.count())
        .select_from(User)
        .where(User.tenant_id == tenant.slug, User.email_verified_at.is_not(None))
    )
    return NoticeProgress(sent=int(sent or 0), recipients=max(int(recipients or 0), int(sent or 0)))


def sync_from_file(db: Session, base: Tenant, current: Tenant, *, ip_value: str) -> str:
    """What `warren tenants publish-bootstrap` does for one brand: publish tenants.toml's
    admin-owned keys as version 1 when the brand has never published; later, put any
    admin-owned key the file changed since the latest version into the draft for the
    brand's admins to review — never straight into force."""
    actor = "ops:tenants.toml"
    previous = latest(db, base)
    from_file = admin_document(base)
    if previous is None:
        publish(db, base, current, from_file, author_id=None, actor=actor, ip_value=ip_value)
        return "published version 1 from tenants.toml"
    # Once published, the policy's date is the publication's (see publish), not the file's.
    changed = [k for k in changed_keys(previous.document, from_file) if k != "policy.last_updated"]
    if not changed:
        return f"tenants.toml agrees with version {previous.version}"
    document = _deep_copy(draft_document(db, current))
    for key in changed:
        _set(document, key, value_at(from_file, key))
    draft_tenant(base, document)
    store_draft(db, current, document, actor=actor, ip_value=ip_value, source="tenants.toml")
    return f"draft for the admins to review: {', '.join(changed)}"


def rehash_progress(db: Session, tenant: Tenant) -> dict[str, int]:
    """Raw IP values still stored per table, for the console (zeros: done)."""
    return remaining_raw(db, tenant)
