"""The policy is rendered once per tenant configuration, never shared across tenants, and a
changed configuration gets its own text and version."""

from __future__ import annotations

from warren.privacy.policy import policy_version, render_policy_markdown, rendered_policy
from warren.runtime import Runtime


def test_one_render_per_configuration(runtime: Runtime) -> None:
    songly = runtime.registry.get("songly")
    assert rendered_policy(songly) is rendered_policy(songly)


def test_brands_never_share_a_rendered_policy(runtime: Runtime) -> None:
    songly, homiwork = runtime.registry.get("songly"), runtime.registry.get("homiwork")
    assert "support@songly.gift" in render_policy_markdown(songly)
    assert "support@songly.gift" not in render_policy_markdown(homiwork)
    assert policy_version(songly) != policy_version(homiwork)


def test_a_changed_configuration_is_rendered_anew(runtime: Runtime) -> None:
    songly = runtime.registry.get("songly")
    before = rendered_policy(songly)
    changed = songly.model_copy(update={"support_email": "help@songly.gift"})
    after = rendered_policy(changed)
    assert "help@songly.gift" in after.markdown
    assert "help@songly.gift" not in before.markdown
    assert after.version != before.version
    # The original configuration still gets its own text.
    assert rendered_policy(songly) is before
