"""What each brand's published privacy policy promises, as checkable facts.

The seeds in ``SEEDS`` (``../shared/seeds/*-privacy-policy.txt`` from the repository
root, never an absolute path) are the specification of each
tenant's policy page. warren renders the page in its own words, so a fact here is not a
quotation but a string or a regular expression that any faithful wording contains: the
numbers, names and distinctions a user relies on. ``absent`` holds what a brand's policy
must *not* say, because its own seed promises the opposite (a raw-IP brand mentioning a
network-address hash, a hashed-IP brand saying addresses are stored, and so on).

This module holds no tests; the policy-text tests and the HTTP tests of the policy page
both import it (``from policy_facts import FACTS, missing_facts, unexpected_facts``).
Facts are matched against ``plain_text(...)`` of the Markdown or the HTML page, case
insensitively, so the same list serves both.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

Fact = str | re.Pattern[str]

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"

OPERATOR_NAME = "3 Krolika LLP"
OPERATOR_BIN = "251240001464"
OPERATOR_ADDRESS = "010000, Kazakhstan, Astana, Taras Shevchenko Street 4/1, unit 17"


@dataclass(frozen=True)
class BrandFacts:
    present: tuple[Fact, ...]
    absent: tuple[Fact, ...]


def near(*parts: str, gap: int = 200) -> re.Pattern[str]:
    """Regex fragments in this order, each within ``gap`` characters of the previous.

    Keeps a fact to one statement ("uploads ... 7 days") without fixing its wording.
    """
    return re.compile(f".{{0,{gap}}}?".join(f"(?:{part})" for part in parts), re.IGNORECASE)


def plain_text(rendered: str) -> str:
    """Markdown or HTML of a policy as one line of text: tags dropped, entities decoded."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", rendered))
    return re.sub(r"\s+", " ", text)


def matches(fact: Fact, text: str) -> bool:
    if isinstance(fact, str):
        return fact.lower() in text.lower()
    return fact.search(text) is not None


def describe(fact: Fact) -> str:
    return fact if isinstance(fact, str) else f"/{fact.pattern}/"


def missing_facts(slug: str, rendered: str) -> list[str]:
    text = plain_text(rendered)
    return [describe(fact) for fact in FACTS[slug].present if not matches(fact, text)]


def unexpected_facts(slug: str, rendered: str) -> list[str]:
    text = plain_text(rendered)
    return [describe(fact) for fact in FACTS[slug].absent if matches(fact, text)]


_RANGE_2_4_MONTHS = r"2\s*[-–]\s*4 months"
_SEVEN_DAYS = r"7 \(seven\) calendar days"


