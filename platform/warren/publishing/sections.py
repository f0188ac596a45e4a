"""The console's draft form: which admin-owned keys each section edits, and how a form's
text becomes a typed value. Ranges and combinations are then checked by the Tenant
model itself (warren.publishing.effective.build_tenant), exactly as `tenants check`."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel

from warren.errors import InvalidInput
from warren.tenancy.tenant import Tenant

Kind = Literal["text", "int", "optional_int", "bool", "choice", "choices", "optional_choices"]


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: Kind
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    keys: tuple[tuple[str, str], ...]


SECTIONS: Final[tuple[Section, ...]] = (
    Section("contact", "Contact", (("support_email", "Support address"),)),
    Section("ip", "IP addresses", (("ip.mode", "How client addresses are stored"),)),
    Section(
        "analytics",
        "Analytics and cookies",
        (
            ("analytics.consent", "Analytics consent"),
            ("analytics.notice_categories", "Cookie categories the notice lists"),
        ),
    ),
    Section(
        "policy",
        "Policy clauses",
        (
            ("policy.last_updated", "Last updated (YYYY-MM or YYYY-MM-DD)"),
            ("policy.content_use", "Use of content"),
            ("policy.provider_data_use", "What AI providers may do with a request"),
            ("policy.transfers_with_consent", "Other transfers with the user's consent"),
            ("policy.face_data_section", "Face data section"),
            ("policy.jurisdictions", "Jurisdictions served"),
            (
                "policy.content_described",
                "Content kinds the policy names (none ticked: the brand's own products)",
            ),
        ),
    ),
    Section(
        "rights",
        "Rights deadlines",
        (
            ("policy.rights_deadline.days", "Days to answer a request"),
            ("policy.rights_deadline.wording", "Wording"),
            ("policy.rights_deadline.gdpr", "State the GDPR deadline"),
            ("policy.rights_deadline.ccpa", "State the CCPA deadline"),
            ("policy.rights_deadline.gdpr_extension_months", "GDPR extension (months)"),
            ("policy.rights_deadline.ccpa_days", "CCPA deadline (days)"),
            ("policy.rights_deadline.ccpa_extension_days", "CCPA extension (days)"),
            (
                "policy.rights_deadline.ccpa_ack_business_days",
                "CCPA acknowledgment (business days)",
            ),
        ),
    ),
    Section(
        "retention",
        "Retention",
        (
            ("retention.upload_days", "Uploads kept (days)"),
            ("retention.content_deletable_after_days", "Content deletable after (days)"),
            ("retention.content_deleted_by_days", "Content deleted by (days)"),
            ("retention.trash_days", "Trash kept (days)"),
            ("retention.chat_messages_per_assistant", "Chat messages kept per assistant"),
            ("retention.chat_deletable_after_days", "Chats deletable after (days)"),
            ("retention.chat_deleted_by_days", "Chats deleted by (days)"),
            ("retention.inactive_account_days", "Inactive accounts deleted after (days)"),
            ("retention.inactive_warning_days", "Warning before that (days)"),
            ("retention.log_months", "Logs kept (months)"),
            ("retention.transaction_years", "Transactions kept (years)"),
        ),
    ),
    Section(
        "changes",
        "Policy changes",
        (
            ("policy.changes.notice_days", "Advance notice of material changes (days)"),
            ("policy.changes.notify_by", "How users are told"),
            ("policy.changes.material", "Keys whose change is material"),
        ),
    ),
)


def section(name: str) -> Section:
    for found in SECTIONS:
        if found.name == name:
            return found
    raise KeyError(name)


def _annotation(path: str) -> Any:
    model: type[BaseModel] = Tenant
    *parents, last = path.split(".")
    for part in parents:
        model = model.model_fields[part].annotation  # type: ignore[assignment]
    return model.model_fields[last].annotation


def _literal_options(annotation: Any) -> tuple[str, ...]:
    return tuple(str(arg) for arg in typing.get_args(annotation))


def field_of(key: str, label: str) -> Field:
    annotation = _annotation(key)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is bool:
        return Field(key, label, "bool")
    if annotation is int:
        return Field(key, label, "int")
    if origin in (typing.Union, types.UnionType) and int in args:
        return Field(key, label, "optional_int")
    listed = [arg for arg in args if typing.get_origin(arg) is tuple]
    if origin in (typing.Union, types.UnionType) and listed:
        # Unset means "derived from the rest of the configuration": no box ticked.
        return Field(
            key, label, "optional_choices", _literal_options(typing.get_args(listed[0])[0])
        )
    if origin is Literal:
        return Field(key, label, "choice", _literal_options(annotation))
    if origin is tuple:
        return Field(key, label, "choices", _literal_options(args[0]))
    return Field(key, label, "text")


def fields(of: Section) -> tuple[Field, ...]:
    return tuple(field_of(key, label) for key, label in of.keys)


def parse(of: Section, form: Mapping[str, list[str]]) -> dict[str, Any]:
    """The section's values from a form (each key's list of submitted strings)."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for found in fields(of):
        given = [v.strip() for v in form.get(found.key, [])]
        first = given[0] if given else ""
        if found.kind == "bool":
            values[found.key] = first in {"on", "true", "1"}
        elif found.kind in {"choices", "optional_choices"}:
            given = [v for v in given if v]
            unknown = [v for v in given if v not in found.options]
            if unknown:
                problems[found.key] = f"not one of {', '.join(found.options)}"
            chosen = [v for v in found.options if v in given]
            values[found.key] = None if found.kind == "optional_choices" and not chosen else chosen
        elif found.kind in {"int", "optional_int"}:
            if not first and found.kind == "optional_int":
                values[found.key] = None
            else:
                try:
                    values[found.key] = int(first)
                except ValueError:
                    problems[found.key] = "must be a whole number"
        elif found.kind == "choice" and first not in found.options:
            problems[found.key] = f"choose one of {', '.join(found.options)}"
        else:
            values[found.key] = first
    if problems:
        raise InvalidInput(problems)
    return values
