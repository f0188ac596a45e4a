"""The promise index: for every key of a tenant's config, what keeps the policy's words
true.

A key that changes the policy text names the code that enforces it (``module:function``)
and the tests that prove both the behaviour and the wording
(``tests/file.py::test_name``), or is marked text-only with the reason no code can keep
it. A key that changes no policy text says so, with the reason. ``tests/test_promises.py``
walks the Tenant model and fails on a key without an entry, or an entry naming code or a
test that does not exist; ``warren tenants promises TENANT`` prints it for one brand.

Keys under a table of named entries use ``*``: ``products.*.references``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

from warren.tenancy.tenant import Tenant


@dataclass(frozen=True)
class Promise:
    kind: Literal["enforced", "text_only", "not_in_policy"]
    # "warren.module:function" (or "module:Class.method"): the code that keeps the words.
    enforced_by: tuple[str, ...] = ()
    # "tests/file.py::test_name": tests that fail if the code or the text drifts.
    proven_by: tuple[str, ...] = ()
    # Why no code enforces it (text_only) or why it is not in the policy (not_in_policy).
    reason: str = ""


def enforced(code: tuple[str, ...], tests: tuple[str, ...]) -> Promise:
    return Promise("enforced", enforced_by=code, proven_by=tests)


def text_only(reason: str, tests: tuple[str, ...]) -> Promise:
    return Promise("text_only", proven_by=tests, reason=reason)


def not_in_policy(reason: str) -> Promise:
    return Promise("not_in_policy", reason=reason)


_TEXT = "tests/test_policy_text.py::"
_PUBLISHING = "tests/test_publishing_config.py::"
_ALT = "tests/test_policy_alt_brand.py::"
_SWITCHES = _ALT + "test_every_optional_clause_follows_its_switch"
_RULES = "tests/test_retention_rules.py::test_every_rule_deletes_what_is_due_and_keeps_the_rest"
_OPERATOR_FACT = (
    "who the data controller is, and its contacts, are facts about a company that no "
    "code can check; tenants check requires them and the policy prints them verbatim"
)
_OPERATOR_TESTS = (
    _ALT + "test_the_alt_brand_names_its_own_operator_law_and_contacts",
    _TEXT + "test_operator_identity_is_stated_once_and_shared_by_every_brand",
)
_CONTACT = text_only(_OPERATOR_FACT, (_SWITCHES,))
_PAGES_ONLY = "shapes the brand's pages, not what its policy says"
_DEADLINES = enforced(
    (
        "warren.rights.deadlines:due_at",
        "warren.rights.deadlines:extended_due_at",
        "warren.rights.deadlines:acknowledge_by",
    ),
    (
        "tests/test_rights_requests.py::test_gdpr_is_one_calendar_month_extendable_by_two",
        "tests/test_rights_requests.py::test_ccpa_days_extension_and_acknowledgment_in_business_days",
        _TEXT + "test_rights_deadline_wording_follows_config",
    ),
)
_SELLS = enforced(
    ("warren.tenancy.tenant:PaymentSettings.item", "warren.tenancy.tenant:Tenant.sells"),
    (
        _SWITCHES,
        "tests/test_pay_demo_http.py::test_a_new_user_buys_points_from_the_dead_end_and_gets_back_to_the_order",
    ),
)

PROMISES: Final[dict[str, Promise]] = {
    "slug": not_in_policy("the brand's permanent id in the database"),
    "name": text_only(
        "the brand name the policy is published under",
        (_TEXT + "test_html_is_commonmark_with_raw_html_escaped",),
    ),
    "domain": enforced(
        ("warren.tenancy.resolve:tenant_for_host",),
        (
            _TEXT + "test_brand_identity_and_date_come_from_config",
            "tests/test_brand_sites.py::test_production_domains_and_aliases_resolve",
        ),
    ),
    "aliases": not_in_policy("extra host names; the policy names the main domain"),
    "support_email": text_only(
        "a mailbox people read; the policy gives it as the contact address",
        (_TEXT + "test_brand_identity_and_date_come_from_config",),
    ),
    "operator.legal_name": text_only(_OPERATOR_FACT, _OPERATOR_TESTS),
    "operator.registration_label": text_only(_OPERATOR_FACT, _OPERATOR_TESTS),
    "operator.registration_number": text_only(_OPERATOR_FACT, _OPERATOR_TESTS),
    "operator.address": text_only(_OPERATOR_FACT, _OPERATOR_TESTS),
    "operator.jurisdiction": text_only(_OPERATOR_FACT, _OPERATOR_TESTS),
    "operator.courts": text_only(_OPERATOR_FACT, _OPERATOR_TESTS),
    "operator.data_protection_law": text_only(_OPERATOR_FACT, _OPERATOR_TESTS),
    "operator.privacy_email": text_only(_OPERATOR_FACT, (*_OPERATOR_TESTS, _SWITCHES)),
    "operator.data_protection_officer.name": _CONTACT,
    "operator.data_protection_officer.address": _CONTACT,
    "operator.data_protection_officer.email": _CONTACT,
    "operator.eu_representative.name": _CONTACT,
    "operator.eu_representative.address": _CONTACT,
    "operator.eu_representative.email": _CONTACT,
    "operator.uk_representative.name": _CONTACT,
    "operator.uk_representative.address": _CONTACT,
    "operator.uk_representative.email": _CONTACT,
    "operator.supervisory_authority": text_only(_OPERATOR_FACT, (*_OPERATOR_TESTS, _SWITCHES)),
    "theme.primary": not_in_policy(_PAGES_ONLY),
    "theme.accent": not_in_policy(_PAGES_ONLY),
    "theme.background": not_in_policy(_PAGES_ONLY),
    "theme.text": not_in_policy(_PAGES_ONLY),
    "theme.tagline": not_in_policy(_PAGES_ONLY),
    "ip.mode": enforced(
        ("warren.privacy.ip:ip_value", "warren.privacy.ip:ip_value_and_rate_key"),
        (
            "tests/test_raw_ip_never_stored.py::test_hashed_tenants_never_store_or_log_the_raw_address",
            "tests/test_ip_choke_point.py::test_hashed_mode_is_hmac_sha256_of_the_normalised_address",
            _TEXT + "test_switching_a_hashed_brand_to_raw_ip_changes_the_ip_wording",
        ),
    ),
    "analytics.provider": enforced(
        ("warren.privacy.consent:analytics_allowed", "warren.web.edge:content_security_policy"),
        (
            "tests/test_web_hardening.py::test_analytics_origin_is_allowed_only_when_consent_loads_it",
            _TEXT + "test_no_analytics_provider_means_no_metrika_text",
            _ALT + "test_pages_name_no_vendor_and_no_visit_counting_without_analytics",
        ),
    ),
    "analytics.counter_id": not_in_policy("the counter's number, used by the page script only"),
    "analytics.consent": enforced(
        ("warren.privacy.consent:analytics_allowed",),
        (
            "tests/test_consent_http.py::test_opt_in_first_visit_shows_banner_and_no_counter",
            "tests/test_consent_http.py::test_gpc_is_a_refusal_in_opt_in_mode",
            _TEXT + "test_opt_in_analytics_wording_follows_the_consent_mode",
        ),
    ),
    "analytics.notice_categories": text_only(
        "the categories a notice describes; the cookies themselves come from "
        "warren.privacy.cookie_catalogue, and tenants check warns about a category "
        "warren sets no cookie for",
        (
            _TEXT + "test_notice_lists_cookie_categories_only_when_configured",
            "tests/test_tenants_check.py::test_the_shipped_registry_passes_and_its_contradictions_are_warned",
        ),
    ),
    "policy.template": enforced(
        ("warren.privacy.policy:render_policy_markdown",),
        (_TEXT + "test_unknown_template_or_clause_value_fails",),
    ),
    "policy.last_updated": enforced(
        ("warren.privacy.policy:policy_version",),
        (_TEXT + "test_policy_version_is_date_and_text_hash",),
    ),
    "policy.content_use": text_only(
        "warren has no training or tuning pipeline: both wordings promise at most what "
        "the code does (nothing), so there is nothing to switch",
        (_TEXT + "test_content_use_clause_follows_config",),
    ),
    "policy.face_data_section": enforced(
        ("warren.media.image_transform:transform_image",),
        (
            "tests/test_media_pipeline.py::test_tenant_max_side_is_honoured",
            "tests/test_media_pipeline.py::test_the_original_is_never_written_anywhere",
            _TEXT + "test_face_data_section_follows_config",
        ),
    ),
    "policy.rights_deadline.days": _DEADLINES,
    "policy.rights_deadline.wording": text_only(
        "how the same deadlines are worded",
        (_TEXT + "test_rights_deadline_wording_follows_config",),
    ),
    "policy.rights_deadline.gdpr": enforced(
        ("warren.tenancy.policy_settings:PolicySettings._deadlines_need_the_regime",),
        (_ALT + "test_a_switch_left_on_without_its_data_is_refused", _SWITCHES),
    ),
    "policy.rights_deadline.ccpa": enforced(
        ("warren.tenancy.policy_settings:PolicySettings._deadlines_need_the_regime",),
        (_ALT + "test_a_switch_left_on_without_its_data_is_refused", _SWITCHES),
    ),
    "policy.rights_deadline.gdpr_extension_months": _DEADLINES,
    "policy.rights_deadline.ccpa_days": _DEADLINES,
    "policy.rights_deadline.ccpa_extension_days": _DEADLINES,
    "policy.rights_deadline.ccpa_ack_business_days": _DEADLINES,
    "policy.transfers_with_consent": text_only(
        "no code transfers data on consent; the clause only widens or closes the list "
        "of cases the policy allows",
        (_TEXT + "test_provider_and_transfer_clauses_follow_config",),
    ),
    "policy.provider_data_use": enforced(
        (
            "warren.generation.anonymise:generation_request",
            "warren.generation.anonymise:chat_turns",
        ),
        (
            "tests/test_provider_anonymisation.py::test_nothing_identifying_reaches_a_provider",
            _TEXT + "test_provider_and_transfer_clauses_follow_config",
        ),
    ),
    "policy.jurisdictions": enforced(
        (
            "warren.tenancy.policy_settings:PolicySettings._deadlines_need_the_regime",
            "warren.tenancy.tenant:Tenant.serves_gdpr",
            "warren.tenancy.tenant:Tenant.serves_ccpa",
        ),
        (_SWITCHES, _ALT + "test_the_alt_brand_says_nothing_its_config_does_not_name"),
    ),
    "policy.content_described": enforced(
        (
            "warren.tenancy.tenant:Tenant._described_is_offered",
            "warren.privacy.contradictions:contradictions",
        ),
        (
            _ALT + "test_the_alt_brand_says_nothing_its_config_does_not_name",
            "tests/test_tenants_check.py::test_the_shipped_registry_passes_and_its_contradictions_are_warned",
        ),
    ),
    "policy.changes.notice_days": enforced(
        ("warren.publishing.service:plan", "warren.publishing.service:publish"),
        (
            _PUBLISHING
            + "test_a_material_change_waits_for_the_notice_period_and_mails_each_user_once",
        ),
    ),
    "policy.changes.notify_by": enforced(
        ("warren.publishing.service:publish", "warren.publishing.notices:send_notices"),
        (
            _PUBLISHING
            + "test_a_material_change_waits_for_the_notice_period_and_mails_each_user_once",
        ),
    ),
    "policy.changes.material": not_in_policy(
        "which keys make a change material decides when the notice period applies "
        "(warren.publishing.service:material_keys); the policy says 'material changes'"
    ),
    "retention.upload_days": enforced(
        ("warren.media.uploads:store_upload", "warren.lifecycle.rules:_uploads"),
        (
            "tests/test_upload_expiry.py::test_expired_and_long_trashed_uploads_are_purged",
            _TEXT + "test_upload_period_comes_from_config",
        ),
    ),
    "retention.content_deletable_after_days": enforced(
        ("warren.lifecycle.rules:_content",),
        (_RULES, _TEXT + "test_content_and_chat_windows_come_from_config"),
    ),
    "retention.content_deleted_by_days": enforced(
        ("warren.lifecycle.rules:_content", "warren.lifecycle.plan:overdue"),
        (_RULES, _TEXT + "test_content_and_chat_windows_come_from_config"),
    ),
    "retention.trash_days": enforced(
        ("warren.lifecycle.rules:_trashed_items", "warren.lifecycle.rules:_trashed_uploads"),
        (_RULES, _TEXT + "test_trash_and_chat_limits_come_from_config"),
    ),
    "retention.chat_messages_per_assistant": enforced(
        ("warren.lifecycle.rules:_chat_overflow", "warren.chat.conversation:history"),
        (_RULES, _TEXT + "test_trash_and_chat_limits_come_from_config", _SWITCHES),
    ),
    "retention.chat_deletable_after_days": enforced(
        ("warren.lifecycle.rules:_chat_messages",),
        (_RULES, _TEXT + "test_content_and_chat_windows_come_from_config", _SWITCHES),
    ),
    "retention.chat_deleted_by_days": enforced(
        ("warren.lifecycle.rules:_chat_messages", "warren.lifecycle.plan:overdue"),
        (_RULES, _TEXT + "test_content_and_chat_windows_come_from_config", _SWITCHES),
    ),
    "retention.inactive_account_days": enforced(
        ("warren.lifecycle.rules:_inactive_accounts",),
        (
            "tests/test_retention_rules.py::test_inactive_accounts_are_warned_once_then_erased",
            _TEXT + "test_inactive_account_period_comes_from_config",
        ),
    ),
    "retention.inactive_warning_days": enforced(
        ("warren.lifecycle.inactivity:send_inactivity_warnings",),
        (
            "tests/test_retention_rules.py::test_inactive_accounts_are_warned_once_then_erased",
            _TEXT + "test_inactivity_warning_lead_time_comes_from_config",
        ),
    ),
    "retention.log_months": enforced(
        ("warren.lifecycle.rules:_security_events", "warren.lifecycle.rules:_consent_ips"),
        (_RULES, _TEXT + "test_log_and_transaction_periods_come_from_config"),
    ),
    "retention.transaction_years": enforced(
        # Kept that long, also after account deletion; the transactions rule deletes an
        # order once the period has passed since its last event.
        ("warren.rights.account_deletion:deletion_plan", "warren.lifecycle.rules:_orders"),
        (
            "tests/test_rights_account_deletion.py::test_deleting_the_account_erases_everything_personal_and_keeps_the_transactions",
            "tests/test_retention_rules.py::test_orders_go_after_the_transaction_period_counted_from_their_last_event",
            _TEXT + "test_log_and_transaction_periods_come_from_config",
            _ALT + "test_a_brand_that_sells_nothing_promises_no_kept_transactions",
        ),
    ),
    "media.max_image_side": enforced(
        ("warren.media.image_transform:transform_image",),
        (
            "tests/test_media_pipeline.py::test_tenant_max_side_is_honoured",
            _TEXT + "test_image_size_comes_from_config",
        ),
    ),
    "media.max_image_pixels": not_in_policy("an upload limit shown where files are uploaded"),
    "media.max_image_bytes": not_in_policy("an upload limit shown where files are uploaded"),
    "media.max_audio_bytes": not_in_policy("an upload limit shown where files are uploaded"),
    "media.max_video_bytes": not_in_policy("an upload limit shown where files are uploaded"),
    "media.max_text_bytes": not_in_policy("an upload limit shown where files are uploaded"),
    "media.max_references": not_in_policy("a limit on one order's references"),
    "media.upload_kinds": enforced(
        ("warren.media.validate:prepare_upload",),
        (_ALT + "test_upload_kinds_the_policy_leaves_out_are_refused", _SWITCHES),
    ),
    "products.*.category": enforced(
        (
            "warren.generation.submit:submit_generation",
            "warren.tenancy.tenant:Tenant.offered_categories",
        ),
        (
            "tests/test_generation_http.py::test_order_validation",
            _ALT + "test_the_alt_brand_says_nothing_its_config_does_not_name",
            _SWITCHES,
        ),
    ),
    "products.*.title": text_only(
        "examples in the list of generated content (when policy.content_described is unset)",
        (_ALT + "test_the_alt_brand_says_nothing_its_config_does_not_name",),
    ),
    "products.*.description": not_in_policy(_PAGES_ONLY),
    "products.*.price": not_in_policy("prices are on the pages, not in the policy"),
    "products.*.provider": not_in_policy(
        "the policy names AI providers as a kind of recipient, not by name; tenants check "
        "refuses a provider this deployment does not have"
    ),
    "products.*.references": enforced(
        (
            "warren.generation.submit:submit_generation",
            "warren.tenancy.tenant:Tenant._described_is_offered",
        ),
        ("tests/test_generation_http.py::test_order_validation", _SWITCHES),
    ),
    "assistants.*.name": not_in_policy(_PAGES_ONLY),
    "assistants.*.description": not_in_policy(_PAGES_ONLY),
    "assistants.*.system_prompt": not_in_policy("instructions sent to the provider"),
    "assistants.*.provider": not_in_policy(
        "as products.*.provider; whether chat clauses appear follows products.*.category"
    ),
    "accounts.require_two_factor": not_in_policy("a sign-in rule, not a data practice"),
    # With more than one language the switcher sets the language cookie, which the
    # cookie clause lists; the policy's own translations follow the same list.
    "languages": enforced(
        ("warren.privacy.cookie_catalogue:cookies_for", "warren.i18n:negotiate"),
        (
            "tests/test_cookie_catalogue_http.py::"
            "test_every_cookie_set_is_in_the_catalogue_and_every_catalogued_one_is_set",
            "tests/test_i18n.py::test_a_one_language_brand_lists_no_language_cookie",
        ),
    ),
    "payments.gateway": not_in_policy(
        "the policy describes payment gateways as a kind, not by name; tenants check "
        "refuses a gateway without its keys"
    ),
    "payments.currency": not_in_policy("prices are on the pages, not in the policy"),
    "payments.welcome_points": not_in_policy("a gift of points, not a data practice"),
    "payments.packs.*.points": _SELLS,
    "payments.packs.*.price": _SELLS,
    "payments.prime.*.days": _SELLS,
    "payments.prime.*.price": _SELLS,
}


def values(data: Any, key: str) -> Iterator[tuple[str, Any]]:
    """``(concrete key, value)`` for each place ``key`` (``*`` for any entry) names in a
    tenant's dumped config; nothing where the brand does not have it."""
    head, _, rest = key.partition(".")
    items: Iterable[tuple[str, Any]]
    if head == "*":
        items = data.items() if isinstance(data, dict) else ()
    elif isinstance(data, dict) and data.get(head) is not None:
        items = ((head, data[head]),)
    else:
        items = ()
    for name, value in items:
        if not rest:
            yield name, value
        else:
            for sub, found in values(value, rest):
                yield f"{name}.{sub}", found


def report(tenant: Tenant, *, everything: bool = False) -> Iterator[str]:
    """The index for one brand, with its values (`warren tenants promises`)."""
    data = tenant.model_dump(mode="json")
    for key, promise in PROMISES.items():
        if promise.kind == "not_in_policy" and not everything:
            continue
        for concrete, value in values(data, key):
            yield f"{concrete} = {json.dumps(value, ensure_ascii=False)}"
            if promise.kind == "not_in_policy":
                yield f"    not in the policy: {promise.reason}"
                continue
            if promise.kind == "text_only":
                yield f"    text only: {promise.reason}"
            for code in promise.enforced_by:
                yield f"    enforced by {code}"
            for test in promise.proven_by:
                yield f"    proven by {test}"