def _shared(domain: str, email: str, last_updated: str) -> list[Fact]:
    """Facts every seed states, with the brand's own domain, address and date."""
    mail = re.escape(email)
    return [
        # 1. Introduction
        "Privacy Policy",
        near(re.escape(domain), "service"),
        near(r"collect\w*", r"us\w*", r"stor\w*", r"protect\w*", r"delet\w*", gap=20),
        near("data controller", re.escape(OPERATOR_NAME)),
        near(re.escape(OPERATOR_NAME), f"BIN:? {OPERATOR_BIN}", re.escape(OPERATOR_ADDRESS)),
        near("contact email", mail, gap=20),
        "Republic of Kazakhstan",
        "No. 94-V",
        "May 21, 2013",
        "On Personal Data and Their Protection",
        "General Data Protection Regulation (GDPR)",
        "California Consumer Privacy Act (CCPA)",
        near(r"at least 18 \(eighteen\) years of age"),
        "under the age of 18 are not permitted to use the Service",
        # 2. Data we collect
        near("email address", "registration", "account recovery"),
        near("username", "identification"),
        near("password", r"hash(ed)?"),
        near("photographs and images", "processing or as references"),
        near("audio files", "processing"),
        near("video files", "processing"),
        near("text", r"descriptions, wishes, generation instructions", gap=10),
        "songs and music",
        near("images", "portraits, greeting cards, invitations, logos, coats of arms", gap=5),
        "poems",
        near("texts", "greetings, formal letters, marketing", gap=5),
        "videos",
        "chat history with AI assistants",
        near("browser and device information", "request headers"),
        "User settings and preferences",
        near("technical logs", "security incident investigation"),
        near("do not store payment data", "card numbers", "CVV"),
        near("payment", "PCI DSS"),
        near("confirmation of", "successful payment", "transaction identifier"),
        # 3. Purposes
        "registration and authentication",
        "account security",
        near("functions of the Service", "content generation"),
        near("payments", "energy points"),
        near("content moderation", "violations"),
        near("technical support", "communication with Users"),
        "compliance with legal requirements",
        "rights and legitimate interests of the Operator",
        # Image transformation (vizardio 3.2, songly/homiwork 2.1.2)
        near("transformed", "before", "AI model"),
        near("longer side", "at most 1536 pixels"),
        near("re-encoded", "JPEG"),
        near(r"no biometric data|do not contain biometric data", "identification", gap=200),
        near("original images are not", "(stored|retained)", gap=10),
        near("database", "object storage", gap=40),
        # 4. Legal basis
        near("European Economic Area", "United Kingdom", "Switzerland"),
        near("contract performance", "contract with you"),
        near("legitimate interests", "preventing fraud", "security"),
        near("consent", "explicit consent"),
        near("legal obligation", "comply"),
        # 5. Retention
        near("account data", "until the account is deleted"),
        near("not been accessed for", r"1 \(one\) year", "deleted automatically", gap=60),
        "right to be forgotten",
        near("uploaded content", _SEVEN_DAYS, "moderation", "deleted automatically"),
        near("without Prime", "generated content", _RANGE_2_4_MONTHS, "creation"),
        near("with Prime", "until the User deletes it", "Prime status expires"),
        near("standard retention periods apply"),
        near("marked as deleted", "recover", "removed completely", _SEVEN_DAYS),
        near(r"last 100 \(one hundred\) messages", "each AI assistant", gap=20),
        near("message history", r"deleted automatically after " + _RANGE_2_4_MONTHS),
        near("message history", "until the account is deleted or until the Prime status expires"),
        near("technical logs", r"12 \(twelve\) months"),
        near("transaction data", r"at least 5 (\(five\) )?years", "accounting and tax"),
        # 6. Protection
        near("legal, organi[sz]ational and technical measures"),
        near("password", "modern cryptographic algorithms", gap=20),
        "HTTPS/TLS",
        "restricted access to personal data",
        "regular data backups",
        near("monitoring", "security", gap=20),
        near("cannot guarantee absolute", "Internet"),
        "at their own risk",
        # 7. Third parties
        "does not sell personal data",
        near("authori[sz]ed government bodies", "applicable law"),
        near("payment gateway", "PCI DSS"),
        near("payment amount", "order identifier", "email address", "receipt"),
        near(
            "card number, CVV, expiry date",
            "directly",
            "payment gateway",
            "neither receives nor stores",
        ),
        near("technical contractors", "hosting"),
        near("technical contractors", "storage"),
        near("AI providers that perform content generation|processing content-generation requests"),
        near("requests are anonymi[sz]ed", "email address, username, account identifier"),
        near("prompt text", "transformed reference images", gap=20),
        near("third parties", "confidential", "only to perform their functions"),
        near("outside your country of residence"),
        near("Standard Contractual Clauses"),
        near("legal basis for such transfers is contract performance", "generation"),
        # 8. AI
        near("does not develop its own artificial intelligence models"),
        near("not train or fine-tune", "User data"),
        near("third-party AI providers", "contractual arrangements"),
        # 9. Rights
        near("access their personal data", "copy"),
        near("correction", "inaccurate personal data"),
        near("deletion of their personal data", "right to be forgotten"),
        "restrict the processing",
        "object to the processing",
        near("portability", "structured, commonly used format"),
        near("withdraw consent", "at any time"),
        near("delete their content", "Service interface"),
        near("delete their account", "all associated content"),
        "complaint with a supervisory authority",
        near("California resident"),
        near("right to know", "categories and specific pieces of personal information"),
        near("right to delete", "subject to certain exceptions"),
        near("right to opt out of sale", "do not sell personal information", "future sale"),
        near("right to non-discrimination", "CCPA rights"),
        near("exercise your CCPA rights", mail, gap=30),
        near("personal account", "manage", "data and content"),
        near("written request", mail, gap=40),
        near(mail, "from the same email address", "account", "identity", gap=120),
        near("request must state", "nature of the request", "date"),
        near(r"30 \(thirty\) calendar days from receipt"),
        # 10. Deletion
        near("delete their account at any time", "settings"),
        near("personal data", "email, login", "deleted", gap=30),
        "all generated content is deleted",
        "AI assistant chat history is deleted",
        near("transaction data is retained", "law"),
        "irreversible",
        near("deleted data cannot be recovered"),
        # 11. Cookies and analytics: what every brand's analytics runs like
        near("authentication", "session maintenance", gap=40),
        "Yandex.Metrika",
        near("Metrika", "minimal"),
        near("WebVisor", "disabled|without|no ", gap=300),
        near("click map"),
        near("link tracking"),
        near("accurate bounce"),
        near("Google Analytics", "not used"),
        near("disable cookies|cookies can also be disabled", "browser settings", gap=60),
        # 12. Moderation
        near("review uploaded content", "violations of the law", "Service rules"),
        near("child sexual abuse material", "hate speech", "calls for violence"),
        near("block the User's account immediately"),
        "law enforcement authorities",
        near("retain the data necessary for the investigation"),
        # 13. Children
        "not intended for persons under the age of 18",
        "do not knowingly collect personal data from children under 18",
        near("child under 18", "delete", "as soon as possible"),
        near("believe that a child under 18", mail),
        # 14. Do Not Track
        near("Do Not Track", "does not currently respond", "no industry standard"),
        # 15. Changes
        near("change this Policy at any time"),
        near("take effect", "published"),
        near("monitor changes to the Policy|monitor changes"),
        near("continued use of the Service", "acceptance of the new version"),
        near("material changes", "email", "prominent notice"),
        # 16. Law
        near("governed by the laws of the Republic of Kazakhstan"),
        near("exclusive jurisdiction", "courts", "Astana"),
        near("European Economic Area, the United Kingdom or Switzerland", "statutory rights"),
        # 17. CCPA disclosures
        near("In the past 12 months", "categories of personal information"),
        near("identifiers", "email address, username"),
        near("electronic network activity information", "interactions with the Service"),
        near("audio, electronic, visual or similar information", "uploaded"),
        near("inferences", "preferences"),
        near("directly from you"),
        near("automatically", "when you use the Service"),
        near("third-party payment processors", "confirmation only"),
        near("business or commercial purposes", "Section 3"),
        near("do not sell personal information", "cross-context behavio(u)?ral advertising"),
        # Footer
        f"BIN: {OPERATOR_BIN}",
        f"Address: {OPERATOR_ADDRESS}",
        f"Email: {email}",
        f"Last updated: {last_updated}",
    ]


