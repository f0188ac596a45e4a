"""Per-tenant Jinja2 environments: the brand's folder first, the shared base second.

A brand's ``templates/home.html`` replaces the base one; to change only some blocks it
extends the base under its ``base/`` name (``{% extends "base/home.html" %}``), which
always means the shared template, never the brand's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)

from warren.paths import BASE_TEMPLATES_DIR
from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant


def gettext(message: str, **values: Any) -> str:
    """The interface text as written (English) until catalogs are installed; ``values``
    fill ``%(name)s`` placeholders, as Jinja's new-style gettext does."""
    return message % values if values else message


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """Singular or plural English form; ``%(num)s`` is ``n``, as in new-style gettext."""
    return (singular if n == 1 else plural) % {"num": n, **values}


def _environment(brand_templates: Path) -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PrefixLoader({"base": FileSystemLoader(BASE_TEMPLATES_DIR)}),
                FileSystemLoader(brand_templates),
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
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    return env


class Templates:
    def __init__(self, registry: Registry, tenants_dir: Path) -> None:
        self._envs = {
            tenant.slug: _environment(tenants_dir / tenant.slug / "templates")
            for tenant in registry
        }

    def render(self, tenant: Tenant, name: str, context: dict[str, Any]) -> str:
        return self._envs[tenant.slug].get_template(name).render(tenant=tenant, **context)
