"""Analytics consent: what the visitor chose, and whether the counter may load.

In ``opt_in`` mode nothing loads until the visitor allows it; a ``Sec-GPC: 1`` request
counts as a refusal whatever the cookie says. In ``notice`` mode the counter runs in its
minimal configuration and the notice tells how to turn cookies off in the browser.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from warren.privacy.consent_models import ConsentRecord
from warren.tenancy.tenant import Tenant

ANALYTICS = "analytics"
# Marketing and notification emails: opted into on the account page, never by default.
MARKETING = "marketing"
ConsentSource = Literal["banner", "settings", "gpc", "account"]


@dataclass(frozen=True)
class ConsentState:
    visitor_id: uuid.UUID | None
    # None: no choice yet. True/False: the stored choice.
    choice: bool | None
    gpc: bool

    @property
    def undecided(self) -> bool:
        return self.choice is None and not self.gpc


def parse_cookie(value: str | None, gpc: bool, epoch: int = 0) -> ConsentState:
    """Cookie format: ``<visitor uuid>.<a|d>[.<epoch>]`` (allowed / declined, and the
    brand's consent epoch when the choice was made).

    ``epoch`` is the brand's current one: the published configuration version that
    last changed its analytics (warren.publishing). A choice made before it was made
    about something else, so the visitor is undecided again and asked anew.
    """
    if value:
        visitor, _, rest = value.partition(".")
        flag, _, made_in = rest.partition(".")
        try:
            visitor_id = uuid.UUID(visitor)
        except ValueError:
            return ConsentState(None, None, gpc)
        if flag in {"a", "d"}:
            if (int(made_in) if made_in.isdigit() and len(made_in) < 10 else 0) < epoch:
                return ConsentState(visitor_id, None, gpc)
            return ConsentState(visitor_id, flag == "a", gpc)
    return ConsentState(None, None, gpc)


def cookie_value(visitor_id: uuid.UUID, granted: bool, epoch: int = 0) -> str:
    value = f"{visitor_id}.{'a' if granted else 'd'}"
    return f"{value}.{epoch}" if epoch else value


def analytics_allowed(tenant: Tenant, state: ConsentState) -> bool:
    if tenant.analytics.provider == "none":
        return False
    if tenant.analytics.consent == "notice":
        return True
    return state.choice is True and not state.gpc


def record_choice(
    db: Session,
    tenant: Tenant,
    *,
    visitor_id: uuid.UUID,
    user_id: uuid.UUID | None,
    granted: bool,
    source: ConsentSource,
    policy_version: str,
    ip_value: str,
    category: str = ANALYTICS,
) -> None:
    db.add(
        ConsentRecord(
            tenant_id=tenant.slug,
            visitor_id=visitor_id,
            user_id=user_id,
            category=category,
            granted=granted,
            source=source,
            policy_version=policy_version,
            ip_value=ip_value,
        )
    )


# Where each analytics vendor's script loads from and reports to: the only third-party
# origins a brand's pages may reach, and only while analytics_allowed() says so.
ANALYTICS_ORIGINS: dict[str, tuple[str, ...]] = {
    "yandex_metrika": ("https://mc.yandex.ru",),
    "none": (),
}