# Groups of facts that go together with one config value. The policy-text tests reuse
# them to check that switching the value switches the text. Each "says" group is what a
# brand with that value must state; the short "wording" groups are its tell-tale phrases,
# which a brand with the other value must not contain.

# ip.mode = "raw" (vizardio)
RAW_IP_SAYS: tuple[Fact, ...] = (
    near(r"IP address\s*—\s*for anti-fraud and abuse prevention", gap=0),
    near(
        "technical logs and IP addresses",
        r"12 \(twelve\) months",
        "exclusively for anti-fraud and security incident investigation",
    ),
    "Marketing analytics is not built on this data",
    near(r"identifiers \(email address, username, IP address\)", gap=0),
)
STORES_RAW_IP: tuple[Fact, ...] = (
    near(r"IP address\s*—\s*for anti-fraud", gap=0),
    "Technical logs and IP addresses",
    near(r"identifiers \(email address, username, IP address\)", gap=0),
    # Any affirmative "IP addresses: stored ..." / "IP address is kept ...".
    re.compile(r"(?<!not )(?<!never )\bIP address(es)?(:| is| are) (stored|retained|kept)", re.I),
)

# ip.mode = "hashed" (songly, homiwork)
HASHED_IP_SAYS: tuple[Fact, ...] = (
    near("hash of the network address", "SHA-256", "private salt"),
    near("abuse protection", "rate.limiting", gap=20),
    near("hash is irreversible"),
    near("original IP address is neither stored nor transferred"),
    near("technical logs and hashes of network addresses", r"12 \(twelve\) months"),
    near("security and incident investigation"),
    "Original IP addresses are not stored",
    near("identifiers", "SHA-256 hash of the network address"),
    near("original IP address is not retained"),
)
HASH_WORDING: tuple[Fact, ...] = (
    "hash of the network address",
    "hashes of network addresses",
    "private salt",
    "HMAC",
    "SHA-256",
)

# analytics.consent = "opt_in" (vizardio)
OPT_IN_SAYS: tuple[Fact, ...] = (
    near("anonymi[sz]ed statistics", "Yandex.Metrika", "minimal", "only after", "explicit consent"),
    near("only one other category of cookies", "analytics cookies"),
    near("analytics cookies", "only after the User's explicit consent"),
    near("first visit", "banner", "allow or decline"),
    near("changed at any time", '"Cookie settings"', "side menu"),
    near("Global Privacy Control", "refusal"),
    near("also be disabled in the browser settings"),
    near("necessary cookies", "CSRF", "interface language", "application settings"),
)
OPT_IN_WORDING: tuple[Fact, ...] = (
    "only after the User's explicit consent",
    "banner",
    "Cookie settings",
    "Global Privacy Control",
)

