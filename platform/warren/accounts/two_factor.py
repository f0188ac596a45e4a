"""TOTP two-factor sign-in: enrolment with a QR code drawn here, recovery codes, and the
check of a code.

The secret is stored encrypted (Fernet, with the tenant's TOTP key), so a copy of the
database alone cannot produce codes. A code is accepted in the current 30-second step or
one step either side (clocks drift), and only for a step later than the last one
accepted: a code seen over someone's shoulder is worthless once used. Ten recovery codes
are shown once, stored as keyed hashes, and each works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from warren.accounts.models import RecoveryCode, User
from warren.accounts.passwords import verify_password
from warren.accounts.security_log import record_event
from warren.db.base import utcnow
from warren.errors import Conflict, InvalidInput
from warren.i18n import N_
from warren.tenancy.secrets import TenantKeys
from warren.tenancy.tenant import Tenant

RECOVERY_CODES = 10
VALID_WINDOW = 1
WRONG_CODE = N_(
    "This code is not right, or was already used. Enter the current code from your app."
)
# Recovery codes: 10 characters of an alphabet without look-alikes, shown as two groups.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _cipher(keys: TenantKeys) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(keys.totp))


def _secret(keys: TenantKeys, user: User) -> str:
    assert user.totp_secret is not None
    return _cipher(keys).decrypt(user.totp_secret).decode("ascii")


@dataclass(frozen=True)
class Enrolment:
    secret: str
    qr_data_uri: str


def start_enrolment(db: Session, tenant: Tenant, keys: TenantKeys, user: User) -> Enrolment:
    """The secret being enrolled (a new one unless enrolment already started)."""
    if user.has_two_factor:
        raise Conflict(N_("Two-factor sign-in is already on."))
    if user.totp_secret is None:
        user.totp_secret = _cipher(keys).encrypt(pyotp.random_base32().encode("ascii"))
    secret = _secret(keys, user)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=tenant.name)
    return Enrolment(secret=secret, qr_data_uri=segno.make(uri, error="m").svg_data_uri(scale=4))


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return totp.timecode(now) + offset
    return None


def accept_code(db: Session, keys: TenantKeys, user: User, code: str) -> bool:
    """True, once, for a current code of the user's secret."""
    if user.totp_secret is None:
        return False
    # Two requests with the same code queue here; the second sees the step as used.
    db.refresh(user, with_for_update=True)
    step = _matching_step(_secret(keys, user), code, utcnow())
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _code_hash(keys: TenantKeys, user: User, code: str) -> bytes:
    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    return hmac.new(keys.totp, f"{user.id}:{normalised}".encode(), hashlib.sha256).digest()


def _new_recovery_codes(db: Session, tenant: Tenant, keys: TenantKeys, user: User) -> list[str]:
    db.execute(
        delete(RecoveryCode).where(
            RecoveryCode.tenant_id == tenant.slug, RecoveryCode.user_id == user.id
        )
    )
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(
            RecoveryCode(
                tenant_id=tenant.slug, user_id=user.id, code_hash=_code_hash(keys, user, raw)
            )
        )
    return codes


def use_recovery_code(db: Session, tenant: Tenant, keys: TenantKeys, user: User, code: str) -> bool:
    used = db.scalar(
        update(RecoveryCode)
        .where(
            RecoveryCode.tenant_id == tenant.slug,
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(keys, user, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .returning(RecoveryCode.id)
    )
    return used is not None


def recovery_codes_left(db: Session, tenant: Tenant, user: User) -> int:
    return int(
        db.scalar(
            select(func.count()).where(
                RecoveryCode.tenant_id == tenant.slug,
                RecoveryCode.user_id == user.id,
                RecoveryCode.used_at.is_(None),
            )
        )
        or 0
    )


def confirm_enrolment(
    db: Session, tenant: Tenant, keys: TenantKeys, user: User, code: str, ip_value: str
) -> list[str]:
    """Turn two-factor sign-in on; returns the recovery codes (to show once)."""
    if user.has_two_factor:
        raise Conflict(N_("Two-factor sign-in is already on."))
    if user.totp_secret is None or not accept_code(db, keys, user, code):
        record_event(db, tenant, "two_factor_enrol_failed", ip_value, user.id)
        raise InvalidInput({"code": WRONG_CODE})
    user.totp_enabled_at = utcnow()
    record_event(db, tenant, "two_factor_enabled", ip_value, user.id)
    return _new_recovery_codes(db, tenant, keys, user)


def second_factor_ok(
    db: Session, tenant: Tenant, keys: TenantKeys, user: User, code: str
) -> str | None:
    """How the code was accepted ("totp" or "recovery_code"), or None."""
    if accept_code(db, keys, user, code):
        return "totp"
    if use_recovery_code(db, tenant, keys, user, code):
        return "recovery_code"
    return None


def disable(
    db: Session,
    tenant: Tenant,
    keys: TenantKeys,
    user: User,
    password: str,
    code: str,
    ip_value: str,
) -> None:
    errors = {}
    if not verify_password(password, user.password_hash):
        errors["current"] = N_("This is not your current password.")
    elif second_factor_ok(db, tenant, keys, user, code) is None:
        errors["code"] = WRONG_CODE
    if errors:
        record_event(db, tenant, "two_factor_disable_failed", ip_value, user.id)
        raise InvalidInput(errors)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.execute(
        delete(RecoveryCode).where(
            RecoveryCode.tenant_id == tenant.slug, RecoveryCode.user_id == user.id
        )
    )
    record_event(db, tenant, "two_factor_disabled", ip_value, user.id)
