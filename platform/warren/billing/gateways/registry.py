"""Which gateway each tenant uses (``payments.gateway`` in tenants.toml, ops-owned) with
the keys the deployment gives it (``WARREN_PAYMENT_*`` variables, read in settings):

- ``WARREN_PAYMENT_STRIPE_SECRET_KEY__<SLUG>``, ``WARREN_PAYMENT_STRIPE_WEBHOOK_SECRET__<SLUG>``
- ``WARREN_PAYMENT_YOOKASSA_SHOP_ID__<SLUG>``, ``WARREN_PAYMENT_YOOKASSA_SECRET_KEY__<SLUG>``
- ``WARREN_PAYMENT_STRIPE_API_BASE``, ``WARREN_PAYMENT_YOOKASSA_API_URL`` (optional: another
  address for the API, e.g. an egress proxy)

<SLUG> is the tenant's slug upper-cased, ``-`` becoming ``_``. A tenant whose gateway
lacks a key, or any other ``WARREN_PAYMENT_*`` variable, fails at start-up with the
variable's name, so a typo cannot send one brand's payments to another's account.
The demo gateway needs no keys: its signing key is derived from the deployment secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy.orm import Session, sessionmaker

from warren.billing.gateways.base import Gateway
from warren.billing.gateways.demo import DemoGateway
from warren.billing.gateways.stripe_gateway import StripeGateway
from warren.billing.gateways.yookassa_gateway import YooKassaGateway
from warren.tenancy.tenant import Tenant

PREFIX = "WARREN_PAYMENT_"
_GLOBAL = {"STRIPE_API_BASE", "YOOKASSA_API_URL"}
_PER_TENANT = re.compile(
    r"^(STRIPE_SECRET_KEY|STRIPE_WEBHOOK_SECRET|YOOKASSA_SHOP_ID|YOOKASSA_SECRET_KEY)__([A-Z0-9_]+)$"
)
_NEEDS = {
    "stripe": ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
    "yookassa": ("YOOKASSA_SHOP_ID", "YOOKASSA_SECRET_KEY"),
}


class PaymentConfigError(Exception):
    """A gateway is configured wrongly; names the tenant and variable at fault."""


def slug_suffix(slug: str) -> str:
    return slug.upper().replace("-", "_")


class GatewayRegistry:
    def __init__(self, gateways: Mapping[tuple[str, str], Gateway]) -> None:
        self._gateways = dict(gateways)

    def for_tenant(self, tenant: Tenant) -> Gateway:
        """The gateway new orders of ``tenant`` go through."""
        return self._gateways[(tenant.slug, tenant.payments.gateway)]

    def get(self, tenant: Tenant, name: str) -> Gateway | None:
        """A named gateway of ``tenant`` (older orders may have used another one)."""
        return self._gateways.get((tenant.slug, name))


def load_gateways(
    tenants: Iterable[Tenant],
    variables: Mapping[str, str],
    demo_key: Callable[[str], bytes],
    sessions: sessionmaker[Session],
) -> GatewayRegistry:
    tenants = list(tenants)
    known = {slug_suffix(t.slug) for t in tenants}
    per_tenant: dict[str, dict[str, str]] = {}
    for name, value in variables.items():
        rest = name[len(PREFIX) :]
        if rest in _GLOBAL:
            continue
        match = _PER_TENANT.fullmatch(rest)
        if match is None:
            raise PaymentConfigError(f"{name}: not a payment setting warren knows")
        if match.group(2) not in known:
            raise PaymentConfigError(
                f"{name}: no tenant {match.group(2).lower()!r} in the registry"
            )
        per_tenant.setdefault(match.group(2), {})[match.group(1)] = value

    gateways: dict[tuple[str, str], Gateway] = {}
    for tenant in tenants:
        suffix = slug_suffix(tenant.slug)
        keys = per_tenant.get(suffix, {})
        gateways[(tenant.slug, "demo")] = DemoGateway(tenant.slug, demo_key(tenant.slug), sessions)
        for gateway, needed in _NEEDS.items():
            missing = [f"{PREFIX}{key}__{suffix}" for key in needed if not keys.get(key)]
            if missing and tenant.payments.gateway == gateway:
                raise PaymentConfigError(
                    f"tenant {tenant.slug!r} pays through {gateway} but {', '.join(missing)} "
                    "is not set"
                )
            if missing:
                continue
            if gateway == "stripe":
                gateways[(tenant.slug, gateway)] = StripeGateway(
                    keys["STRIPE_SECRET_KEY"],
                    keys["STRIPE_WEBHOOK_SECRET"],
                    variables.get(PREFIX + "STRIPE_API_BASE"),
                )
            else:
                gateways[(tenant.slug, gateway)] = YooKassaGateway(
                    keys["YOOKASSA_SHOP_ID"],
                    keys["YOOKASSA_SECRET_KEY"],
                    variables.get(PREFIX + "YOOKASSA_API_URL"),
                )
    return GatewayRegistry(gateways)
