"""The cookies warren sets: all necessary ones, HttpOnly and SameSite=Lax.

Secure follows WARREN_COOKIE_SECURE: "auto" marks them Secure whenever the request came
over HTTPS (directly or through a trusted proxy), so production over TLS gets Secure
cookies while http://<brand>.localhost still works in development.
"""

from __future__ import annotations

from litestar.datastructures import Cookie

from warren.settings import Settings

SESSION = "warren_session"
CSRF = "warren_csrf"
CONSENT = "warren_consent"

CONSENT_MAX_AGE = 365 * 24 * 3600
SESSION_MAX_AGE = 30 * 24 * 3600


def secure_flag(settings: Settings, https: bool) -> bool:
    if settings.cookie_secure == "always":
        return True
    if settings.cookie_secure == "never":
        return False
    return https


def make_cookie(name: str, value: str, *, secure: bool, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def expire_cookie(name: str, *, secure: bool) -> Cookie:
    return Cookie(
        key=name, value="", max_age=0, path="/", secure=secure, httponly=True, samesite="lax"
    )
