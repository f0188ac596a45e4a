"""Evidence of a held item for law enforcement: a ZIP with a signed manifest.

The ZIP holds the content file, ``metadata.json`` (the item and its owner's account),
``reports.json``, ``holds.json``, ``audit.json`` (the audit entries about the item,
the export's own included) and ``README.txt``; then ``manifest.json``, which lists every
one of those files with its size and SHA-256, and ``manifest.sig``, the Ed25519
signature (hex) of the exact bytes of ``manifest.json``.

The signing key is per tenant: its 32-byte seed is the keyring's ``evidence`` key (an
HKDF-SHA256 derivation of the deployment or tenant secret with the context
``warren/<slug>/moderation-evidence``). The manifest names the public key, but a
recipient must compare it with the one the operator gives them separately
(``warren moderation evidence-key TENANT``): anyone can sign a forged ZIP with a key of
their own. Verification (:func:`verify_evidence`, ``warren moderation verify-evidence``)
checks the signature, then that every listed file is there with its size and hash and
that nothing else is.

The ZIP is streamed: the content file is read from the store in chunks, hashed as it
passes, and the manifest is written last, when every hash is known.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import zipstream
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.admin.audit import record
from warren.admin.models import AuditEntry
from warren.db.base import utcnow
from warren.errors import Conflict
from warren.moderation.models import SubjectKind
from warren.moderation.queue import case_of
from warren.storage.tenant_store import TenantStore
from warren.tenancy.secrets import TenantKeys
from warren.tenancy.tenant import Tenant

FORMAT = "warren-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
_CHUNK = 64 * 1024


def signing_key(keys: TenantKeys) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(keys.evidence)


def public_key_hex(keys: TenantKeys) -> str:
    return signing_key(keys).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).encode()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass
class Evidence:
    """What goes into one export: small documents in memory, the content file by key."""

    tenant: str
    subject: str
    created_at: datetime
    created_by: str
    documents: dict[str, bytes]
    # (name in the ZIP, storage key) of the files streamed from the store.
    files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"evidence-{self.tenant}-{self.subject.replace(':', '-')}.zip"


def collect_evidence(
    db: Session,
    store: TenantStore,
    tenant: Tenant,
    kind: SubjectKind,
    subject_id: uuid.UUID,
    *,
    actor: str,
    ip_value: str,
) -> Evidence:
    """Gather the evidence of a held item and record the export in the audit log (in the
    caller's transaction, so the export's own entry is in it). Conflict unless held."""
    case = case_of(db, tenant, kind, subject_id)
    if not case.held:
        raise Conflict("Only held content can be exported as evidence. Place a hold first.")
    subject = case.subject
    now = utcnow()
    record(
        db, tenant, actor=actor, action="moderation.evidence_export", subject=subject.name,
        before=None, after={"at": now}, ip_value=ip_value,
    )  # fmt: skip
    owner: User = case.owner
    metadata = {
        "tenant": {"slug": tenant.slug, "name": tenant.name},
        "subject": subject.metadata(),
        "owner": {
            "id": str(owner.id),
            "username": owner.username,
            "email": owner.email,
            "created_at": _iso(owner.created_at),
            "last_access_at": _iso(owner.last_access_at),
            "blocked_at": _iso(owner.blocked_at),
            "blocked_reason": owner.blocked_reason,
        },
        "share_link": None
        if case.share is None
        else {"created_at": _iso(case.share.created_at), "revoked_at": _iso(case.share.revoked_at)},
    }
    reports = [
        {
            "id": str(r.id),
            "source": r.source,
            "reason": r.reason,
            "details": r.details,
            "reporter_ip_value": r.ip_value,
            "flagged_by": r.flagged_by,
            "created_at": _iso(r.created_at),
            "resolved_at": _iso(r.resolved_at),
            "resolved_by": r.resolved_by,
            "resolution": r.resolution,
        }
        for r in case.reports
    ]
    holds = [
        {
            "id": str(h.id),
            "subject_kind": h.subject_kind,
            "subject_id": str(h.subject_id),
            "placed_by": h.placed_by,
            "reason": h.reason,
            "placed_at": _iso(h.placed_at),
            "review_at": _iso(h.review_at),
            "lifted_at": _iso(h.lifted_at),
            "lifted_by": h.lifted_by,
        }
        for h in case.holds
    ]
    entries = db.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.tenant_id == tenant.slug,
            or_(AuditEntry.subject == subject.name, AuditEntry.subject == f"account:{owner.id}"),
        )
        .order_by(AuditEntry.seq)
    )
    audit = [
        {
            "seq": e.seq,
            "at": _iso(e.at),
            "actor": e.actor,
            "action": e.action,
            "subject": e.subject,
            "before": e.before,
            "after": e.after,
            "ip_value": e.ip_value,
            "prev_hash": e.prev_hash,
            "row_hash": e.row_hash,
        }
        for e in entries
    ]
    extension = subject.storage_key.rsplit(".", 1)[-1] if "." in subject.storage_key else "bin"
    evidence = Evidence(
        tenant=tenant.slug,
        subject=subject.name,
        created_at=now,
        created_by=actor,
        documents={
            "README.txt": _readme(tenant).encode(),
            "metadata.json": _json(metadata),
            "reports.json": _json(reports),
            "holds.json": _json(holds),
            "audit.json": _json(audit),
        },
    )
    if store.exists(subject.storage_key):
        evidence.files.append((f"content/{subject.id}.{extension}", subject.storage_key))
    return evidence


def _readme(tenant: Tenant) -> str:
    return (
        f"Evidence exported from {tenant.name} (warren tenant '{tenant.slug}').\n\n"
        f"{MANIFEST} lists every other file with its size and SHA-256; {SIGNATURE} is the\n"
        f"Ed25519 signature (hex) of the exact bytes of {MANIFEST}, made with the tenant's\n"
        "evidence key. The public key is in the manifest; compare it with the one the\n"
        "operator gave you separately before trusting the signature.\n\n"
        "To verify: warren moderation verify-evidence FILE --public-key HEX\n"
        "or, with any Ed25519 library: check the signature over manifest.json, then the\n"
        "SHA-256 of every listed file, and that the ZIP holds no file the manifest omits.\n"
    )


def _hashing(
    chunks: Iterator[bytes], name: str, digests: dict[str, tuple[str, int]]
) -> Iterator[bytes]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        yield chunk
    digests[name] = (digest.hexdigest(), size)


def _object_chunks(store: TenantStore, key: str) -> Iterator[bytes]:
    yield from store.read_range(key, 0, store.size(key))


def stream_evidence(evidence: Evidence, store: TenantStore, keys: TenantKeys) -> Iterator[bytes]:
    """The signed ZIP, chunk by chunk; the store is read only as the ZIP is sent."""
    key = signing_key(keys)
    digests: dict[str, tuple[str, int]] = {}
    signed: dict[str, bytes] = {}
    archive = zipstream.ZipStream(compress_type=zipstream.ZIP_DEFLATED)
    for name, data in evidence.documents.items():
        archive.add(_hashing(iter([data]), name, digests), name)
    for name, storage_key in evidence.files:
        archive.add(_hashing(_object_chunks(store, storage_key), name, digests), name)

    def manifest() -> Iterator[bytes]:
        # Generators run when the ZIP reaches them: every file above has been hashed.
        document = {
            "format": FORMAT,
            "tenant": evidence.tenant,
            "subject": evidence.subject,
            "created_at": evidence.created_at.isoformat(),
            "created_by": evidence.created_by,
            "signature": {
                "algorithm": "Ed25519",
                "public_key": key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
                "file": SIGNATURE,
            },
            "files": [
                {"name": name, "size": size, "sha256": digest}
                for name, (digest, size) in digests.items()
            ],
        }
        signed["manifest"] = _json(document)
        yield signed["manifest"]

    def signature() -> Iterator[bytes]:
        yield key.sign(signed["manifest"]).hex().encode()

    archive.add(manifest(), MANIFEST)
    archive.add(signature(), SIGNATURE)
    yield from archive


@dataclass(frozen=True)
class Verdict:
    problems: list[str]
    public_key: str | None
    files: int

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_evidence(source: Path | IO[bytes], public_key: str | None = None) -> Verdict:
    """Check an evidence ZIP: the manifest's signature (against ``public_key`` when
    given, as it should be), every listed file's size and SHA-256, and no extra files."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        return Verdict([f"not a readable ZIP: {exc}"], None, 0)
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            return Verdict([f"{MANIFEST} or {SIGNATURE} is missing"], None, 0)
        manifest_bytes = archive.read(MANIFEST)
        try:
            manifest = json.loads(manifest_bytes)
            stated_key = str(manifest["signature"]["public_key"])
            listed = {str(f["name"]): f for f in manifest["files"]}
            signature = bytes.fromhex(archive.read(SIGNATURE).decode("ascii").strip())
            verifier = Ed25519PublicKey.from_public_bytes(bytes.fromhex(stated_key))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            return Verdict([f"the manifest or signature cannot be read: {exc}"], None, 0)
        if public_key is not None and public_key.strip().lower() != stated_key.lower():
            problems.append("the manifest is signed with another key than the one expected")
        try:
            verifier.verify(signature, manifest_bytes)
        except InvalidSignature:
            problems.append("the signature does not match the manifest")
        for extra in sorted(names - set(listed) - {MANIFEST, SIGNATURE}):
            problems.append(f"{extra} is in the ZIP but not in the manifest")
        for name, entry in listed.items():
            if name not in names:
                problems.append(f"{name} is listed but missing")
                continue
            digest, size = hashlib.sha256(), 0
            with archive.open(name) as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            if digest.hexdigest() != entry.get("sha256") or size != entry.get("size"):
                problems.append(f"{name} does not match its hash in the manifest")
        return Verdict(problems, stated_key, len(listed))
