"""Valid settings whose combination makes a brand's published text untrue or weaker.

`warren tenants check` warns about them for tenants.toml, and the console for a draft
(warren.publishing), with the same words.
"""

from __future__ import annotations

from warren.privacy.cookie_catalogue import categories_for
from warren.tenancy.tenant import Tenant


def contradictions(where: str, tenant: Tenant) -> list[str]:
    """Valid settings whose combination makes the published text untrue or weaker."""
    found = []
    analytics = tenant.analytics
    if tenant.hashes_ip and analytics.vendor and analytics.consent == "notice":
        found.append(
            f"{where}: keys 'ip.mode'/'analytics.consent': the policy says only a hash of the "
            f"network address is kept, but {analytics.vendor} loads before any consent "
            "(notice mode) and receives every visitor's raw address from the browser"
        )
    real = categories_for(tenant)
    for category in analytics.notice_categories:
        if category == "essential" or category in real:
            continue
        found.append(
            f"{where}: key 'analytics.notice_categories': {category!r} cookies are described "
            "but warren sets none for this brand (see warren.privacy.cookie_catalogue)"
        )
    if analytics.consent == "opt_in" and analytics.vendor is None:
        found.append(
            f"{where}: key 'analytics.consent': opt_in with no analytics provider asks "
            "visitors for nothing"
        )
    extra = [c for c in tenant.described_categories if c not in tenant.offered_categories]
    if extra:
        found.append(
            f"{where}: key 'policy.content_described': the policy names {', '.join(extra)} "
            "content, which no product of the brand generates"
        )
    return found
