"""Which providers a deployment has, from its ``WARREN_PROVIDER_*`` variables.

``demo`` always exists. Ops add an OpenAI-compatible provider with variables:

- ``WARREN_PROVIDER_<NAME>_URL`` (defines it; <name> is lower-cased, ``_`` becomes ``-``)
- ``WARREN_PROVIDER_<NAME>_KEY`` (required)
- ``WARREN_PROVIDER_<NAME>_KEY__<SLUG>`` (that tenant's own key; the slug upper-cased,
  ``-`` becoming ``_``), so a brand can be billed on its own provider account
- ``WARREN_PROVIDER_<NAME>_CHAT_MODEL`` (default ``gpt-4o-mini``),
  ``_IMAGE_MODEL`` (no pictures without it), ``_TIMEOUT`` (seconds)

How often a failed call is tried again is not a provider setting: it is warren's one
retry policy (warren.generation.retry_policy).

Keys live only in the environment (the deployment's secrets), never in ``tenants.toml``.
Any other ``WARREN_PROVIDER_*`` variable is an error, so a typo fails at start-up
instead of silently sending a brand's requests on another account.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from warren.generation.providers.base import Provider
from warren.generation.providers.demo import DemoProvider
from warren.generation.providers.openai_compatible import OpenAICompatibleProvider

PREFIX = "WARREN_PROVIDER_"
DEFAULT_CHAT_MODEL = "gpt-4o-mini"
DEMO = "demo"

_URL_VARIABLE = re.compile(r"^WARREN_PROVIDER_([A-Z0-9]+(?:_[A-Z0-9]+)*)_URL$")
_SETTINGS = frozenset({"URL", "KEY", "CHAT_MODEL", "IMAGE_MODEL", "TIMEOUT"})
_TENANT_KEY = re.compile(r"^KEY__([A-Z][A-Z0-9_]*)$")


class ProviderConfigError(Exception):
    """The environment describes a provider wrongly; names the variable at fault."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class UnknownProvider(KeyError):
    """A product or assistant names a provider this deployment does not have."""

    def __init__(self, name: str, known: set[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = frozenset(known)

    def __str__(self) -> str:
        return f"no generation provider named {self.name!r} (configured: {', '.join(sorted(self.known))})"


@dataclass(frozen=True)
class _Entry:
    shared: Provider
    # Tenant slug (as in tenants.toml) -> the provider using that tenant's own key.
    per_tenant: Mapping[str, Provider] = field(default_factory=dict)


class ProviderRegistry:
    def __init__(self, entries: Mapping[str, _Entry]) -> None:
        self._entries = dict(entries)

    def get(self, name: str, tenant_slug: str) -> Provider:
        entry = self._entries.get(name)
        if entry is None:
            raise UnknownProvider(name, self.names())
        return entry.per_tenant.get(tenant_slug, entry.shared)

    def names(self) -> set[str]:
        return set(self._entries)


def load_providers(environ: Mapping[str, str]) -> ProviderRegistry:
    """The providers ``environ`` (the ``WARREN_PROVIDER_*`` variables, as settings
    gathered them) describes, plus ``demo``."""
    entries: dict[str, _Entry] = {DEMO: _Entry(shared=DemoProvider())}
    variable_names = sorted(key for key in environ if key.startswith(PREFIX))
    # Longest first, so WARREN_PROVIDER_A_B_URL belongs to provider A_B, not to A.
    env_names = sorted(
        (match.group(1) for key in variable_names if (match := _URL_VARIABLE.match(key))),
        key=len,
        reverse=True,
    )
    settings: dict[str, dict[str, str]] = {env_name: {} for env_name in env_names}
    for variable in variable_names:
        owner = next((n for n in env_names if variable.startswith(f"{PREFIX}{n}_")), None)
        if owner is None:
            raise ProviderConfigError(
                variable, "set, but no provider defines it (is the matching _URL variable missing?)"
            )
        setting = variable[len(PREFIX) + len(owner) + 1 :]
        if setting not in _SETTINGS and not _TENANT_KEY.match(setting):
            raise ProviderConfigError(variable, "is not a provider setting warren knows")
        settings[owner][setting] = environ[variable]

    for env_name in env_names:
        name = env_name.lower().replace("_", "-")
        if name == DEMO:
            raise ProviderConfigError(
                f"{PREFIX}{env_name}_URL", "'demo' is built in and cannot be redefined"
            )
        entries[name] = _entry(name, env_name, settings[env_name])
    return ProviderRegistry(entries)


def _entry(name: str, env_name: str, values: Mapping[str, str]) -> _Entry:
    def variable(setting: str) -> str:
        return f"{PREFIX}{env_name}_{setting}"

    url = values["URL"].strip()
    key = values.get("KEY", "").strip()
    if not key:
        raise ProviderConfigError(variable("KEY"), f"required for provider {name!r}, but not set")
    timeout = _number(variable("TIMEOUT"), values.get("TIMEOUT"), 60.0)
    chat_model = values.get("CHAT_MODEL", "").strip() or DEFAULT_CHAT_MODEL
    image_model = values.get("IMAGE_MODEL", "").strip() or None

    def build(api_key: str, key_variable: str) -> Provider:
        try:
            return OpenAICompatibleProvider(
                name,
                url,
                api_key,
                chat_model=chat_model,
                image_model=image_model,
                timeout=timeout,
            )
        except ValueError as exc:
            # The constructor only objects to the URL or the key; say which variable.
            culprit = key_variable if not api_key else variable("URL")
            raise ProviderConfigError(culprit, str(exc)) from None

    per_tenant: dict[str, Provider] = {}
    for setting, value in values.items():
        match = _TENANT_KEY.match(setting)
        if match is None:
            continue
        if not value.strip():
            raise ProviderConfigError(variable(setting), "is empty")
        slug = match.group(1).lower().replace("_", "-")
        per_tenant[slug] = build(value.strip(), variable(setting))
    return _Entry(shared=build(key, variable("KEY")), per_tenant=per_tenant)


def _number(variable: str, raw: str | None, default: float) -> float:
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ProviderConfigError(variable, f"{raw!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise ProviderConfigError(variable, "must be a positive number of seconds")
    return value
