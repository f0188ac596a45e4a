"""Exports of an account (access and portability): requested on the account page, built
by a worker into a ZIP that is streamed to a temporary file and stored from it (never
whole in memory), downloadable by its verified owner for 7 days, then deleted.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import zipstream
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warren.accounts.mailing import link, send, words_for
from warren.accounts.models import User
from warren.accounts.verification import require_verified
from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.errors import Gone, NotFound
from warren.i18n import N_
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.rights.export_contents import account_document, readme
from warren.rights.export_schema import SCHEMA
from warren.rights.models import AccountExport, ExportState
from warren.storage.base import ObjectStore
from warren.storage.tenant_store import TenantStore
from warren.tenancy.tenant import Tenant

EXPORT_ACTOR = "build_account_export"
EXPORT_MAIL_ACTOR = "send_export_email"
KEPT_FOR = timedelta(days=7)
EXPORT_PATH = "/account/export"
_PENDING = (ExportState.REQUESTED.value, ExportState.BUILDING.value)


def request_export(db: Session, tenant: Tenant, user: User) -> AccountExport:
    """A new export, or the one already on its way; NotVerified before the email is."""
    require_verified(user)
    pending = db.scalar(
        select(AccountExport).where(
            AccountExport.tenant_id == tenant.slug,
            AccountExport.user_id == user.id,
            AccountExport.state.in_(_PENDING),
        )
    )
    if pending is not None:
        return pending
    export = AccountExport(tenant_id=tenant.slug, user_id=user.id)
    db.add(export)
    db.flush()
    enqueue_after_commit(db, EXPORT_ACTOR, tenant.slug, str(export.id))
    return export


def latest_export(db: Session, tenant: Tenant, user: User) -> AccountExport | None:
    return db.scalar(
        select(AccountExport)
        .where(AccountExport.tenant_id == tenant.slug, AccountExport.user_id == user.id)
        .order_by(AccountExport.requested_at.desc())
        .limit(1)
    )


def downloadable(db: Session, tenant: Tenant, user: User, export_id: uuid.UUID) -> AccountExport:
    """The user's ready export; NotFound for anyone else's, Gone once it expired,
    NotVerified while the owner's address is unconfirmed."""
    export = db.scalar(
        select(AccountExport).where(
            AccountExport.tenant_id == tenant.slug,
            AccountExport.user_id == user.id,
            AccountExport.id == export_id,
        )
    )
    if export is None or export.state != ExportState.READY.value or export.storage_key is None:
        raise NotFound(N_("There is no such export."))
    if export.expires_at is None or export.expires_at <= utcnow():
        raise Gone(N_("This export has expired and is deleted. Request a new one."))
    require_verified(user)
    return export


def _object_chunks(store: TenantStore, key: str) -> Iterator[bytes]:
    yield from store.read_range(key, 0, store.size(key))


def build_export(
    sessions: sessionmaker[Session],
    store: ObjectStore,
    tenant: Tenant,
    export_id: uuid.UUID,
    work_dir: Path,
    now: datetime | None = None,
) -> None:
    """Build and store the export; a redelivered message rebuilds it (the key is the
    same), a finished one is left alone."""
    tenant_store = TenantStore(store, tenant.slug)
    with unit_of_work(sessions) as db:
        export = db.scalar(
            select(AccountExport)
            .where(AccountExport.tenant_id == tenant.slug, AccountExport.id == export_id)
            .with_for_update()
        )
        if export is None or export.state not in _PENDING:
            return
        user = db.scalar(select(User).where(User.id == export.user_id))
        assert user is not None  # the export row cascades with the user
        export.state = ExportState.BUILDING.value
        generated_at = now or utcnow()
        document, files = account_document(db, tenant, user, generated_at)
        key = f"exports/{user.id}/{export.id}.zip"
    ip_note = "a keyed hash, never the address itself" if tenant.hashes_ip else "as received"
    archive = zipstream.ZipStream(compress_type=zipstream.ZIP_DEFLATED)
    archive.add(json.dumps(document, indent=2, ensure_ascii=False).encode(), "account.json")
    archive.add(json.dumps(SCHEMA, indent=2).encode(), "schema.json")
    archive.add(readme(tenant, generated_at, ip_note).encode(), "README.txt")
    for file in files:
        if tenant_store.exists(file.storage_key):
            archive.add(_object_chunks(tenant_store, file.storage_key), file.name)
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=work_dir, prefix=".export-", suffix=".zip") as temp:
        size = 0
        for chunk in archive:
            temp.write(chunk)
            size += len(chunk)
        temp.flush()
        tenant_store.put_file(key, Path(temp.name), "application/zip")
    with unit_of_work(sessions) as db:
        export = db.get(AccountExport, export_id)
        if export is None:  # the account was deleted meanwhile
            tenant_store.delete_many([key])
            return
        export.state = ExportState.READY.value
        export.storage_key = key
        export.size_bytes = size
        export.finished_at = utcnow()
        export.expires_at = generated_at + KEPT_FOR
        enqueue_after_commit(db, EXPORT_MAIL_ACTOR, tenant.slug, str(export.id))


