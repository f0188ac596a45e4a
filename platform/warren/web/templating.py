"""Per-tenant, per-language Jinja2 environments: the brand's folder first, the shared base
second, with the language's catalog installed for ``_()``, ``ngettext`` and ``{% trans %}``.

A brand's ``templates/home.html`` replaces the base one; to change only some blocks it
extends the base under its ``base/`` name (``{% extends "base/home.html" %}``), which
always means the shared template, never the brand's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
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

from warren.i18n import NATIVE_NAMES, translations, translator
from warren.paths import BASE_STATIC_DIR, BASE_TEMPLATES_DIR
from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant
from warren.web.labels import LABELS
from warren.web.static import StaticAssets


def _environment(tenants_dir: Path, tenant: Tenant, language: str) -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                PrefixLoader({"base": FileSystemLoader(BASE_TEMPLATES_DIR)}),
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
        extensions=["jinja2.ext.i18n"],
    )
    # Newstyle: _("Hello %(name)s", name=x) formats and escapes the values itself.
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        translations(language), newstyle=True
    )
    words = translator(language)

    def format_date(value: date | datetime, format: str = "long") -> str:
        return words.date(value, format)

    def format_datetime(value: datetime, format: str = "medium") -> str:
        return words.datetime(value, format)

    def format_number(value: int | float | Decimal) -> str:
        return words.number(value)

    catalog = translations(language)

    def translate(message: str | None) -> str | None:
        # A message made in code (an error, a notice) and marked there with N_(): looked up
        # as it is, never formatted, and escaped like any other value. Messages with
        # values filled in by code are not in the catalog and show as written.
        return catalog.gettext(message) if message else message

    def label(value: str) -> str:
        return catalog.gettext(LABELS.get(value, value))

    environment.filters.update(
        format_date=format_date,
        format_datetime=format_datetime,
        format_number=format_number,
        translate=translate,
        label=label,
    )
    environment.globals.update(language=language, language_names=NATIVE_NAMES)
    return environment


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
            (tenant.slug, language): _environment(tenants_dir, tenant, language)
            for tenant in registry
            for language in tenant.languages
        }

        for env in self._envs.values():
            # Links to warren's CSS and scripts by their fingerprinted names.
            env.globals["static_url"] = static_url

    def render(
        self, tenant: Tenant, name: str, context: dict[str, Any], language: str | None = None
    ) -> str:
        chosen = language if language in tenant.languages else tenant.languages[0]
        return self._envs[tenant.slug, chosen].get_template(name).render(tenant=tenant, **context)
