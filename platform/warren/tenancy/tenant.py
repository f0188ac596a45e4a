"""One brand's entry in ``tenants.toml``, validated."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from warren.i18n import SUPPORTED
from warren.tenancy.colour import MIN_CONTRAST, contrast, readable_on
from warren.tenancy.identity import OperatorIdentity
from warren.tenancy.policy_settings import ContentCategory, PolicySettings

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,30}$"

ProductCategory = ContentCategory
UploadKind = Literal["image", "audio", "video", "text"]
UPLOAD_KINDS: tuple[UploadKind, ...] = ("image", "audio", "video", "text")
# The names the policy, the banner and the cookie pages give each analytics provider.
ANALYTICS_VENDORS = {"yandex_metrika": "Yandex.Metrika"}


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    primary: str
    accent: str
    background: str = "#ffffff"
    text: str = "#1d1d1f"
    tagline: str

    @field_validator("primary", "accent", "background", "text")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR.fullmatch(value):
            raise ValueError("must be a colour like #1a2b3c")
        return value

    @model_validator(mode="after")
    def _readable(self) -> Theme:
        # Buttons carry text on the accent, the top bar on the primary colour, and links
        # and headings are the primary colour on the background.
        pairs = {
            "accent": (self.accent, self.on_accent),
            "primary": (self.primary, self.on_primary),
            "primary on background": (self.primary, self.background),
            "text on background": (self.text, self.background),
        }
        for name, (colour, against) in pairs.items():
            ratio = contrast(colour, against)
            if ratio < MIN_CONTRAST:
                raise ValueError(
                    f"{name} {colour} against {against} has contrast {ratio:.2f}:1; "
                    f"text needs at least {MIN_CONTRAST}:1 (WCAG 2.2 AA)"
                )
        return self

    @property
    def on_accent(self) -> str:
        return readable_on(self.accent)

    @property
    def on_primary(self) -> str:
        return readable_on(self.primary)


class IpSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # raw: stored as received, for anti-fraud. hashed: only HMAC-SHA256 with the
    # tenant's secret key ever leaves the choke point.
    mode: Literal["raw", "hashed"]


class AnalyticsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: Literal["yandex_metrika", "none"]
    counter_id: int | None = Field(default=None, gt=0)
    # opt_in: nothing loads until the visitor allows it (banner + cookie settings).
    # notice: a notice describes the cookies; the browser is where they are turned off.
    consent: Literal["opt_in", "notice"]
    # Cookie categories the notice describes; empty means a notice without a list.
    notice_categories: tuple[Literal["essential", "functional", "analytics"], ...] = ()

    @model_validator(mode="after")
    def _counter_needed(self) -> AnalyticsSettings:
        if self.provider != "none" and self.counter_id is None:
            raise ValueError("counter_id is required when a provider is set")
        if self.provider == "none" and self.counter_id is not None:
            raise ValueError("counter_id is set but provider is 'none'")
        return self

    @property
    def vendor(self) -> str | None:
        """The analytics vendor's name as published, or None when there is none."""
        return ANALYTICS_VENDORS.get(self.provider)


