"""Every cookie warren itself sets, with what the policy says about it.

``web/cookies.py`` takes the names and lifetimes from here, and the policy's cookie
section is generated from ``cookies_for(tenant)``, so the list a brand publishes is the
list its pages set (a test drives real requests and compares the two). Cookies a
third-party analytics script sets in the browser are the vendor's and are described in
the analytics clause, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from warren import i18n
from warren.tenancy.tenant import Tenant

DAY: Final = 24 * 3600

CookieCategory = Literal["necessary", "functional", "analytics"]


@dataclass(frozen=True)
class CookieEntry:
    name: str
    # What the policy says the cookie is for, after "for": "keeping the User signed in".
    purpose: str
    # Seconds; None: until the browser is closed (no Max-Age).
    max_age: int | None
    category: CookieCategory
    # Whether warren sets it for this brand at all.
    used_by: Callable[[Tenant], bool]

    @property
    def lifetime(self) -> str:
        if self.max_age is None:
            return "until the browser is closed"
        days = self.max_age // DAY
        return f"{days} day{'s' if days != 1 else ''}"


def _always(tenant: Tenant) -> bool:
    return True


def _asks_for_consent(tenant: Tenant) -> bool:
    # Only opt-in brands ask; notice brands refuse the choice (POST /consent is a 400).
    return tenant.analytics.consent == "opt_in"


def _offers_languages(tenant: Tenant) -> bool:
    # Set only by the language switcher, which a one-language brand does not show.
    return len(tenant.languages) > 1


SESSION: Final = CookieEntry(
    name="warren_session",
    purpose="keeping the User signed in (authentication and session maintenance)",
    max_age=30 * DAY,
    category="necessary",
    used_by=_always,
)
CSRF: Final = CookieEntry(
    name="warren_csrf",
    purpose="protecting forms against request forgery (CSRF)",
    max_age=None,
    category="necessary",
    used_by=_always,
)
CONSENT: Final = CookieEntry(
    name="warren_consent",
    purpose="remembering the User's cookie choice",
    max_age=365 * DAY,
    category="necessary",
    used_by=_asks_for_consent,
)

LANGUAGE: Final = CookieEntry(
    name=i18n.COOKIE,
    purpose="remembering the interface language the User chose",
    max_age=365 * DAY,
    category="necessary",
    used_by=_offers_languages,
)

CATALOGUE: Final = (SESSION, CSRF, CONSENT, LANGUAGE)


def cookies_for(tenant: Tenant) -> tuple[CookieEntry, ...]:
    """The cookies warren sets on this brand's pages, in catalogue order."""
    return tuple(entry for entry in CATALOGUE if entry.used_by(tenant))


def categories_for(tenant: Tenant) -> frozenset[CookieCategory]:
    """Categories of cookies the brand really has, its analytics vendor's included."""
    found: set[CookieCategory] = {entry.category for entry in cookies_for(tenant)}
    if tenant.analytics.vendor is not None:
        found.add("analytics")
    return frozenset(found)
