"""Admin identities: invitation by email, password and mandatory TOTP at acceptance,
sign-in with both, server-side sessions, removal.

Links and cookies follow the brand users' scheme (warren.accounts.tokens/sessions):
``<random>.<HMAC>`` with a key of the tenant, only the SHA-256 of the random part stored,
single use by a conditional UPDATE. The keys are separate derivations ("admin-…"), so a
brand user's link or cookie is never an admin's. TOTP secrets are encrypted with the
tenant's TOTP key (ops, who belong to no tenant, with the key of the reserved keyring
name ``_ops``), and a code is good once (its 30-second step must be later than the last
one accepted).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from cryptography.fernet import Fernet
from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from warren.accounts.mailing import link, send
from warren.accounts.password_rules import password_problem
from warren.accounts.passwords import DUMMY_HASH, hash_password, verify_password
from warren.accounts.signup import normalise_email
from warren.admin import audit
from warren.admin.models import AdminAccount, AdminInvitation, AdminRole, AdminSession
from warren.db.base import utcnow
from warren.errors import Conflict, Gone, InvalidInput, NotFound
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.tenancy.secrets import Keyring
from warren.tenancy.tenant import Tenant

INVITATION_ACTOR = "send_admin_invitation"
INVITATION_PATH = "/admin/invitation"
INVITATION_LIFETIME = timedelta(days=2)
SESSION_LIFETIME = timedelta(hours=12)
# An admin session idle this long ends: consoles are left open on shared desks.
SESSION_IDLE = timedelta(hours=1)
SEEN_WRITE_INTERVAL = timedelta(minutes=1)
OPS_KEYRING_NAME = "_ops"
VALID_WINDOW = 1
INVALID_INVITATION = "This invitation is not valid any more. It may have expired or been used."
SIGN_IN_FAILED = "The email, password or code is not right."
WRONG_CODE = "This code is not right, or was already used. Enter the current code from your app."


def _key(keyring: Keyring, tenant: Tenant, purpose: str) -> bytes:
    return hmac.new(keyring.for_tenant(tenant.slug).tokens, purpose.encode(), "sha256").digest()


def _sign(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("ascii"), hashlib.sha256).hexdigest()


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


def _verified(key: bytes, value: str | None) -> str | None:
    if not value or not value.isascii():
        return None
    token, _, signature = value.partition(".")
    if not token or not signature or not hmac.compare_digest(signature, _sign(key, token)):
        return None
    return token


def _cipher(keyring: Keyring, admin: AdminAccount) -> Fernet:
    name = admin.tenant_id or OPS_KEYRING_NAME
    return Fernet(base64.urlsafe_b64encode(keyring.for_tenant(name).totp))


def normalised_email(value: str) -> str:
    email = normalise_email(value)
    if email is None:
        raise InvalidInput({"email": "Enter a valid email address."})
    return email


# --- invitation -----------------------------------------------------------------------


def invite(
    db: Session, tenant: Tenant, email: str, role: AdminRole, invited_by: str, ip_value: str = ""
) -> AdminAccount:
    """Create the admin (ops: for every tenant) and queue the invitation email, which
    links to ``tenant``'s host. Inviting an address again re-sends its invitation."""
    address = normalised_email(email)
    home = None if role is AdminRole.OPS else tenant.slug
    admin = db.scalar(
        select(AdminAccount).where(
            AdminAccount.email == address,
            AdminAccount.tenant_id.is_(None) if home is None else AdminAccount.tenant_id == home,
        )
    )
    if admin is not None and admin.activated_at is not None:
        raise Conflict(f"{address} is already an admin ({admin.role}).")
    if admin is None:
        admin = AdminAccount(
            id=uuid.uuid4(), tenant_id=home, email=address, role=role.value, invited_by=invited_by
        )
        db.add(admin)
        db.flush()
    else:
        admin.role = role.value
    audit.record(
        db,
        tenant,
        actor=invited_by,
        action="admin_invited",
        subject=f"admin:{address}",
        before=None,
        after={"email": address, "role": role.value},
        ip_value=ip_value,
    )
    enqueue_after_commit(db, INVITATION_ACTOR, tenant.slug, str(admin.id))
    return admin


