"""The promise index (warren.privacy.promises) covers every key of the Tenant model, and
every module, function and test it names exists; keys it says the policy does not use
really change no policy text."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from click.testing import CliRunner

from warren.cli import main
from warren.paths import PROJECT_ROOT
from warren.privacy.policy import render_policy_markdown
from warren.privacy.promises import PROMISES, values
from warren.publishing.ownership import config_keys
from warren.tenancy.registry import load_registry
from warren.tenancy.tenant import Tenant

ALT = PROJECT_ROOT / "tests" / "fixtures" / "tenants-alt.toml"


def test_the_walk_finds_nested_and_named_entry_keys() -> None:
    keys = set(config_keys(Tenant))
    assert {"ip.mode", "policy.rights_deadline.days", "products.*.references"} <= keys
    assert "operator.data_protection_officer.email" in keys
    assert "payments.packs.*.price" in keys


def test_every_config_key_has_an_entry_and_every_entry_a_key() -> None:
    keys = list(config_keys(Tenant))
    assert [key for key in keys if key not in PROMISES] == []
    assert [key for key in PROMISES if key not in keys] == []


def _resolve(reference: str) -> object:
    module_name, _, path = reference.partition(":")
    found: object = importlib.import_module(module_name)
    for part in path.split("."):
        found = getattr(found, part)
    return found


@pytest.mark.parametrize("key", sorted(PROMISES))
def test_each_entry_names_code_and_tests_that_exist(key: str) -> None:
    promise = PROMISES[key]
    shape = (bool(promise.enforced_by), bool(promise.proven_by), bool(promise.reason))
    assert (
        shape
        == {
            "enforced": (True, True, False),
            "text_only": (False, True, True),
            "not_in_policy": (False, False, True),
        }[promise.kind]
    ), key
    for reference in promise.enforced_by:
        assert re.fullmatch(r"warren(\.\w+)+:\w+(\.\w+)*", reference), reference
        assert callable(_resolve(reference)) or isinstance(_resolve(reference), property)
    for test in promise.proven_by:
        path, _, name = test.partition("::")
        source = (PROJECT_ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), test


# What each key the index says the policy does not use is changed to; the policy must
# render the same. A new key marked "not in the policy" needs a line here.
ALTERNATIVES: dict[str, Any] = {
    "slug": "othername",
    "aliases": ["www2.songly.gift"],
    "theme.primary": "#000000",
    "theme.accent": "#000000",
    "theme.background": "#fefefe",
    "theme.text": "#000000",
    "theme.tagline": "Another tagline.",
    "analytics.counter_id": 12345,
    "policy.changes.material": ["ip.mode"],
    "media.max_image_pixels": 1000,
    "media.max_image_bytes": 1000,
    "media.max_audio_bytes": 1000,
    "media.max_video_bytes": 1000,
    "media.max_text_bytes": 1000,
    "media.max_references": 2,
    "products.*.description": "Something else.",
    "products.*.price": 99,
    "products.*.provider": "elsewhere",
    "assistants.*.name": "Other",
    "assistants.*.description": "Something else.",
    "assistants.*.system_prompt": "Be brief.",
    "assistants.*.provider": "elsewhere",
    "accounts.require_two_factor": True,
    "payments.gateway": "stripe",
    "payments.currency": "EUR",
    "payments.welcome_points": 7,
}


def _set(data: Any, key: str, value: Any) -> None:
    head, _, rest = key.partition(".")
    targets = list(data.values()) if head == "*" else [data]
    for target in targets:
        if not rest:
            target[head] = value
        else:
            _set(target if head == "*" else target[head], rest, value)


@pytest.mark.parametrize(
    "key", sorted(k for k, promise in PROMISES.items() if promise.kind == "not_in_policy")
)
def test_keys_marked_not_in_the_policy_change_no_policy_text(key: str) -> None:
    songly = load_registry(PROJECT_ROOT / "tenants.toml").get("songly")
    data = songly.model_dump(mode="json", exclude_none=True)
    assert list(values(data, key)), f"songly has no {key}: choose a brand that does"
    _set(data, key, ALTERNATIVES[key])
    changed = Tenant.model_validate(data)
    assert changed != songly
    assert render_policy_markdown(changed) == render_policy_markdown(songly)


def test_the_cli_prints_each_promise_of_a_brand() -> None:
    result = CliRunner().invoke(main, ["tenants", "promises", "--file", str(ALT), "tidepool"])
    assert result.exit_code == 0, result.output
    assert 'media.upload_kinds = ["image"]' in result.output
    assert "    enforced by warren.media.validate:prepare_upload" in result.output
    assert "operator.legal_name = " in result.output
    # Keys tidepool does not have are not listed; keys the policy ignores only with --all.
    assert "retention.chat_messages_per_assistant" not in result.output
    assert "theme.primary" not in result.output
    everything = CliRunner().invoke(
        main, ["tenants", "promises", "--file", str(ALT), "tidepool", "--all"]
    )
    assert "theme.primary = " in everything.output
    unknown = CliRunner().invoke(main, ["tenants", "promises", "--file", str(ALT), "nobody"])
    assert unknown.exit_code != 0
