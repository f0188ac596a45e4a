"""Per-tenant Jinja2 environments: the brand's folder first, the shared base second."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from warren.paths import BASE_STATIC_DIR, BASE_TEMPLATES_DIR
from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant
from warren.web.static import StaticAssets


class Templates:
    def __init__(
        self,
        registry: Registry,
        tenants_dir: Path,
        static_url: Callable[[str], str] | None = None,
    ) -> None:
        if static_url is None:
            static_url = StaticAssets(BASE_STATIC_DIR).url
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

        for env in self._envs.values():
            # Links to warren's CSS and scripts by their fingerprinted names.
            env.globals["static_url"] = static_url

    def render(self, tenant: Tenant, name: str, context: dict[str, Any]) -> str:
        return self._envs[tenant.slug].get_template(name).render(tenant=tenant, **context)
