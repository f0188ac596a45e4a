"""One brand's entry in ``tenants.toml``, validated."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from warren.tenancy.policy_settings import PolicySettings

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,30}$"

ProductCategory = Literal["song", "image", "poem", "text", "video", "assistant"]


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
        if not _COLOUR.match(value):
            raise ValueError("must be a colour like #1a2b3c")
        return value


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
        return self


class RetentionSettings(BaseModel):
    """Every retention number a policy states, used both by the code and by the text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    upload_days: int = Field(gt=0)
    content_deletable_after_days: int = Field(gt=0)
    content_deleted_by_days: int = Field(gt=0)
    trash_days: int = Field(gt=0)
    chat_messages_per_assistant: int = Field(gt=0)
    chat_deletable_after_days: int = Field(gt=0)
    chat_deleted_by_days: int = Field(gt=0)
    inactive_account_days: int = Field(gt=0)
    # How long before the deletion of an inactive account its owner is warned by email.
    inactive_warning_days: int = Field(gt=0)
    log_months: int = Field(gt=0)
    transaction_years: int = Field(gt=0)

    @model_validator(mode="after")
    def _windows(self) -> RetentionSettings:
        if self.content_deleted_by_days < self.content_deletable_after_days:
            raise ValueError("content_deleted_by_days is before content_deletable_after_days")
        if self.chat_deleted_by_days < self.chat_deletable_after_days:
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
    references: tuple[Literal["image", "audio", "video", "text"], ...] = ()


class Assistant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str
    system_prompt: str = Field(min_length=1)
    provider: str = "demo"


class Tenant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1)
    domain: str
    aliases: tuple[str, ...] = ()
    support_email: EmailStr
    theme: Theme
    ip: IpSettings
    analytics: AnalyticsSettings
    policy: PolicySettings
    retention: RetentionSettings
    media: MediaSettings = MediaSettings()
    products: dict[str, Product] = Field(min_length=1)
    assistants: dict[str, Assistant] = {}

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        return _check_domain(value)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_domain(alias) for alias in value)

    @model_validator(mode="after")
    def _assistants_need_the_product(self) -> Tenant:
        offers_chat = any(p.category == "assistant" for p in self.products.values())
        if self.assistants and not offers_chat:
            raise ValueError("assistants are configured but no product has category 'assistant'")
        if offers_chat and not self.assistants:
            raise ValueError("a product has category 'assistant' but no assistants are configured")
        return self

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
