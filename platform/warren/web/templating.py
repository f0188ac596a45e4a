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
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    nodes,
    select_autoescape,
)
from jinja2.visitor import NodeTransformer

from warren.i18n import NATIVE_NAMES, translations, translator
from warren.paths import BASE_STATIC_DIR, BASE_TEMPLATES_DIR
from warren.tenancy.registry import Registry
from warren.tenancy.tenant import Tenant
from warren.web.labels import LABELS
from warren.web.static import StaticAssets

# The names the i18n extension installs for a plain message lookup.
_GETTEXT_NAMES = frozenset({"_", "gettext"})


class _ConstantMessages(NodeTransformer):
    """Replaces ``_("text")`` (and ``{% trans %}`` without values) by its translation
    when the template is compiled: each environment has one language and its catalog is
    fixed for the life of the process, so looking the same message up on every render
    (a third of the home page's template time) says nothing new.

    The result is exactly what the newstyle ``gettext`` returns at render time: the
    catalog's text, marked safe when autoescaping, formatted with no values (so "%%"
    reads "%"). A message that needs values is left to run time."""

    def __init__(self, catalog: NullTranslations) -> None:
        self.catalog = catalog

    def visit_Call(self, call: nodes.Call) -> nodes.Node:
        node = self.generic_visit(call)
        if not (
            isinstance(node, nodes.Call)
            and isinstance(node.node, nodes.Name)
            and node.node.name in _GETTEXT_NAMES
            and len(node.args) == 1
            and isinstance(node.args[0], nodes.Const)
            and isinstance(node.args[0].value, str)
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            return node
        try:
            text = self.catalog.gettext(node.args[0].value) % {}
        except (KeyError, TypeError, ValueError):
            return node
        return nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=node.lineno)


class _Environment(Environment):
    catalog: NullTranslations

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        # A template that binds one of the names itself keeps every lookup at run time.
        if any(n.name in _GETTEXT_NAMES and n.ctx != "load" for n in tree.find_all(nodes.Name)):
            return tree
        folded: nodes.Template = _ConstantMessages(self.catalog).visit(tree)
        return folded


def _environment(tenants_dir: Path, tenant: Tenant, language: str) -> Environment:
    environment = _Environment(
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
    environment.catalog = translations(language)
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
