"""The cookies warren sets: all necessary ones, HttpOnly and SameSite=Lax.

Secure follows WARREN_COOKIE_SECURE: "auto" marks them Secure whenever the request came
over HTTPS (directly or through a trusted proxy), so production over TLS gets Secure
cookies while http://<brand>.localhost still works in development.
"""

from __future__ import annotations

from litestar.datastructures import Cookie

from warren.privacy import cookie_catalogue
from warren.settings import Settings

# Names and lifetimes come from the catalogue the privacy policy's cookie list is made of.
SESSION = cookie_catalogue.SESSION.name
CSRF = cookie_catalogue.CSRF.name
CONSENT = cookie_catalogue.CONSENT.name
LANGUAGE = cookie_catalogue.LANGUAGE.name

CONSENT_MAX_AGE = cookie_catalogue.CONSENT.max_age
SESSION_MAX_AGE = cookie_catalogue.SESSION.max_age
LANGUAGE_MAX_AGE = cookie_catalogue.LANGUAGE.max_age


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