# analytics.consent = "notice" (songly, homiwork)
NOTICE_SAYS: tuple[Fact, ...] = (
    near("Yandex LLC, Russia"),
    near("count visits"),
    near("disable cookies in the browser settings", "may affect the functionality"),
    near("(essential|necessary) cookies"),
)
# analytics.notice_categories non-empty (songly)
CATEGORIES_SAY: tuple[Fact, ...] = (
    near("essential cookies", "authentication and session maintenance"),
    near("functional cookies", "preferences and language settings"),
    near("analytics cookies", "Yandex.Metrika", "count visits"),
)
CATEGORY_LIST: tuple[Fact, ...] = (
    "Cookie categories",
    "Functional cookies:",
    "Analytics cookies: set by",
)

# policy.face_data_section = true (homiwork)
FACE_DATA_SAYS: tuple[Fact, ...] = (
    "Face data",
    near("voluntarily upload photographs", "may contain faces", "visual references"),
    near("AI portraits, photo animation, photo enhancement"),
    near("do NOT perform facial recognition", "biometric analysis"),
    near("face geometry, depth maps", "faceprints"),
    near("ordinary image files", "solely as input for AI content generation"),
    near("forwarded to technical contractors", "one-time execution", "generation"),
    near("contractors do not retain, analy[sz]e or use uploaded images", "model training"),
    near("reference photos", "deleted", "within " + _SEVEN_DAYS),
    near("delete their generated content", "source photos", "at any time"),
    near("do not share uploaded photos", "advertisers, analytics providers"),
)
FACE_SECTION: tuple[Fact, ...] = (
    "Face data",
    "facial recognition",
    "faceprints",
    "photo enhancement",
)

# policy.content_use = "no_training" (vizardio)
NO_TRAINING_SAYS: tuple[Fact, ...] = (
    near("improving the quality of the Service", "anonymi[sz]ed usage statistics", gap=10),
    near("never uses content uploaded or generated by the User to train"),
    near("internal analysis", "usage metrics, fault detection", "anonymi[sz]ed, aggregated"),
)
NO_TRAINING_WORDING: tuple[Fact, ...] = (
    "never uses content uploaded or generated by the User to train",
    near("exclusively on anonymi[sz]ed, aggregated data"),
    "usage metrics, fault detection",
)

# policy.content_use = "internal_tuning" (songly, homiwork)
TUNING_SAYS: tuple[Fact, ...] = (
    near("content uploaded by the User and generated content may be used by the Operator"),
    near("internal Service purposes", "testing, debugging", "generation algorithms and parameters"),
    near("statistical analysis in anonymi[sz]ed form"),
    near("improving the quality of the Service and its AI generation algorithms"),
)
TUNING_WORDING: tuple[Fact, ...] = (
    "testing, debugging",
    "improving generation algorithms and parameters",
    "AI generation algorithms",
)

# policy.provider_data_use
OWN_POLICIES_SAYS: tuple[Fact, ...] = (
    near("AI providers may use the data transmitted to them", "their own privacy policies"),
    near("anonymi[sz]es", "transforms images", "cannot be identified on the AI providers' side"),
)
OWN_POLICIES_WORDING: tuple[Fact, ...] = (
    "in accordance with their own privacy policies",
    "cannot be identified on the AI providers' side",
)
SINGLE_USE_SAYS: tuple[Fact, ...] = (near("each request is used solely for the one-time delivery"),)

# policy.transfers_with_consent = true (vizardio)
CONSENT_TRANSFERS_SAYS: tuple[Fact, ...] = (
    near("in any other case", "only with the User's explicit consent", gap=10),
)

# policy.rights_deadline.wording
DETAILED_DEADLINE_SAYS: tuple[Fact, ...] = (
    near(r"30 \(thirty\) calendar days", "properly formed request"),
    near("GDPR", "one month", r"2 \(two\) further months|two further months", "complex requests"),
    near(
        "CCPA",
        r"45 (\(forty-five\) )?days",
        r"another 45 (\(forty-five\) )?days",
        "reasonably necessary",
    ),
)
DETAILED_DEADLINE_WORDING: tuple[Fact, ...] = (
    "properly formed request",
    "extendable by",
)
OR_SHORTER_SAYS: tuple[Fact, ...] = (
    near(
        r"30 \(thirty\) calendar days from receipt of the request",
        "shorter timeframe where applicable law requires",
    ),
    near(r"45 (\(forty-five\) )?days under the CCPA"),
)
OR_SHORTER_WORDING: tuple[Fact, ...] = ("or within a shorter timeframe",)


