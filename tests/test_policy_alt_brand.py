"""A brand unlike the shipped three (tests/fixtures/tenants-alt.toml: another operator,
EU users only, photos only, no assistant, nothing sold, no analytics) publishes a policy
that names only what its config names; and, over every combination of the optional
switches, each clause appears exactly when it is on and no heading is left empty."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warren.paths import PROJECT_ROOT
from warren.privacy.policy import render_policy_markdown
from warren.runtime import Runtime
from warren.tenancy.registry import load_registry
from warren.tenancy.tenant import Tenant

ALT = PROJECT_ROOT / "tests" / "fixtures" / "tenants-alt.toml"


@pytest.fixture(scope="module")
def tidepool() -> Tenant:
    return load_registry(ALT).get("tidepool")


def structure_problems(markdown: str) -> list[str]:
    """Headings numbered 1..n with content under each, sub-clauses numbered without gaps,
    cross-references that resolve, no list introduced and left empty."""
    problems = []
    headings = [int(n) for n in re.findall(r"^## (\d+)\. ", markdown, re.MULTILINE)]
    if headings != list(range(1, len(headings) + 1)):
        problems.append(f"headings {headings}")
    for empty in re.findall(r"^(## .+)\n\n(?=## |---)", markdown, re.MULTILINE):
        problems.append(f"empty heading {empty}")
    for intro in re.findall(r"^(.+:)\n\n(?=\d+\.|## |---)", markdown, re.MULTILINE):
        problems.append(f"empty list after {intro!r}")
    clauses = re.findall(r"^(\d+(?:\.\d+)+)\. ", markdown, re.MULTILINE)
    by_parent: dict[str, list[int]] = {}
    for clause in clauses:
        parent, _, last = clause.rpartition(".")
        by_parent.setdefault(parent, []).append(int(last))
    for parent, numbers in by_parent.items():
        if numbers != list(range(1, len(numbers) + 1)):
            problems.append(f"clauses of {parent}: {numbers}")
    for reference in re.findall(r"Section (\d+(?:\.\d+)*)", markdown):
        if reference not in clauses and int(reference.split(".")[0]) not in headings:
            problems.append(f"dangling reference to Section {reference}")
        if "." in reference and reference not in clauses:
            problems.append(f"dangling reference to Section {reference}")
    if "{{" in markdown or "{%" in markdown or "None" in markdown or "\n\n\n" in markdown:
        problems.append("template leftovers")
    return problems


def test_the_alt_brand_names_its_own_operator_law_and_contacts(tidepool: Tenant) -> None:
    text = render_policy_markdown(tidepool)
    assert "The data controller is Tidepool Studio OÜ, Registry code 16543210" in text
    assert "governed by the laws of the Republic of Estonia" in text
    assert "exclusive jurisdiction of Harju County Court, Estonia" in text
    assert "Data protection officer: Mari Tamm" in text
    assert "supervisory authority (the Estonian Data Protection Inspectorate)" in text
    assert "send a written request to the email address privacy@tidepool.example" in text
    for other in ("3 Krolika", "Kazakhstan", "BIN", "Astana"):
        assert other not in text, other


def test_the_alt_brand_says_nothing_its_config_does_not_name(tidepool: Tenant) -> None:
    text = render_policy_markdown(tidepool)
    assert structure_problems(text) == []
    for absent in (
        "CCPA", "California", "Metrika", "Yandex", "audio", "video", "songs", "poems",
        "assistant", "chat", "payment", "Payment", "Prime", "PCI DSS", "Transaction data",
        "warren_consent", "Functional cookies",
    ):  # fmt: skip
        assert absent not in text, absent
    assert "General Data Protection Regulation (GDPR)" in text
    assert "## 4. Legal Basis for Processing (GDPR)" in text
    assert len(re.findall(r"^## ", text, re.MULTILINE)) == 16
    assert "images (sticker, avatar and other graphic materials)" in text
    assert "Uploaded content (photographs for processing): stored for 3 (three)" in text
    assert "Generated content: deleted automatically 1–3 months after its creation." in text


def test_a_brand_without_analytics_shows_no_vendor_on_its_pages(tidepool: Tenant) -> None:
    from warren.cli.tenant_check import check_tenants

    report = check_tenants(ALT, ALT.parent / "tenants-alt", {}, {})
    assert report.errors == []
    assert report.warnings == []


# --- every optional switch, on and off ---------------------------------------------

VENDORS = {"yandex_metrika": "Yandex.Metrika"}
KINDS = ("image", "audio", "video")


@st.composite
def variants(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "jurisdictions": draw(st.lists(st.sampled_from(["gdpr", "ccpa"]), unique=True)),
        "vendor": draw(st.sampled_from(["none", "yandex_metrika"])),
        "consent": draw(st.sampled_from(["opt_in", "notice"])),
        "categories": draw(
            st.lists(st.sampled_from(["essential", "functional", "analytics"]), unique=True)
        ),
        "uploads": draw(st.lists(st.sampled_from(KINDS), unique=True)),
        "chat": draw(st.booleans()),
        "packs": draw(st.booleans()),
        "prime": draw(st.booleans()),
        "face": draw(st.booleans()),
        "with_consent": draw(st.booleans()),
        "hashed": draw(st.booleans()),
        "dpo": draw(st.booleans()),
        "eu_representative": draw(st.booleans()),
        "authority": draw(st.booleans()),
        "privacy_email": draw(st.booleans()),
        "wording": draw(st.sampled_from(["detailed", "or_shorter"])),
    }


def build(base: Tenant, v: dict[str, Any]) -> Tenant:
    data = base.model_dump(mode="json", exclude_none=True)
    data["policy"]["jurisdictions"] = v["jurisdictions"]
    data["policy"]["rights_deadline"].update(
        gdpr="gdpr" in v["jurisdictions"], ccpa="ccpa" in v["jurisdictions"], wording=v["wording"]
    )
    data["policy"]["face_data_section"] = v["face"]
    data["policy"]["transfers_with_consent"] = v["with_consent"]
    data["analytics"] = {
        "provider": v["vendor"],
        "consent": v["consent"],
        "notice_categories": v["categories"],
        **({"counter_id": 1} if v["vendor"] != "none" else {}),
    }
    data["ip"]["mode"] = "hashed" if v["hashed"] else "raw"
    data["media"]["upload_kinds"] = ["text", *v["uploads"]]
    for product in data["products"].values():
        product["references"] = [k for k in product["references"] if k in v["uploads"]]
    retention = data["retention"]
    if v["chat"]:
        data["products"]["helper"] = {
            "category": "assistant", "title": "Helper", "description": "Ideas.", "price": 1,
        }  # fmt: skip
        data["assistants"] = {
            "muse": {"name": "Muse", "description": "Ideas.", "system_prompt": "Help."}
        }
        retention.update(
            chat_messages_per_assistant=40, chat_deletable_after_days=30, chat_deleted_by_days=60
        )
    payments = data["payments"]
    payments["packs"] = {"points-10": {"points": 10, "price": "1.00"}} if v["packs"] else {}
    payments["prime"] = {"prime-30": {"days": 30, "price": "3.00"}} if v["prime"] else {}
    if v["packs"] or v["prime"]:
        retention["transaction_years"] = 6
    operator = data["operator"]
    for key, on in (
        ("data_protection_officer", v["dpo"]),
        ("supervisory_authority", v["authority"]),
        ("privacy_email", v["privacy_email"]),
    ):
        if not on:
            operator.pop(key, None)
    operator.pop("eu_representative", None)
    if v["eu_representative"]:
        operator["eu_representative"] = {
            "name": "Rep GmbH", "address": "Berlin", "email": "rep@tidepool.example",
        }  # fmt: skip
    if v["dpo"]:
        operator["data_protection_officer"] = {
            "name": "Mari Tamm", "address": "Tallinn", "email": "dpo@tidepool.example",
        }  # fmt: skip
    if v["authority"]:
        operator["supervisory_authority"] = "the Estonian Data Protection Inspectorate"
    if v["privacy_email"]:
        operator["privacy_email"] = "privacy@tidepool.example"
    return Tenant.model_validate(data)


def clause_problems(text: str, v: dict[str, Any]) -> list[str]:
    """Each switch: its clause is there when on and absent when off."""
    sells = v["packs"] or v["prime"]
    vendor = VENDORS.get(v["vendor"])
    expectations = {
        "GDPR": "gdpr" in v["jurisdictions"],
        "Legal Basis for Processing (GDPR)": "gdpr" in v["jurisdictions"],
        "European Economic Area": "gdpr" in v["jurisdictions"],
        "CCPA": "ccpa" in v["jurisdictions"],
        "California": "ccpa" in v["jurisdictions"],
        "Additional Disclosures": "ccpa" in v["jurisdictions"],
        "Yandex": vendor is not None,
        "Metrika": vendor is not None,
        "audio files, for processing": "audio" in v["uploads"],
        "video files, for processing": "video" in v["uploads"],
        "photographs and images, for processing": "image" in v["uploads"],
        "chat history": v["chat"],
        "AI assistant chat history:": v["chat"],
        "Payment information.": sells,
        "Payment gateways.": sells,
        "Transaction data: stored": sells,
        "PCI DSS": sells,
        "Prime status": v["prime"],
        "energy points and Prime": v["packs"] and v["prime"],
        "Face data and uploaded photos": v["face"],
        "only with the User's explicit consent": v["with_consent"],
        "hash of the network address": v["hashed"],
        "Data protection officer: Mari Tamm": v["dpo"],
        # A representative is an Article 27 GDPR duty: named only for GDPR brands.
        "Representative in the European Union": v["eu_representative"]
        and "gdpr" in v["jurisdictions"],
        "supervisory authority (the Estonian": v["authority"],
        "privacy@tidepool.example": v["privacy_email"],
        "warren_consent": v["consent"] == "opt_in",
        "Consent to analytics cookies": v["consent"] == "opt_in",
        # No counter, no banner (base.html): the text must not promise one.
        "shown a banner": v["consent"] == "opt_in" and vendor is not None,
    }
    return [
        f"{phrase!r} {'missing' if want else 'present'}"
        for phrase, want in expectations.items()
        if (phrase in text) != want
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v=variants())
def test_every_optional_clause_follows_its_switch(v: dict[str, Any]) -> None:
    tenant = build(load_registry(ALT).get("tidepool"), v)
    text = render_policy_markdown(tenant)
    assert structure_problems(text) == []
    assert clause_problems(text, v) == []
    if VENDORS.get(v["vendor"]) is None:
        assert "Analytics cookies: set by" not in text
    if "functional" in v["categories"] and v["consent"] == "notice":
        assert "Functional cookies" in text


def test_a_switch_left_on_without_its_data_is_refused(tidepool: Tenant) -> None:
    data = tidepool.model_dump(mode="json", exclude_none=True)
    data["retention"]["transaction_years"] = 5
    with pytest.raises(ValueError, match="transaction_years is set but payments sell nothing"):
        Tenant.model_validate(data)
    data = tidepool.model_dump(mode="json", exclude_none=True)
    data["products"]["helper"] = {
        "category": "assistant", "title": "Helper", "description": "Ideas.", "price": 1,
    }  # fmt: skip
    data["assistants"] = {"muse": {"name": "Muse", "description": "-", "system_prompt": "Help."}}
    with pytest.raises(ValueError, match="chat_messages_per_assistant is required"):
        Tenant.model_validate(data)
    data = tidepool.model_dump(mode="json", exclude_none=True)
    data["policy"]["rights_deadline"]["ccpa"] = True
    with pytest.raises(ValueError, match="'ccpa' is not in jurisdictions"):
        Tenant.model_validate(data)


# --- the code keeps what the alt brand's text promises ------------------------------


def test_upload_kinds_the_policy_leaves_out_are_refused(tidepool: Tenant) -> None:
    from warren.media.errors import UploadRejected
    from warren.media.validate import prepare_upload

    assert tidepool.media.upload_kinds == ("image",)
    with pytest.raises(UploadRejected, match="does not take text files"):
        prepare_upload(b"a few words of a prompt\n", tidepool.media)
    widened = tidepool.media.model_copy(update={"upload_kinds": ("image", "text")})
    assert prepare_upload(b"a few words of a prompt\n", widened).kind == "text"


def test_pages_name_no_vendor_and_no_visit_counting_without_analytics(tidepool: Tenant) -> None:
    from warren.privacy.consent import ConsentState
    from warren.privacy.cookie_catalogue import cookies_for
    from warren.tenancy.registry import load_registry as load
    from warren.web.render import _page_vars
    from warren.web.templating import Templates

    registry = load(ALT)
    templates = Templates(registry, ALT.parent / "tenants-alt")
    listed = tidepool.model_copy(
        update={
            "analytics": tidepool.analytics.model_copy(
                update={"notice_categories": ("essential", "analytics")}
            )
        }
    )
    for tenant in (tidepool, listed):
        for page in ("home.html", "cookie_settings.html", "assistants.html"):
            html = templates.render(
                tenant,
                page,
                {
                    **_page_vars(tenant, None, ConsentState(None, None, False), "t", "n", "/"),
                    "products": tenant.products,
                    "assistants": tenant.assistants,
                    "saved": False,
                    "cookies": cookies_for(tenant),
                },
            )
            assert "Yandex" not in html
            assert "Metrika" not in html
            assert "visit counting" not in html
            assert "consent-banner" not in html
            assert "None" not in html


def test_a_brand_that_sells_nothing_promises_no_kept_transactions(tidepool: Tenant) -> None:
    from warren.rights.account_deletion import deletion_plan

    assert not any("transactions" in line for line in deletion_plan(tidepool).stays)
    assert "None" not in " ".join(deletion_plan(tidepool).stays)


def test_the_retention_sweep_plans_a_brand_without_chat_numbers(
    tidepool: Tenant, runtime: Runtime
) -> None:
    # Its chat periods are unset; the rules must still run for it (and find nothing).
    from datetime import timedelta

    from warren.db.base import utcnow
    from warren.lifecycle.plan import overdue, plan
    from warren.lifecycle.rules import Rule

    with runtime.sessions() as db:
        planned = plan(db, [tidepool], utcnow())
        late = overdue(db, [tidepool], utcnow(), timedelta(days=1))
    assert {due.rule for due in planned} == set(Rule)
    assert [due.count for due in planned if due.rule is Rule.CHATS] == [0, 0]
    assert late == []
