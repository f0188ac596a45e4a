"""Creating an account: validation, the 18+ confirmation, the accepted policy version.

A sign-up with an address that already has an account is answered exactly like a new
one (same work, same response); the owner of that account is told by email instead. So
the sign-up form cannot be used to learn who has an account on a brand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warren.accounts.models import SecurityEvent, User
from warren.accounts.password_rules import password_problem
from warren.accounts.passwords import hash_password
from warren.accounts.security_log import record_event
from warren.db.base import utcnow
from warren.i18n import N_
from warren.queue.port import enqueue_after_commit
from warren.tenancy.tenant import Tenant

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")
WELCOME_ACTOR = "send_welcome_email"
EXISTING_ACCOUNT_ACTOR = "send_sign_up_attempt_notice"
# At most one "someone tried to sign up with your address" email per account in this
# time: the sign-up form must not become a way to flood someone's inbox.
NOTICE_INTERVAL = timedelta(hours=1)


@dataclass
class SignUpForm:
    email: str = ""
    username: str = ""
    password: str = ""
    adult: bool = False
    policy_version: str = ""
    # The language the form was shown in: the new account's setting, so that the welcome
    # email (sent by a worker, long after the request) speaks it too.
    language: str | None = None


@dataclass
class SignUpResult:
    """Either ``errors`` to show on the form, or an accepted sign-up.

    An accepted sign-up has ``user`` set when it created an account, and None when the
    address already had one; callers must answer both the same way.
    """

    user: User | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # The username belongs to an existing account (409 rather than 400).
    conflict: bool = False


USERNAME_TAKEN = N_("This username is taken.")


def normalise_email(value: str) -> str | None:
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


def sign_up(
    db: Session, tenant: Tenant, form: SignUpForm, current_policy_version: str, ip_value: str
) -> SignUpResult:
    errors: dict[str, str] = {}
    email = normalise_email(form.email)
    if email is None:
        errors["email"] = N_("Enter a valid email address.")
    if not USERNAME.match(form.username):
        errors["username"] = N_(
            "Use 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit."
        )
    problem = password_problem(form.password, email, form.username)
    if problem is not None:
        errors["password"] = problem
    if not form.adult:
        errors["adult"] = f"{tenant.name} is only for people aged 18 or over."
    if form.policy_version != current_policy_version:
        errors["policy"] = N_(
            "The privacy policy has changed since this page was loaded; please review it."
        )
    if errors:
        return SignUpResult(errors=errors)
    assert email is not None

    # Usernames are public names, so saying one is taken tells nobody anything they could
    # not learn anyway; email addresses are never confirmed this way.
    if db.scalar(
        select(User.id).where(
            User.tenant_id == tenant.slug, func.lower(User.username) == form.username.lower()
        )
    ):
        return SignUpResult(errors={"username": USERNAME_TAKEN}, conflict=True)

    # Hashed before the address is looked up, so both outcomes cost the same time.
    password_hash = hash_password(form.password)
    existing = db.scalar(select(User).where(User.tenant_id == tenant.slug, User.email == email))
    if existing is not None:
        _notify_existing_account(db, tenant, existing, ip_value)
        return SignUpResult()

    now = utcnow()
    user = User(
        tenant_id=tenant.slug,
        email=email,
        username=form.username,
        password_hash=password_hash,
        adult_confirmed_at=now,
        accepted_policy_version=current_policy_version,
        language=form.language if form.language in tenant.languages else None,
        created_at=now,
        last_access_at=now,
    )
    try:
        # A savepoint: a sign-up racing this one for the same email or username loses
        # here on the unique index, and gets the same answer as if it had come second.
        with db.begin_nested():
            db.add(user)
            db.flush()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""
        if "username" in constraint:
            return SignUpResult(errors={"username": USERNAME_TAKEN}, conflict=True)
        winner = db.scalar(select(User).where(User.tenant_id == tenant.slug, User.email == email))
        if winner is not None:
            _notify_existing_account(db, tenant, winner, ip_value)
        return SignUpResult()
    record_event(db, tenant, "sign_up", ip_value, user.id)
    enqueue_after_commit(db, WELCOME_ACTOR, tenant.slug, str(user.id))
    return SignUpResult(user=user)


def _notify_existing_account(db: Session, tenant: Tenant, owner: User, ip_value: str) -> None:
    recent = db.scalar(
        select(SecurityEvent.id).where(
            SecurityEvent.tenant_id == tenant.slug,
            SecurityEvent.user_id == owner.id,
            SecurityEvent.kind == "sign_up_existing_email",
            SecurityEvent.created_at > utcnow() - NOTICE_INTERVAL,
        )
    )
    record_event(db, tenant, "sign_up_existing_email", ip_value, owner.id)
    if recent is None:
        enqueue_after_commit(db, EXISTING_ACCOUNT_ACTOR, tenant.slug, str(owner.id))