def send_invitation(
    db: Session, mailer: Mailer, tenant: Tenant, keyring: Keyring, admin_id: uuid.UUID
) -> bool:
    """Runs in the worker: a fresh link (older ones stop working) and the email."""
    admin = db.get(AdminAccount, admin_id)
    if admin is None or admin.activated_at is not None:
        return False
    if admin.tenant_id not in (None, tenant.slug):
        return False
    now = utcnow()
    db.execute(
        update(AdminInvitation)
        .where(AdminInvitation.admin_id == admin.id, AdminInvitation.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.add(
        AdminInvitation(
            tenant_id=tenant.slug,
            admin_id=admin.id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
    )
    value = f"{token}.{_sign(_key(keyring, tenant, 'admin-invitation'), token)}"
    scope = "every brand" if admin.role == AdminRole.OPS else tenant.name
    send(
        mailer,
        tenant,
        admin.email,
        f"You are invited to administer {scope}",
        f"Hello,\n\nYou have been made {admin.role} for {scope}. To accept, open this link "
        f"within two days; it works once:\n\n{link(tenant, f'{INVITATION_PATH}?token={value}')}\n\n"
        f"You will choose a password and set up an authenticator app (required).\n"
        f"If you did not expect this, ignore this message.\n",
    )
    return True


def _invitation(db: Session, tenant: Tenant, keyring: Keyring, value: str) -> AdminInvitation:
    token = _verified(_key(keyring, tenant, "admin-invitation"), value)
    if token is None:
        raise Gone(INVALID_INVITATION)
    invitation = db.scalar(
        select(AdminInvitation).where(
            AdminInvitation.tenant_id == tenant.slug,
            AdminInvitation.token_hash == _hash(token),
            AdminInvitation.used_at.is_(None),
            AdminInvitation.expires_at > utcnow(),
        )
    )
    if invitation is None:
        raise Gone(INVALID_INVITATION)
    return invitation


@dataclass(frozen=True)
class Enrolment:
    email: str
    secret: str
    qr_data_uri: str


def invitation_enrolment(db: Session, tenant: Tenant, keyring: Keyring, value: str) -> Enrolment:
    """The invited admin and the TOTP secret to enrol (created once, kept encrypted)."""
    invitation = _invitation(db, tenant, keyring, value)
    admin = db.get(AdminAccount, invitation.admin_id)
    assert admin is not None
    cipher = _cipher(keyring, admin)
    if admin.totp_secret is None:
        admin.totp_secret = cipher.encrypt(pyotp.random_base32().encode("ascii"))
    secret = cipher.decrypt(admin.totp_secret).decode("ascii")
    uri = pyotp.TOTP(secret).provisioning_uri(name=admin.email, issuer_name=f"{tenant.name} admin")
    return Enrolment(admin.email, secret, segno.make(uri, error="m").svg_data_uri(scale=4))


def _accept_code(db: Session, keyring: Keyring, admin: AdminAccount, code: str) -> bool:
    if admin.totp_secret is None:
        return False
    db.refresh(admin, with_for_update=True)
    secret = _cipher(keyring, admin).decrypt(admin.totp_secret).decode("ascii")
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return False
    now = utcnow()
    totp = pyotp.TOTP(secret)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            step = totp.timecode(now) + offset
            if admin.totp_last_step is not None and step <= admin.totp_last_step:
                return False
            admin.totp_last_step = step
            return True
    return False


def accept_invitation(
    db: Session,
    tenant: Tenant,
    keyring: Keyring,
    value: str,
    password: str,
    confirm: str,
    code: str,
    ip_value: str,
) -> AdminAccount:
    """Set the password and enrol TOTP; the link is used only when both are good."""
    invitation = _invitation(db, tenant, keyring, value)
    admin = db.get(AdminAccount, invitation.admin_id)
    assert admin is not None
    errors: dict[str, str] = {}
    problem = password_problem(password, admin.email, admin.email.partition("@")[0])
    if problem is not None:
        errors["password"] = problem
    elif password != confirm:
        errors["confirm"] = "The two passwords differ."
    if not errors and not _accept_code(db, keyring, admin, code):
        errors["code"] = WRONG_CODE
    if errors:
        raise InvalidInput(errors)
    used = db.scalar(
        update(AdminInvitation)
        .where(AdminInvitation.id == invitation.id, AdminInvitation.used_at.is_(None))
        .values(used_at=utcnow())
        .returning(AdminInvitation.id)
    )
    if used is None:
        raise Gone(INVALID_INVITATION)
    admin.password_hash = hash_password(password)
    admin.activated_at = utcnow()
    audit.record(
        db,
        tenant,
        actor=admin.actor,
        action="admin_activated",
        subject=admin.actor,
        before=None,
        after={"role": admin.role, "totp": "enrolled"},
        ip_value=ip_value,
    )
    return admin


# --- sign-in and sessions -------------------------------------------------------------


def _admins_of(tenant: Tenant) -> ColumnElement[bool]:
    return or_(AdminAccount.tenant_id == tenant.slug, AdminAccount.role == AdminRole.OPS.value)


def authenticate(
    db: Session,
    tenant: Tenant,
    keyring: Keyring,
    email: str,
    password: str,
    code: str,
    ip_value: str,
) -> AdminAccount:
    """The admin for this email, password and current code on ``tenant``'s host; one
    sentence for every failure, audited."""
    address = normalise_email(email)
    admin = (
        db.scalar(
            select(AdminAccount)
            .where(
                _admins_of(tenant),
                AdminAccount.email == address,
                AdminAccount.activated_at.is_not(None),
            )
            # One address may be both this brand's admin and an ops admin: the brand's
            # own account answers.
            .order_by(AdminAccount.tenant_id.is_(None))
            .limit(1)
        )
        if address
        else None
    )
    password_ok = verify_password(
        password, admin.password_hash if admin and admin.password_hash else DUMMY_HASH
    )
    if admin is None or not password_ok or not _accept_code(db, keyring, admin, code):
        audit.record(
            db,
            tenant,
            actor=f"admin:{address}" if admin else "anonymous",
            action="sign_in_failed",
            subject=f"admin:{address}" if admin else "unknown admin",
            before=None,
            after={"reason": "code" if admin and password_ok else "password"} if admin else None,
            ip_value=ip_value,
        )
        raise InvalidInput({"form": SIGN_IN_FAILED})
    audit.record(
        db,
        tenant,
        actor=admin.actor,
        action="sign_in",
        subject=admin.actor,
        before=None,
        after=None,
        ip_value=ip_value,
    )
    return admin


def start_session(db: Session, tenant: Tenant, keyring: Keyring, admin: AdminAccount) -> str:
    """A new session on ``tenant``'s host; returns the cookie value. The admin's ended
    sessions are deleted here, so rows do not pile up."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.execute(
        delete(AdminSession).where(
            AdminSession.admin_id == admin.id,
            or_(AdminSession.expires_at <= now, AdminSession.last_seen_at <= now - SESSION_IDLE),
        )
    )
    db.add(
        AdminSession(
            tenant_id=tenant.slug,
            admin_id=admin.id,
            token_hash=_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return f"{token}.{_sign(_key(keyring, tenant, 'admin-session'), token)}"


@dataclass(frozen=True)
class SessionFound:
    admin: AdminAccount
    session: AdminSession
    # The tenant whose key signed the cookie (the host's own, unless it was carried over).
    signed_for: str


def resolve_session(
    db: Session, tenant: Tenant, keyring: Keyring, tenants: list[Tenant], cookie: str | None
) -> SessionFound | None:
    """The live session a cookie names. The cookie is checked against the host's key
    first and then the other brands', so that an admin carrying another brand's cookie
    here is recognised (and refused with 404) rather than asked to sign in."""
    if not cookie:
        return None
    for candidate in sorted(tenants, key=lambda t: t.slug != tenant.slug):
        token = _verified(_key(keyring, candidate, "admin-session"), cookie)
        if token is None:
            continue
        now = utcnow()
        row = db.execute(
            select(AdminSession, AdminAccount)
            .join(AdminAccount, AdminAccount.id == AdminSession.admin_id)
            .where(
                AdminSession.tenant_id == candidate.slug,
                AdminSession.token_hash == _hash(token),
                AdminSession.expires_at > now,
                AdminSession.last_seen_at > now - SESSION_IDLE,
            )
        ).one_or_none()
        if row is None:
            return None
        session, admin = row
        if candidate.slug == tenant.slug and now - session.last_seen_at > SEEN_WRITE_INTERVAL:
            session.last_seen_at = now
        return SessionFound(admin, session, candidate.slug)
    return None


def end_session(db: Session, session_id: uuid.UUID) -> None:
    db.execute(delete(AdminSession).where(AdminSession.id == session_id))


# --- administration (the command line) ------------------------------------------------


def list_admins(db: Session, tenant: Tenant | None) -> list[AdminAccount]:
    query = select(AdminAccount).order_by(AdminAccount.tenant_id, AdminAccount.email)
    if tenant is not None:
        query = query.where(_admins_of(tenant))
    return list(db.scalars(query))


def find_admin(db: Session, tenant: Tenant | None, email: str) -> AdminAccount:
    address = normalised_email(email)
    query = select(AdminAccount).where(AdminAccount.email == address)
    query = query.where(
        AdminAccount.tenant_id.is_(None)
        if tenant is None
        else AdminAccount.tenant_id == tenant.slug
    )
    admin = db.scalar(query)
    if admin is None:
        where = "ops" if tenant is None else tenant.name
        raise NotFound(f"no admin {address} for {where}")
    return admin


def remove(
    db: Session, tenants: list[Tenant], admin: AdminAccount, by: str, ip_value: str = ""
) -> int:
    """Delete the admin; their sessions and invitations go with the row (ON DELETE
    CASCADE), so a removed admin is signed out at once. Audited in every tenant the admin
    could act for. Returns how many sessions ended."""
    ended = len(list(db.scalars(select(AdminSession.id).where(AdminSession.admin_id == admin.id))))
    for tenant in tenants:
        if admin.tenant_id in (None, tenant.slug):
            audit.record(
                db,
                tenant,
                actor=by,
                action="admin_removed",
                subject=admin.actor,
                before={"email": admin.email, "role": admin.role},
                after=None,
                ip_value=ip_value,
            )
    db.delete(admin)
    db.flush()
    return ended


def last_seen(db: Session, admin_id: uuid.UUID) -> datetime | None:
    return db.scalar(
        select(AdminSession.last_seen_at)
        .where(AdminSession.admin_id == admin_id)
        .order_by(AdminSession.last_seen_at.desc())
        .limit(1)
    )
