"""Per-tenant keys, derived from the deployment secret; never read from tenants.toml.

Each tenant's IP-hash key ("the private salt"), session/CSRF/link signing keys and TOTP
encryption key are
HKDF-SHA256 derivations of one deployment secret with the tenant slug and purpose as
context, so one secret in the environment serves every brand while a key of one brand
says nothing about another's. A tenant may be given its own secret
(``WARREN_TENANT_SECRET_<SLUG>``, read by warren.settings into ``tenant_secrets``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_FILE_NAME = "deployment-secret"  # noqa: S105 - a file name, not a secret


class SecretError(Exception):
    pass


@dataclass(frozen=True)
class TenantKeys:
    ip_hash: bytes
    session: bytes
    csrf: bytes
    # Signs emailed links (verification, reset, email change) and pending sign-ins.
    tokens: bytes
    # Encrypts stored TOTP secrets: a database copy alone cannot mint codes.
    totp: bytes
    # Signs the demo payment gateway's notifications (a real gateway has its own secret).
    demo_gateway: bytes
    # The Ed25519 seed that signs moderation evidence exports (warren.moderation.evidence).
    evidence: bytes


def _derive(secret: bytes, slug: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"warren/{slug}/{purpose}".encode()
    ).derive(secret)


class Keyring:
    """Hands out each tenant's keys; computed once per tenant and process."""

    def __init__(self, secret: bytes, overrides: Mapping[str, bytes] | None = None) -> None:
        if len(secret) < 32:
            raise SecretError("the deployment secret must be at least 32 bytes")
        self._secret = secret
        self._overrides = dict(overrides or {})
        self._cache: dict[str, TenantKeys] = {}

    def for_tenant(self, slug: str) -> TenantKeys:
        keys = self._cache.get(slug)
        if keys is None:
            secret = self._overrides.get(slug, self._secret)
            keys = TenantKeys(
                ip_hash=_derive(secret, slug, "ip-hash"),
                session=_derive(secret, slug, "session"),
                csrf=_derive(secret, slug, "csrf"),
                tokens=_derive(secret, slug, "tokens"),
                totp=_derive(secret, slug, "totp"),
                demo_gateway=_derive(secret, slug, "payments-demo"),
                evidence=_derive(secret, slug, "moderation-evidence"),
            )
            self._cache[slug] = keys
        return keys


def load_or_create_secret(configured: str | None, data_dir: Path) -> bytes:
    """The configured secret, else the one generated into the data dir on first start."""
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        if path.stat().st_mode & 0o077:
            raise SecretError(f"{path}: readable by others; run chmod 600 on it")
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48).encode()
    # O_EXCL: two processes starting at once must not each write a different secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value
