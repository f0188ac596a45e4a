"""Who owns each key of a brand's configuration: ops (in ``tenants.toml``, shipped with a
release) or the brand's admins (published from the console).

Ops own what needs a deployment to be true: domains, the theme and brand files, the
catalogue and its providers, payment gateways, upload limits, the operator's identity
(a legal fact about a company, shared by brands) and the policy template (a folder on
disk). Admins own what the brand promises its users: the IP mode, the analytics consent
mode, the support address, the policy's clauses, retention numbers, rights deadlines and
the notice period. Every key of the Tenant model is in exactly one list
(``tests/test_publishing_config.py`` walks the model); a key is owned by its longest
listed prefix.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel

from warren.tenancy.tenant import Tenant

Owner = Literal["ops", "admin"]

ADMIN_OWNED: Final[tuple[str, ...]] = (
    "support_email",
    "ip",
    "analytics.consent",
    "analytics.notice_categories",
    "policy.last_updated",
    "policy.content_use",
    "policy.face_data_section",
    "policy.rights_deadline",
    "policy.transfers_with_consent",
    "policy.provider_data_use",
    "policy.jurisdictions",
    "policy.content_described",
    "policy.changes",
    "retention",
)

OPS_OWNED: Final[tuple[str, ...]] = (
    "slug",
    "name",
    "domain",
    "aliases",
    "operator",
    "theme",
    # The vendor and its counter are a contract ops sign and deploy; whether visitors
    # are asked first is the brand's promise (analytics.consent).
    "analytics.provider",
    "analytics.counter_id",
    "policy.template",
    "media",
    "products",
    "assistants",
    "accounts",
    "languages",
    "payments",
)


def _models(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [("", annotation)]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is dict:
        return [(".*", model) for _, model in _models(args[1])]
    if origin in (typing.Union, types.UnionType):
        return [found for arg in args for found in _models(arg)]
    return []


def config_keys(model: type[BaseModel] = Tenant, prefix: str = "") -> Iterator[str]:
    """Every leaf key of the model, dotted; named entries as ``*``."""
    for name, info in model.model_fields.items():
        inner = _models(info.annotation)
        if not inner:
            yield prefix + name
        for suffix, sub in inner:
            yield from config_keys(sub, f"{prefix}{name}{suffix}.")


def _matches(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith(prefix + ".")


def owner(key: str) -> Owner:
    """``"admin"`` or ``"ops"``; KeyError for a key neither list covers."""
    best: tuple[int, Owner] | None = None
    for prefixes, who in ((ADMIN_OWNED, "admin"), (OPS_OWNED, "ops")):
        for prefix in prefixes:
            if _matches(key, prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), typing.cast(Owner, who))
    if best is None:
        raise KeyError(f"{key}: neither ops- nor admin-owned (warren.publishing.ownership)")
    return best[1]


def _get(table: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = table
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _set(table: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = table
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = copy.deepcopy(value)


def admin_document(tenant: Tenant) -> dict[str, Any]:
    """The admin-owned keys of ``tenant`` as a nested table (JSON values)."""
    full = tenant.model_dump(mode="json")
    document: dict[str, Any] = {}
    for path in ADMIN_OWNED:
        found, value = _get(full, path)
        if found:
            _set(document, path, value)
    return document


def value_at(document: Mapping[str, Any], path: str) -> Any:
    return _get(document, path)[1]


def overlay(tenant: Tenant, document: Mapping[str, Any]) -> dict[str, Any]:
    """``tenant``'s full table with every admin-owned key taken from ``document``.

    Keys ``document`` lacks keep the tenant's value; ops-owned keys in ``document`` are
    ignored, so a published version can never change what ops own.
    """
    full = tenant.model_dump(mode="json")
    for path in ADMIN_OWNED:
        found, value = _get(document, path)
        if found:
            _set(full, path, value)
    return full


def changed_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The admin-owned leaf keys whose value differs, dotted."""
    changed: list[str] = []
    for key in config_keys():
        if owner(key) != "admin" or "*" in key:
            continue
        if _get(before, key)[1] != _get(after, key)[1]:
            changed.append(key)
    return changed
