"""Checking credentials; every attempt is recorded with the tenant's IP value.

Each account has its own failure throttle, on top of the per-network rate limit: an
attacker spreading guesses over many addresses still gets one guess per delay. After
``FREE_FAILURES`` wrong passwords, the next attempt must wait 2^(n - FREE_FAILURES)
seconds after the latest failure, at most ``MAX_DELAY``. The owner is never locked out
for good: the delay is capped, refused attempts are not failures (they do not push it
further), and failures older than ``FAILURE_WINDOW`` or before the latest successful
sign-in no longer count.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warren.accounts.lookup import find_user
from warren.accounts.models import SecurityEvent, User
from warren.accounts.passwords import DUMMY_HASH, verify_password
from warren.accounts.security_log import record_event
from warren.accounts.two_factor import second_factor_ok
from warren.db.base import utcnow
from warren.errors import Forbidden, RateLimited
from warren.tenancy.secrets import TenantKeys
from warren.tenancy.tenant import Tenant

FREE_FAILURES = 5
MAX_DELAY = timedelta(minutes=15)
FAILURE_WINDOW = timedelta(hours=24)
# Events after which earlier failures no longer count: a completed sign-in, or a new
# password set through a link sent to the account's address.
THROTTLE_RESETS = ("sign_in", "password_reset")


class AccountThrottled(RateLimited):
    """Too many recent failures for this account; nothing was checked."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed sign-ins for this account. Try again in {retry_after} seconds.",
            retry_after,
        )


class AccountBlocked(Forbidden):
    """The account was blocked by moderation; the password was right, nothing else happens."""

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(
            f"This account is blocked by {tenant.name}'s moderators and cannot sign in. "
            f"Write to {tenant.support_email} if you think this is a mistake."
        )


def refuse_blocked(db: Session, tenant: Tenant, user: User, ip_value: str) -> None:
    """Raises AccountBlocked (after recording the attempt) when ``user`` is blocked."""
    if user.blocked_at is not None:
        record_event(db, tenant, "sign_in_blocked", ip_value, user.id)
        raise AccountBlocked(tenant)


def failure_delay(failures: int) -> timedelta:
    """How long after the latest of ``failures`` failures the next attempt must wait."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    # Capped before exponentiating: the count can grow large under a long attack.
    exponent = min(failures - FREE_FAILURES, math.ceil(math.log2(MAX_DELAY.total_seconds())))
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def _wait(db: Session, tenant: Tenant, user_id: uuid.UUID, now: datetime) -> int:
    """Whole seconds this account's next attempt must still wait (0: it may go ahead)."""
    last_reset = db.scalar(
        select(func.max(SecurityEvent.created_at)).where(
            SecurityEvent.tenant_id == tenant.slug,
            SecurityEvent.user_id == user_id,
            SecurityEvent.kind.in_(THROTTLE_RESETS),
        )
    )
    since = now - FAILURE_WINDOW
    if last_reset is not None and last_reset > since:
        since = last_reset
    failures, latest = db.execute(
        select(func.count(), func.max(SecurityEvent.created_at)).where(
            SecurityEvent.tenant_id == tenant.slug,
            SecurityEvent.user_id == user_id,
            SecurityEvent.kind == "sign_in_failed",
            SecurityEvent.created_at > since,
        )
    ).one()
    if latest is None:
        return 0
    remaining: float = (latest + failure_delay(failures) - now).total_seconds()
    return max(0, math.ceil(remaining))


def authenticate(
    db: Session, tenant: Tenant, login: str, password: str, ip_value: str
) -> User | None:
    """The user whose email or username and password match, within this tenant only.

    Raises AccountThrottled, without checking the password, while the account's failure
    delay runs.
    """
    user = find_user(db, tenant, login)
    if user is None:
        verify_password(password, DUMMY_HASH)
        record_event(db, tenant, "sign_in_failed", ip_value, None, reason="unknown_account")
        return None
    # Attempts on one account queue behind each other until commit, so guesses sent in
    # parallel cannot all pass the check before any of their failures is recorded.
    db.refresh(user, with_for_update=True)
    wait = _wait(db, tenant, user.id, utcnow())
    if wait:
        record_event(db, tenant, "sign_in_throttled", ip_value, user.id, retry_after=wait)
        raise AccountThrottled(wait)
    if not verify_password(password, user.password_hash):
        record_event(db, tenant, "sign_in_failed", ip_value, user.id, reason="wrong_password")
        return None
    # Only after the password: a guesser learns nothing about blocked accounts.
    refuse_blocked(db, tenant, user, ip_value)
    # With two-factor on, a right password is half a sign-in: it must not lift the
    # throttle that also guards the code.
    record_event(
        db, tenant, "sign_in_password_ok" if user.has_two_factor else "sign_in", ip_value, user.id
    )
    return user


def complete_two_factor(
    db: Session, tenant: Tenant, keys: TenantKeys, user_id: uuid.UUID, code: str, ip_value: str
) -> User | None:
    """The user, once ``code`` (TOTP or recovery) is right. Wrong codes count as failed
    sign-ins of the account, so the same throttle bounds guesses of either factor."""
    user = db.scalar(select(User).where(User.tenant_id == tenant.slug, User.id == user_id))
    if user is None or not user.has_two_factor:
        return None
    db.refresh(user, with_for_update=True)
    wait = _wait(db, tenant, user.id, utcnow())
    if wait:
        record_event(db, tenant, "sign_in_throttled", ip_value, user.id, retry_after=wait)
        raise AccountThrottled(wait)
    method = second_factor_ok(db, tenant, keys, user, code)
    if method is None:
        record_event(db, tenant, "sign_in_failed", ip_value, user.id, reason="wrong_code")
        return None
    refuse_blocked(db, tenant, user, ip_value)
    record_event(db, tenant, "sign_in", ip_value, user.id, second_factor=method)
    return user
