"""The privacy policy text: every seed fact for each brand, and text that follows config.

The real ``tenants.toml`` is rendered, so a brand whose config drifts from its published
policy fails here. The second half changes one config value at a time and checks the
text changes with it: that is what lets warren claim the text and the code cannot differ.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from jinja2 import TemplateNotFound, UndefinedError
from pydantic import ValidationError

from warren.paths import PROJECT_ROOT
from warren.privacy import policy
from warren.privacy.policy import (
    duration,
    number_words,
    policy_version,
    render_policy_html,
    render_policy_markdown,
    window,
)
from warren.tenancy.policy_settings import PolicySettings
from warren.tenancy.registry import Registry, load_registry
from warren.tenancy.tenant import Tenant

from policy_facts import (
    CATEGORIES_SAY,
    CATEGORY_LIST,
    CONSENT_TRANSFERS_SAYS,
    DETAILED_DEADLINE_SAYS,
    DETAILED_DEADLINE_WORDING,
    FACE_DATA_SAYS,
    FACE_SECTION,
    FACTS,
    HASH_WORDING,
    HASHED_IP_SAYS,
    NO_TRAINING_SAYS,
    NO_TRAINING_WORDING,
    OPERATOR_ADDRESS,
    OPERATOR_BIN,
    OPERATOR_NAME,
    OPT_IN_SAYS,
    OPT_IN_WORDING,
    OR_SHORTER_SAYS,
    OR_SHORTER_WORDING,
    OWN_POLICIES_SAYS,
    OWN_POLICIES_WORDING,
    RAW_IP_SAYS,
    SEEDS,
    SINGLE_USE_SAYS,
    STORES_RAW_IP,
    TUNING_SAYS,
    TUNING_WORDING,
    Fact,
    describe,
    matches,
    missing_facts,
    plain_text,
    unexpected_facts,
)

TENANTS_TOML = PROJECT_ROOT / "tenants.toml"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(TENANTS_TOML)


@pytest.fixture(params=sorted(FACTS))
def brand(request: pytest.FixtureRequest, registry: Registry) -> Tenant:
    return registry.get(request.param)


def changed(tenant: Tenant, section: str, **values: Any) -> Tenant:
    """The tenant with ``section`` (ip, analytics, policy, retention, media) changed."""
    current = getattr(tenant, section)
    return tenant.model_copy(update={section: current.model_copy(update=values)})


def deadline_changed(tenant: Tenant, **values: Any) -> Tenant:
    deadline = tenant.policy.rights_deadline.model_copy(update=values)
    return changed(tenant, "policy", rights_deadline=deadline)


def text_of(tenant: Tenant) -> str:
    return plain_text(render_policy_markdown(tenant))


def found(facts: tuple[Fact, ...], text: str) -> list[str]:
    return [describe(fact) for fact in facts if matches(fact, text)]


def not_found(facts: tuple[Fact, ...], text: str) -> list[str]:
    return [describe(fact) for fact in facts if not matches(fact, text)]


# --- the published policies ---------------------------------------------------------


def test_every_registered_brand_has_its_facts(registry: Registry) -> None:
    assert {tenant.slug for tenant in registry} == set(FACTS)


def test_every_brand_has_a_seed_policy() -> None:
    if not SEEDS.is_dir():
        pytest.skip("the seed policies are not mounted here")
    assert {path.name.split("-")[0] for path in SEEDS.glob("*-privacy-policy.txt")} == set(FACTS)


def test_markdown_states_every_fact_of_the_seed(brand: Tenant) -> None:
    assert missing_facts(brand.slug, render_policy_markdown(brand)) == []


def test_markdown_says_nothing_the_seed_rules_out(brand: Tenant) -> None:
    assert unexpected_facts(brand.slug, render_policy_markdown(brand)) == []


def test_html_page_keeps_every_fact(brand: Tenant) -> None:
    page = render_policy_html(brand)
    assert missing_facts(brand.slug, page) == []
    assert unexpected_facts(brand.slug, page) == []


def test_every_forbidden_fact_is_one_the_templates_can_produce(registry: Registry) -> None:
    # An "absent" fact no rendering ever contains would pass vacuously, e.g. after a
    # rewording; each must be found in some other brand's policy.
    texts = {tenant.slug: text_of(tenant) for tenant in registry}
    for slug, facts in FACTS.items():
        others = [text for other, text in texts.items() if other != slug]
        vacuous = [describe(f) for f in facts.absent if not any(matches(f, t) for t in others)]
        assert vacuous == [], slug


def test_operator_identity_is_stated_once_and_shared_by_every_brand(registry: Registry) -> None:
    # One [defaults.operator] table names the company; no brand repeats (or mistypes) it.
    for tenant in registry:
        operator = tenant.operator
        assert (operator.legal_name, operator.registration_number, operator.address) == (
            OPERATOR_NAME,
            OPERATOR_BIN,
            OPERATOR_ADDRESS,
        )
        text = text_of(tenant)
        assert f"data controller is {OPERATOR_NAME}, BIN {OPERATOR_BIN}" in text
        assert f"Address: {OPERATOR_ADDRESS}" in text
    assert TENANTS_TOML.read_text(encoding="utf-8").count(OPERATOR_BIN) == 1


def test_sections_are_numbered_in_order_and_cross_references_resolve(brand: Tenant) -> None:
    markdown = render_policy_markdown(brand)
    headings = [int(n) for n in re.findall(r"^## (\d+)\. ", markdown, re.MULTILINE)]
    assert headings == list(range(1, len(headings) + 1))
    assert len(headings) == 17
    clauses = set(re.findall(r"^(\d+(?:\.\d+)*)\. ", markdown, re.MULTILINE))
    references = re.findall(r"Section (\d+(?:\.\d+)*)", markdown)
    assert references
    for reference in references:
        if "." in reference:
            assert reference in clauses, reference
        else:
            assert int(reference) in headings, reference


def test_markdown_has_no_template_leftovers(brand: Tenant) -> None:
    markdown = render_policy_markdown(brand)
    assert "{{" not in markdown
    assert "{%" not in markdown
    assert "\n\n\n" not in markdown
    assert markdown.endswith("Last updated: " + brand.policy.last_updated_text + "\n")


def test_html_is_commonmark_with_raw_html_escaped(registry: Registry) -> None:
    vizardio = registry.get("vizardio")
    page = render_policy_html(vizardio)
    assert page.startswith("<h1>Privacy Policy</h1>")
    assert re.search(r"<h2 id=\"[a-z0-9-]+\">11. Cookies and Web Analytics</h2>", page)
    assert "<li>" in page
    hostile = vizardio.model_copy(update={"name": "<script>alert(1)</script>"})
    page = render_policy_html(hostile)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- the text follows the config ----------------------------------------------------


def test_upload_period_comes_from_config(registry: Registry) -> None:
    homiwork = registry.get("homiwork")
    before = text_of(homiwork)
    after = text_of(changed(homiwork, "retention", upload_days=10))
    uploads = r"Uploaded content \(photographs, audio and video for processing\): stored for "
    assert re.search(uploads + r"7 \(seven\) calendar days", before)
    assert re.search(uploads + r"10 \(ten\) calendar days", after)
    assert not re.search(uploads + r"7 \(seven\)", after)
    assert "deleted from our servers within 10 (ten) calendar days" in after
    # The trash period is a separate setting and must not move with it.
    assert "removed completely after 7 (seven) calendar days" in after


def test_trash_and_chat_limits_come_from_config(registry: Registry) -> None:
    songly = registry.get("songly")
    text = text_of(changed(songly, "retention", trash_days=1, chat_messages_per_assistant=50))
    assert "removed completely after 1 (one) calendar day." in text
    assert "only the last 50 (fifty) messages with each AI assistant" in text


@pytest.mark.parametrize(
    ("first", "last", "wording"),
    [
        (90, 180, "3–6 months"),
        (45, 100, "45–100 days"),
        (365, 730, "1–2 years"),
        (60, 60, "2 (two) months"),
    ],
)
def test_content_and_chat_windows_come_from_config(
    registry: Registry, first: int, last: int, wording: str
) -> None:
    vizardio = registry.get("vizardio")
    content = text_of(
        changed(
            vizardio, "retention", content_deletable_after_days=first, content_deleted_by_days=last
        )
    )
    assert f"generated content is deleted automatically {wording} after its creation" in content
    assert "message history is deleted automatically after 2–4 months" in content
    chat = text_of(
        changed(vizardio, "retention", chat_deletable_after_days=first, chat_deleted_by_days=last)
    )
    assert f"message history is deleted automatically after {wording}" in chat
    assert "generated content is deleted automatically 2–4 months after" in chat


@pytest.mark.parametrize(
    ("days", "wording"),
    [
        (365, "1 (one) year"),
        (730, "2 (two) years"),
        (180, "6 (six) months"),
        (400, "400 (four hundred) days"),
    ],
)
def test_inactive_account_period_comes_from_config(
    registry: Registry, days: int, wording: str
) -> None:
    text = text_of(changed(registry.get("songly"), "retention", inactive_account_days=days))
    assert text.count(f"not been accessed for {wording} are deleted automatically") == 2


def test_inactivity_warning_lead_time_comes_from_config(registry: Registry) -> None:
    songly = registry.get("songly")
    assert "notified by email 30 (thirty) calendar days before the deletion" in text_of(songly)
    text = text_of(changed(songly, "retention", inactive_warning_days=14))
    assert "notified by email 14 (fourteen) calendar days before the deletion" in text


def test_raw_mode_says_stored_hashes_stay_hashes(registry: Registry) -> None:
    # A brand that goes from hashed to raw cannot un-hash its history; the text says so.
    raw = text_of(changed(registry.get("songly"), "ip", mode="raw"))
    assert "it stays a hash: a hash cannot be turned back into the address" in raw


def test_log_and_transaction_periods_come_from_config(registry: Registry) -> None:
    vizardio = changed(registry.get("vizardio"), "retention", log_months=6, transaction_years=1)
    text = text_of(vizardio)
    assert "Technical logs and IP addresses: stored for 6 (six) months" in text
    assert "at least 1 (one) year)" in text
    assert "12 (twelve) months exclusively" not in text


def test_image_size_comes_from_config(registry: Registry) -> None:
    text = text_of(changed(registry.get("homiwork"), "media", max_image_side=1024))
    assert "longer side is at most 1024 pixels" in text
    assert "1536" not in text


def test_switching_a_hashed_brand_to_raw_ip_changes_the_ip_wording(registry: Registry) -> None:
    songly = registry.get("songly")
    assert found(HASH_WORDING, text_of(songly))
    text = text_of(changed(songly, "ip", mode="raw"))
    assert found(HASH_WORDING, text) == []
    assert not_found(RAW_IP_SAYS, text) == []


def test_switching_the_raw_brand_to_hashed_ip_changes_the_ip_wording(registry: Registry) -> None:
    text = text_of(changed(registry.get("vizardio"), "ip", mode="hashed"))
    assert not_found(HASHED_IP_SAYS, text) == []
    assert found(STORES_RAW_IP, text) == []


def test_opt_in_analytics_wording_follows_the_consent_mode(registry: Registry) -> None:
    songly_opt_in = text_of(changed(registry.get("songly"), "analytics", consent="opt_in"))
    assert not_found(OPT_IN_SAYS, songly_opt_in) == []
    vizardio_notice = text_of(changed(registry.get("vizardio"), "analytics", consent="notice"))
    assert found(OPT_IN_WORDING, vizardio_notice) == []
    assert "disable cookies in the browser settings" in vizardio_notice


def test_notice_lists_cookie_categories_only_when_configured(registry: Registry) -> None:
    songly = registry.get("songly")
    homiwork = registry.get("homiwork")
    assert not_found(CATEGORIES_SAY, text_of(songly)) == []
    assert found(CATEGORY_LIST, text_of(homiwork)) == []
    without = text_of(changed(songly, "analytics", notice_categories=()))
    assert found(CATEGORY_LIST, without) == []
    only_two = text_of(changed(homiwork, "analytics", notice_categories=("essential", "analytics")))
    assert "Essential cookies: required for authentication and session maintenance;" in only_two
    assert "Analytics cookies: set by Yandex.Metrika to count visits." in only_two
    assert "Functional cookies" not in only_two


def test_metrika_minimal_configuration_is_stated_in_both_consent_modes(brand: Tenant) -> None:
    text = text_of(brand)
    assert re.search(
        r"WebVisor .{0,40}, the click map .{0,40}, link tracking and accurate bounce .{0,30} "
        r"are disabled",
        text,
    )


def test_no_analytics_provider_means_no_metrika_text(registry: Registry) -> None:
    for slug in ("vizardio", "songly"):
        tenant = changed(registry.get(slug), "analytics", provider="none", counter_id=None)
        text = text_of(tenant)
        assert "Metrika" not in text
        assert "no web analytics counter" in text


def test_face_data_section_follows_config(registry: Registry) -> None:
    assert not_found(FACE_DATA_SAYS, text_of(registry.get("homiwork"))) == []
    songly_with = text_of(changed(registry.get("songly"), "policy", face_data_section=True))
    assert not_found(FACE_DATA_SAYS, songly_with) == []
    assert "2.1.6. Face data" in songly_with
    homiwork_without = text_of(changed(registry.get("homiwork"), "policy", face_data_section=False))
    assert found(FACE_SECTION, homiwork_without) == []


def test_content_use_clause_follows_config(registry: Registry) -> None:
    vizardio_tuning = text_of(
        changed(registry.get("vizardio"), "policy", content_use="internal_tuning")
    )
    assert not_found(TUNING_SAYS, vizardio_tuning) == []
    assert found(NO_TRAINING_WORDING, vizardio_tuning) == []
    songly_no_training = text_of(
        changed(registry.get("songly"), "policy", content_use="no_training")
    )
    assert not_found(NO_TRAINING_SAYS, songly_no_training) == []
    assert found(TUNING_WORDING, songly_no_training) == []


def test_provider_and_transfer_clauses_follow_config(registry: Registry) -> None:
    vizardio = registry.get("vizardio")
    single = text_of(
        changed(vizardio, "policy", provider_data_use="single_use", transfers_with_consent=False)
    )
    assert not_found(SINGLE_USE_SAYS, single) == []
    assert found(OWN_POLICIES_WORDING, single) == []
    assert found(CONSENT_TRANSFERS_SAYS, single) == []
    songly = registry.get("songly")
    own = text_of(
        changed(songly, "policy", provider_data_use="own_policies", transfers_with_consent=True)
    )
    assert not_found(OWN_POLICIES_SAYS, own) == []
    assert not_found(CONSENT_TRANSFERS_SAYS, own) == []
    assert found(SINGLE_USE_SAYS, own) == []


def test_rights_deadline_wording_follows_config(registry: Registry) -> None:
    homiwork = registry.get("homiwork")
    assert "one month under the GDPR" not in text_of(homiwork)
    assert "one month under the GDPR" in text_of(deadline_changed(homiwork, gdpr=True))
    assert "(for example" not in text_of(deadline_changed(homiwork, ccpa=False))
    shorter = text_of(deadline_changed(homiwork, days=20, ccpa_days=40))
    assert "20 (twenty) calendar days from receipt of the request" in shorter
    assert "40 (forty) days under the CCPA" in shorter

    vizardio = registry.get("vizardio")
    or_shorter = text_of(deadline_changed(vizardio, wording="or_shorter"))
    assert not_found(OR_SHORTER_SAYS, or_shorter) == []
    assert found(DETAILED_DEADLINE_WORDING, or_shorter) == []
    detailed_songly = text_of(deadline_changed(registry.get("songly"), wording="detailed"))
    assert not_found(DETAILED_DEADLINE_SAYS, detailed_songly) == []
    assert found(OR_SHORTER_WORDING, detailed_songly) == []
    no_ccpa = text_of(deadline_changed(vizardio, ccpa=False, gdpr_extension_months=1))
    assert "Under the CCPA" not in no_ccpa
    assert "extendable by 1 (one) further month for complex requests" in no_ccpa


def test_brand_identity_and_date_come_from_config(registry: Registry) -> None:
    songly = registry.get("songly").model_copy(
        update={"domain": "songly.example", "support_email": "help@songly.example"}
    )
    songly = changed(songly, "policy", last_updated="2026-06-15")
    text = text_of(songly)
    assert "users of the songly.example service" in text
    assert "songly.gift" not in text
    assert text.count("help@songly.example") >= 6
    assert "Last updated: June 15, 2026" in text


# --- the version -------------------------------------------------------------------


def test_policy_version_is_date_and_text_hash(brand: Tenant) -> None:
    version = policy_version(brand)
    assert re.fullmatch(re.escape(brand.policy.last_updated) + r"\.[0-9a-f]{12}", version)
    assert policy_version(brand) == version


def test_policy_version_changes_when_the_text_changes(registry: Registry) -> None:
    songly = registry.get("songly")
    versions = {
        policy_version(songly),
        policy_version(changed(songly, "retention", upload_days=10)),
        policy_version(changed(songly, "ip", mode="raw")),
        policy_version(changed(songly, "analytics", consent="opt_in")),
        policy_version(changed(songly, "policy", last_updated="2026-05-01")),
    }
    assert len(versions) == 5
    assert len({policy_version(tenant) for tenant in registry}) == len(registry)


def test_policy_version_ignores_config_the_text_does_not_use(registry: Registry) -> None:
    songly = registry.get("songly")
    recoloured = changed(songly, "theme", primary="#000000")
    assert render_policy_markdown(recoloured) == render_policy_markdown(songly)
    assert policy_version(recoloured) == policy_version(songly)


# --- building blocks ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (12, "twelve"),
        (21, "twenty-one"),
        (45, "forty-five"),
        (100, "one hundred"),
        (115, "one hundred fifteen"),
        (1000, "one thousand"),
        (1536, "one thousand five hundred thirty-six"),
        (2_000_000, "two million"),
    ],
)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


def test_durations_prefer_whole_years_then_months_then_days() -> None:
    assert duration(365) == "1 (one) year"
    assert duration(60) == "2 (two) months"
    assert duration(1) == "1 (one) day"
    assert window(60, 120) == "2–4 months"
    assert window(30, 365) == "30–365 days"


@pytest.mark.parametrize("language", policy.POLICY_LANGUAGES)
def test_missing_config_value_fails_instead_of_rendering_a_gap(
    registry: Registry, language: str
) -> None:
    template = policy._ENVIRONMENTS[language].from_string("{{ tenant.retention.no_such_period }}")
    with pytest.raises(UndefinedError):
        template.render(tenant=registry.get("songly"))


def test_unknown_template_or_clause_value_fails(registry: Registry) -> None:
    songly = registry.get("songly")
    with pytest.raises(TemplateNotFound):
        render_policy_markdown(changed(songly, "policy", template="nonexistent"))
    with pytest.raises(TemplateNotFound):
        render_policy_markdown(changed(songly, "policy", content_use="something_new"))


def test_policy_template_name_cannot_be_a_path() -> None:
    base = {
        "last_updated": "2026-05",
        "content_use": "no_training",
        "rights_deadline": {"wording": "detailed", "gdpr": True, "ccpa": True},
        "jurisdictions": ["gdpr", "ccpa"],
    }
    assert PolicySettings.model_validate(base).template == "standard"
    settings = PolicySettings.model_validate(base)
    assert settings.transfers_with_consent is False
    assert settings.provider_data_use == "single_use"
    for bad in ("../standard", "standard/policy", ""):
        with pytest.raises(ValidationError):
            PolicySettings.model_validate({**base, "template": bad})