class RetentionSettings(BaseModel):
    """Every retention number a policy states, used both by the code and by the text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    upload_days: int = Field(gt=0)
    content_deletable_after_days: int = Field(gt=0)
    content_deleted_by_days: int = Field(gt=0)
    trash_days: int = Field(gt=0)
    # Required when the brand offers an assistant product, and only then (Tenant checks).
    chat_messages_per_assistant: int | None = Field(default=None, gt=0)
    chat_deletable_after_days: int | None = Field(default=None, gt=0)
    chat_deleted_by_days: int | None = Field(default=None, gt=0)
    inactive_account_days: int = Field(gt=0)
    # How long before the deletion of an inactive account its owner is warned by email.
    inactive_warning_days: int = Field(gt=0)
    log_months: int = Field(gt=0)
    # Required when the brand sells anything, and only then (Tenant checks).
    transaction_years: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _windows(self) -> RetentionSettings:
        if self.content_deleted_by_days < self.content_deletable_after_days:
            raise ValueError("content_deleted_by_days is before content_deletable_after_days")
        chat = (self.chat_deletable_after_days, self.chat_deleted_by_days)
        if chat[0] is not None and chat[1] is not None and chat[1] < chat[0]:
            raise ValueError("chat_deleted_by_days is before chat_deletable_after_days")
        if self.inactive_warning_days >= self.inactive_account_days:
            raise ValueError("inactive_warning_days must be shorter than inactive_account_days")
        return self


class MediaSettings(BaseModel):
    """Upload limits. Images are re-encoded to JPEG with this longer side at most."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_image_side: int = Field(default=1536, ge=64, le=8192)
    # A decoded-size limit: a small file can declare a huge canvas (decompression bomb).
    max_image_pixels: int = Field(default=100_000_000, gt=0)
    max_image_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    max_audio_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_video_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    max_text_bytes: int = Field(default=1024 * 1024, gt=0)
    # References one generation may use.
    max_references: int = Field(default=4, ge=0, le=16)
    # The kinds of file the upload page accepts (the policy lists exactly these).
    upload_kinds: tuple[UploadKind, ...] = Field(default=UPLOAD_KINDS, min_length=1)

    @property
    def largest_upload(self) -> int:
        return max(
            self.max_image_bytes, self.max_audio_bytes, self.max_video_bytes, self.max_text_bytes
        )


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category: ProductCategory
    title: str
    description: str
    # Energy points per generation (per reply for assistants).
    price: int = Field(ge=0)
    provider: str = "demo"
    # Which upload kinds may be given as references (empty: none).
    references: tuple[UploadKind, ...] = ()


class Assistant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str
    system_prompt: str = Field(min_length=1)
    provider: str = "demo"


class AccountSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Every user must enrol in TOTP two-factor sign-in before using the site.
    require_two_factor: bool = False


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
# Currencies the gateways are used with, all with two decimal places (cents, kopecks,
# tiyn): a price is written as "4.99" and sent to each gateway in its own notation.
Currency = Literal["USD", "EUR", "GBP", "RUB", "KZT"]


def _price(value: Decimal) -> Decimal:
    if value <= 0 or value != value.quantize(Decimal("0.01")) or value >= Decimal("1000000"):
        raise ValueError("must be a positive amount with at most two decimals, like 4.99")
    return value.quantize(Decimal("0.01"))


