"""Creating an account: validation, the 18+ confirmation, the accepted policy version."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.accounts.passwords import hash_password
from warren.accounts.security_log import record_event
from warren.db.base import utcnow
from warren.queue.port import enqueue_after_commit
from warren.tenancy.tenant import Tenant

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")
PASSWORD_MIN = 10
PASSWORD_MAX = 256
WELCOME_ACTOR = "send_welcome_email"


@dataclass
class SignUpForm:
    email: str = ""
    username: str = ""
    password: str = ""
    adult: bool = False
    policy_version: str = ""


@dataclass
class SignUpResult:
    user: User | None = None
    errors: dict[str, str] = field(default_factory=dict)
    # The email or username belongs to an existing account (409 rather than 400).
    conflict: bool = False


EMAIL_TAKEN = "An account with this email already exists. Sign in instead."
USERNAME_TAKEN = "This username is taken."


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
        errors["email"] = "Enter a valid email address."
    if not USERNAME.match(form.username):
        errors["username"] = (
            "Use 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit."
        )
    if len(form.password) < PASSWORD_MIN:
        errors["password"] = f"Use at least {PASSWORD_MIN} characters."
    elif len(form.password) > PASSWORD_MAX:
        errors["password"] = f"Use at most {PASSWORD_MAX} characters."
    if not form.adult:
        errors["adult"] = f"{tenant.name} is only for people aged 18 or over."
    if form.policy_version != current_policy_version:
        errors["policy"] = (
            "The privacy policy has changed since this page was loaded; please review it."
        )
    if errors:
        return SignUpResult(errors=errors)
    assert email is not None

    if db.scalar(select(User.id).where(User.tenant_id == tenant.slug, User.email == email)):
        errors["email"] = EMAIL_TAKEN
    if db.scalar(
        select(User.id).where(
            User.tenant_id == tenant.slug, func.lower(User.username) == form.username.lower()
        )
    ):
        errors["username"] = USERNAME_TAKEN
    if errors:
        return SignUpResult(errors=errors, conflict=True)

    now = utcnow()
    user = User(
        tenant_id=tenant.slug,
        email=email,
        username=form.username,
        password_hash=hash_password(form.password),
        adult_confirmed_at=now,
        accepted_policy_version=current_policy_version,
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
        field_name = "username" if "username" in constraint else "email"
        message = USERNAME_TAKEN if field_name == "username" else EMAIL_TAKEN
        return SignUpResult(errors={field_name: message}, conflict=True)
    record_event(db, tenant, "sign_up", ip_value, user.id)
    enqueue_after_commit(db, WELCOME_ACTOR, tenant.slug, str(user.id))
    return SignUpResult(user=user)
