"""The JSON Schema of account.json, shipped inside every export as schema.json."""

from __future__ import annotations

from typing import Any

_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_TIME = {"type": ["string", "null"], "format": "date-time"}


def _rows_with(required: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["id", *required],
            "properties": {"id": {"type": ["string", "integer"]}, **required},
        },
    }


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "warren account export",
    "type": "object",
    "required": [
        "format", "brand", "generated_at", "account", "prime", "consents", "points_ledger",
        "orders", "jobs", "chats", "content", "uploads", "security_events",
    ],
    "additionalProperties": False,
    "properties": {
        "format": {"const": "warren-account-export/1"},
        "brand": {"type": "string"},
        "generated_at": _TIME,
        "account": {
            "type": "object",
            "required": ["id", "email", "username", "created_at", "storage_only"],
            "properties": {
                "id": {"type": "string"},
                "email": {"type": "string"},
                "username": {"type": "string"},
                "created_at": _TIME,
                "email_verified_at": _OPTIONAL_TIME,
                "marketing_emails": {"type": "boolean"},
                "storage_only": {"type": "boolean"},
            },
            "not": {"anyOf": [{"required": ["password_hash"]}, {"required": ["totp_secret"]}]},
        },
        "prime": {
            "type": "object",
            "required": ["until", "active"],
            "properties": {"until": _OPTIONAL_TIME, "active": {"type": "boolean"}},
        },
        "consents": _rows_with(
            {"category": {"type": "string"}, "granted": {"type": "boolean"}, "created_at": _TIME}
        ),
        "points_ledger": _rows_with({"amount": {"type": "integer"}, "kind": {"type": "string"}}),
        "orders": _rows_with({"amount": {"type": "string"}, "currency": {"type": "string"}}),
        "jobs": _rows_with({"prompt": {"type": "string"}}),
        "chats": _rows_with({"role": {"type": "string"}, "content": {"type": "string"}}),
        "content": _rows_with({"title": {"type": "string"}, "file": {"type": "string"}}),
        "uploads": _rows_with({"file": {"type": "string"}}),
        "security_events": _rows_with(
            {"kind": {"type": "string"}, "ip_value": {"type": ["string", "null"]}}
        ),
    },
}  # fmt: skip