class PointsPack(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    points: int = Field(gt=0)
    price: Decimal

    @field_validator("price")
    @classmethod
    def _price(cls, value: Decimal) -> Decimal:
        return _price(value)

    @property
    def title(self) -> str:
        return f"{self.points} energy points"


class PrimePeriod(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(gt=0, le=3660)
    price: Decimal

    @field_validator("price")
    @classmethod
    def _price(cls, value: Decimal) -> Decimal:
        return _price(value)

    @property
    def title(self) -> str:
        return f"Prime for {self.days} days"


class PaymentSettings(BaseModel):
    """What a brand sells and through which gateway. Keys and webhook secrets are
    deployment secrets (warren.settings), never here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gateway: Literal["demo", "stripe", "yookassa"] = "demo"
    currency: Currency = "USD"
    # Points granted once when an account's email address is verified (0: none).
    welcome_points: int = Field(default=0, ge=0, le=100_000)
    packs: dict[str, PointsPack] = {}
    prime: dict[str, PrimePeriod] = {}

    @model_validator(mode="after")
    def _one_namespace(self) -> PaymentSettings:
        shared = set(self.packs) & set(self.prime)
        if shared:
            raise ValueError(f"{', '.join(sorted(shared))}: used both as a pack and a Prime period")
        for key in (*self.packs, *self.prime):
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", key):
                raise ValueError(f"{key!r}: item keys are lower-case letters, digits and dashes")
        return self

    def item(self, key: str) -> PointsPack | PrimePeriod | None:
        return self.packs.get(key) or self.prime.get(key)


class Tenant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1)
    domain: str
    aliases: tuple[str, ...] = ()
    support_email: EmailStr
    # Usually inherited from [defaults.operator] (see registry.merge_defaults).
    operator: OperatorIdentity
    theme: Theme
    ip: IpSettings
    analytics: AnalyticsSettings
    policy: PolicySettings
    retention: RetentionSettings
    media: MediaSettings = MediaSettings()
    products: dict[str, Product] = Field(min_length=1)
    assistants: dict[str, Assistant] = {}
    accounts: AccountSettings = AccountSettings()
    # Interface languages (warren.i18n.SUPPORTED) a visitor may choose; the first is the
    # brand's default.
    languages: tuple[str, ...] = Field(default=("en",), min_length=1)
    payments: PaymentSettings = PaymentSettings()

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return _check_domain(value)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_domain(alias) for alias in value)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not _LANGUAGE.match(code):
                raise ValueError(f"{code!r} is not a language code like 'en' or 'pt-BR'")
            if code not in SUPPORTED:
                raise ValueError(
                    f"{code!r} has no translation in warren; it speaks {', '.join(SUPPORTED)}"
                )
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @model_validator(mode="after")
    def _assistants_need_the_product(self) -> Tenant:
        offers_chat = any(p.category == "assistant" for p in self.products.values())
        if self.assistants and not offers_chat:
            raise ValueError("assistants are configured but no product has category 'assistant'")
        if offers_chat and not self.assistants:
            raise ValueError("a product has category 'assistant' but no assistants are configured")
        return self

    @model_validator(mode="after")
    def _retention_matches_what_is_kept(self) -> Tenant:
        # A retention number is stated (and enforced) only for data the brand has.
        chat_keys = (
            "chat_messages_per_assistant",
            "chat_deletable_after_days",
            "chat_deleted_by_days",
        )
        for key in chat_keys:
            value = getattr(self.retention, key)
            if self.offers_chat and value is None:
                raise ValueError(f"retention.{key} is required: a product is an assistant")
            if not self.offers_chat and value is not None:
                raise ValueError(f"retention.{key} is set but no product is an assistant")
        if self.sells and self.retention.transaction_years is None:
            raise ValueError("retention.transaction_years is required: payments sell something")
        if not self.sells and self.retention.transaction_years is not None:
            raise ValueError("retention.transaction_years is set but payments sell nothing")
        return self

    @model_validator(mode="after")
    def _described_is_offered(self) -> Tenant:
        for key, product in self.products.items():
            for kind in product.references:
                if kind not in self.media.upload_kinds:
                    raise ValueError(
                        f"products.{key}.references: {kind!r} is not in media.upload_kinds"
                    )
        described = self.policy.content_described
        if described is not None:
            missing = [c for c in self.offered_categories if c not in described]
            if missing:
                raise ValueError(
                    f"policy.content_described leaves out offered {', '.join(missing)}"
                )
        return self

    @property
    def offers_chat(self) -> bool:
        return any(p.category == "assistant" for p in self.products.values())

    @property
    def sells(self) -> bool:
        return bool(self.payments.packs or self.payments.prime)

    @property
    def offered_categories(self) -> tuple[ContentCategory, ...]:
        """The categories of the brand's products, in the order of the category list."""
        offered = {p.category for p in self.products.values()}
        return tuple(c for c in get_args(ContentCategory) if c in offered)

    @property
    def described_categories(self) -> tuple[ContentCategory, ...]:
        """The generated content kinds the policy names (see policy.content_described)."""
        described = self.policy.content_described
        if described is None:
            return self.offered_categories
        return tuple(c for c in get_args(ContentCategory) if c in described)

    @property
    def serves_gdpr(self) -> bool:
        return "gdpr" in self.policy.jurisdictions

    @property
    def serves_ccpa(self) -> bool:
        return "ccpa" in self.policy.jurisdictions

    @property
    def privacy_email(self) -> str:
        return self.operator.privacy_email or self.support_email

    @property
    def dev_host(self) -> str:
        return f"{self.slug}.localhost"

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every host name this brand answers on, the development one included."""
        return (self.domain, *self.aliases, self.dev_host)

    @property
    def hashes_ip(self) -> bool:
        return self.ip.mode == "hashed"


def _check_domain(value: str) -> str:
    if value != value.lower() or not _DOMAIN.match(value):
        raise ValueError(f"{value!r} is not a lower-case domain name")
    return value