FACTS: dict[str, BrandFacts] = {
    "vizardio": BrandFacts(
        present=(
            *_shared("vizardio.com", "support@vizardio.com", "May 2026"),
            *RAW_IP_SAYS,
            *OPT_IN_SAYS,
            *NO_TRAINING_SAYS,
            *OWN_POLICIES_SAYS,
            *CONSENT_TRANSFERS_SAYS,
            *DETAILED_DEADLINE_SAYS,
            # Technical data in detail.
            near("User-Agent", "interface language", "device type"),
            near("language, theme, application settings"),
            # Metrika as vizardio describes it.
            near("visits and page views"),
            near("no behavio(u)?ral profiling|without behavio(u)?ral profiling"),
            near("WebVisor", "recording of user actions"),
            near("click map", "heat map"),
            near("accurate bounce", "dwell-time"),
            near("Facebook Pixel", "Hotjar"),
            near("no consent is required", r"Article 6\(1\)\(b\) GDPR"),
            # Contractors and transfers.
            near("cloud storage", "hosting", "infrastructure providers", "AI providers"),
            "list of contractors may change",
            near("outside the European Economic Area"),
            near(r"Article 6\(1\)\(b\) GDPR", "generation", gap=60),
            near("Standard Contractual Clauses", "European Commission"),
            near("including photographs of faces"),
            near("minimum data necessary", "prompt text"),
            near("browsing history"),
            near("inferences", "preferences", "characteristics"),
            # What a rights request must contain.
            near("account identifier", "email address or username"),
            near("unauthori[sz]ed access", "same email address"),
        ),
        absent=(
            *HASH_WORDING,
            *CATEGORY_LIST,
            *FACE_SECTION,
            *TUNING_WORDING,
            *SINGLE_USE_SAYS,
            *OR_SHORTER_WORDING,
        ),
    ),
    "songly": BrandFacts(
        present=(
            *_shared("songly.gift", "support@songly.gift", "April 30, 2026"),
            *HASHED_IP_SAYS,
            *NOTICE_SAYS,
            *CATEGORIES_SAY,
            *TUNING_SAYS,
            *SINGLE_USE_SAYS,
            *OR_SHORTER_SAYS,
            near(r"45 (\(forty-five\) )?days under the CCPA", "one month under the GDPR"),
            near("Service usage data", "statistics"),
            # CCPA disclosure as songly words it.
            near("aggregated visit statistics via Yandex.Metrika"),
            near("uploaded images are downscaled and re-encoded"),
            near("preferred language"),
            # Image transformation as songly words it (2.1.2).
            near("resolution reduced", "re-encoded"),
            # Transfers.
            near("songs, poems, greetings, images, videos"),
            near("limited set of third parties"),
            near("EU/EEA-based contractors"),
            near("not currently transfer", "internationally for any other purpose"),
            near(
                "may ask for additional information",
                "identity",
                "sensitive actions such as data deletion",
            ),
        ),
        absent=(
            *STORES_RAW_IP,
            *OPT_IN_WORDING,
            *FACE_SECTION,
            *NO_TRAINING_WORDING,
            *OWN_POLICIES_WORDING,
            *CONSENT_TRANSFERS_SAYS,
            *DETAILED_DEADLINE_WORDING,
        ),
    ),
    "homiwork": BrandFacts(
        present=(
            *_shared("homiwork.com", "support@homiwork.com", "May 2026"),
            *HASHED_IP_SAYS,
            *NOTICE_SAYS,
            *FACE_DATA_SAYS,
            *TUNING_SAYS,
            *SINGLE_USE_SAYS,
            *OR_SHORTER_SAYS,
            near("Service usage data", "statistics"),
            near("browsing history"),
            near("inferences", "preferences", "characteristics"),
            near("countries that may not provide the same level of data protection"),
            near("Standard Contractual Clauses", "relevant authorities"),
            near("may ask for additional information", "identity"),
        ),
        absent=(
            *STORES_RAW_IP,
            *OPT_IN_WORDING,
            *CATEGORY_LIST,
            *NO_TRAINING_WORDING,
            *OWN_POLICIES_WORDING,
            *CONSENT_TRANSFERS_SAYS,
            *DETAILED_DEADLINE_WORDING,
            "one month under the GDPR",
        ),
    ),
}