def export_failed(sessions: sessionmaker[Session], tenant: Tenant, export_id: uuid.UUID) -> None:
    """The last attempt failed: say so on the page and by email, so the user can ask
    again instead of waiting for a copy that will not come."""
    with unit_of_work(sessions) as db:
        export = db.scalar(
            select(AccountExport)
            .where(AccountExport.tenant_id == tenant.slug, AccountExport.id == export_id)
            .with_for_update()
        )
        if export is None or export.state not in _PENDING:
            return
        export.state = ExportState.FAILED.value
        export.finished_at = utcnow()
        enqueue_after_commit(db, EXPORT_MAIL_ACTOR, tenant.slug, str(export.id))


def send_export_email(db: Session, mailer: Mailer, tenant: Tenant, export_id: uuid.UUID) -> bool:
    """Tell the owner their copy is ready (or could not be made); False when the export
    or its account is gone."""
    row = db.execute(
        select(AccountExport, User)
        .join(User, User.id == AccountExport.user_id)
        .where(AccountExport.tenant_id == tenant.slug, AccountExport.id == export_id)
    ).one_or_none()
    if row is None:
        return False
    export, user = row
    page = link(tenant, EXPORT_PATH)
    words = words_for(tenant, user)
    if export.state == ExportState.READY.value and export.expires_at is not None:
        send(
            mailer,
            tenant,
            user.email,
            words.gettext("Your copy of your %(brand)s data is ready", brand=tenant.name),
            words.gettext(
                "Hello %(username)s,\n\nThe copy of your data you asked for is ready. "
                "Sign in and download it from %(page)s until "
                "%(until)s UTC; then it is deleted.\n",
                username=user.username,
                page=page,
                until=f"{export.expires_at:%Y-%m-%d %H:%M}",
            ),
        )
        return True
    if export.state == ExportState.FAILED.value:
        send(
            mailer,
            tenant,
            user.email,
            words.gettext("We could not make your copy of your %(brand)s data", brand=tenant.name),
            words.gettext(
                "Hello %(username)s,\n\nMaking the copy of your data you asked for failed. "
                "Please ask again at %(page)s; if it fails again, write to "
                "%(support)s.\n",
                username=user.username,
                page=page,
                support=tenant.support_email,
            ),
        )
        return True
    return False


def sweep_expired_exports(db: Session, store: ObjectStore, tenant: Tenant) -> int:
    """Delete the exports whose 7 days are over, and any never finished in as long (a
    build that kept failing); returns how many."""
    cutoff = utcnow()
    expired = list(
        db.scalars(
            select(AccountExport).where(
                AccountExport.tenant_id == tenant.slug,
                (AccountExport.expires_at <= cutoff)
                | (
                    (AccountExport.state.in_(_PENDING))
                    & (AccountExport.requested_at <= cutoff - KEPT_FOR)
                ),
            )
        )
    )
    keys = [e.storage_key for e in expired if e.storage_key]
    for export in expired:
        db.delete(export)
    db.flush()
    TenantStore(store, tenant.slug).delete_many(keys)
    return len(expired)
