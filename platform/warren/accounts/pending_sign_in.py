"""The step between a right password and a right second factor.

It is not a session: a signed, short-lived value in the code form naming the account,
good for nothing but asking for that account's code. Forged, foreign (another tenant's
key) or stale values are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta

PENDING_LIFETIME = timedelta(minutes=5)


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, f"pending-sign-in:{payload}".encode("ascii"), hashlib.sha256).hexdigest()


def issue_pending(key: bytes, user_id: uuid.UUID, now: datetime) -> str:
    payload = f"{user_id}.{int((now + PENDING_LIFETIME).timestamp())}"
    return f"{payload}.{_sign(key, payload)}"


def read_pending(key: bytes, value: str, now: datetime) -> uuid.UUID | None:
    if not value.isascii():
        return None
    payload, _, signature = value.rpartition(".")
    if not payload or not hmac.compare_digest(signature, _sign(key, payload)):
        return None
    user_part, _, expires = payload.partition(".")
    try:
        user_id, expires_at = uuid.UUID(user_part), int(expires)
    except ValueError:
        return None
    if expires_at < now.timestamp():
        return None
    return user_id
