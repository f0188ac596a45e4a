"""What `warren tenants check` verifies beyond the registry's own validation: every
brand's policy and home page render, everything it names exists (providers, gateway
keys, policy template, brand files), and combinations that contradict the policy are
pointed out. Each problem names the file, the tenant and the key, as the registry does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import sessionmaker

from warren.billing.gateways.registry import PaymentConfigError, load_gateways
from warren.generation.catalogue import check_catalogue
from warren.generation.providers.registry import ProviderConfigError, load_providers
from warren.paths import POLICIES_DIR
from warren.privacy.consent import ConsentState
from warren.privacy.contradictions import contradictions
from warren.privacy.policy import render_policy_markdown
from warren.tenancy.registry import Registry, TenantConfigError, load_registry
from warren.tenancy.tenant import Tenant
from warren.web.render import _page_vars
from warren.web.templating import Templates

# The files of a brand's folder every page uses (tenants/_template has each of them).
BRAND_FILES = ("static/logo.svg", "static/theme.css", "templates/hero.html")
# Optional; when present it is what phones put on the home screen.
TOUCH_ICON = "static/apple-touch-icon.png"
TOUCH_ICON_SIZE = (180, 180)


@dataclass
class CheckReport:
    registry: Registry | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_tenants(
    path: Path,
    tenants_dir: Path,
    provider_variables: Mapping[str, str],
    payment_variables: Mapping[str, str],
) -> CheckReport:
    report = CheckReport()
    try:
        registry = load_registry(path)
    except TenantConfigError as exc:
        report.errors.extend(exc.problems)
        return report
    report.registry = registry

    try:
        check_catalogue(registry, load_providers(provider_variables))
    except TenantConfigError as exc:
        report.errors.extend(exc.problems)
    except ProviderConfigError as exc:
        report.errors.append(f"{path}: providers: {exc}")
    try:
        load_gateways(registry, payment_variables, lambda slug: bytes(32), sessionmaker())
    except PaymentConfigError as exc:
        report.errors.append(f"{path}: key 'payments.gateway': {exc}")

    templates = Templates(registry, tenants_dir)
    for tenant in registry:
        where = f"{path}: tenant {tenant.slug!r}"
        report.errors.extend(_files(where, tenant, tenants_dir))
        report.errors.extend(_renders(where, tenant, templates))
        report.warnings.extend(contradictions(where, tenant))
    return report


def _files(where: str, tenant: Tenant, tenants_dir: Path) -> list[str]:
    problems = []
    template = POLICIES_DIR / tenant.policy.template / "policy.md.j2"
    if not template.is_file():
        problems.append(f"{where}: key 'policy.template': {template} does not exist")
    for name in BRAND_FILES:
        if not (tenants_dir / tenant.slug / name).is_file():
            problems.append(f"{where}: brand file {tenants_dir / tenant.slug / name} is missing")
    icon = tenants_dir / tenant.slug / TOUCH_ICON
    if icon.exists() and not _is_touch_icon(icon):
        problems.append(
            f"{where}: brand file {icon} must be a {TOUCH_ICON_SIZE[0]} × {TOUCH_ICON_SIZE[1]} PNG"
        )
    return problems


def _is_touch_icon(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            return image.format == "PNG" and image.size == TOUCH_ICON_SIZE
    except (OSError, UnidentifiedImageError):
        return False


def _renders(where: str, tenant: Tenant, templates: Templates) -> list[str]:
    problems = []
    try:
        render_policy_markdown(tenant)
    except Exception as exc:
        problems.append(f"{where}: the policy does not render: {type(exc).__name__}: {exc}")
        return problems
    # The home page as a first visit sees it (banner, notice) and after allowing analytics.
    for state in (ConsentState(None, None, gpc=False), ConsentState(None, True, gpc=False)):
        page = _page_vars(tenant, None, state, "check", "check", "/")
        try:
            templates.render(tenant, "home.html", {**page, "products": tenant.products})
        except Exception as exc:
            problems.append(f"{where}: the home page does not render: {type(exc).__name__}: {exc}")
            break
    return problems
