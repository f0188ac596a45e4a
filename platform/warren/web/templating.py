"""Per-tenant Jinja2 environments: the brand's folder first, the shared base second."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from warren.paths import BASE_TEMPLATES_DIR
from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant


class Templates:
    def __init__(self, registry: Registry, tenants_dir: Path) -> None:
        self._envs = {
            tenant.slug: Environment(
                loader=ChoiceLoader(
                    [
                        FileSystemLoader(tenants_dir / tenant.slug / "templates"),
                        FileSystemLoader(BASE_TEMPLATES_DIR),
                    ]
                ),
                autoescape=select_autoescape(["html"]),
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                # Compiled once; not re-checked on disk per render (a restart picks up
                # template changes).
                auto_reload=False,
            )
            for tenant in registry
        }

    def render(self, tenant: Tenant, name: str, context: dict[str, Any]) -> str:
        return self._envs[tenant.slug].get_template(name).render(tenant=tenant, **context)
