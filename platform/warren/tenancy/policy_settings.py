"""The policy section of a tenant's entry: the clauses in which brands' policies differ."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A template name becomes a folder under policies/; keep it a plain name, never a path.
_TEMPLATE = re.compile(r"^[a-z][a-z0-9_-]*$")

# What a brand generates; also the content kinds its policy may describe.
ContentCategory = Literal["song", "image", "poem", "text", "video", "assistant"]
# Privacy regimes whose users a brand serves; each brings its own policy sections.
Jurisdiction = Literal["gdpr", "ccpa"]


class RightsDeadline(BaseModel):
    """How long a data-subject request may take, and how the policy words it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(default=30, gt=0, le=366)
    # "detailed": the GDPR/CCPA deadlines and their extensions are spelled out.
    # "or_shorter": the general deadline, "or shorter where the law requires".
    wording: Literal["detailed", "or_shorter"]
    gdpr: bool
    ccpa: bool
    gdpr_extension_months: int = Field(default=2, gt=0, le=2)
    ccpa_days: int = Field(default=45, gt=0, le=45)
    ccpa_extension_days: int = Field(default=45, gt=0, le=45)
    # CCPA: a request is acknowledged within this many business days (Monday to Friday).
    ccpa_ack_business_days: int = Field(default=10, gt=0, le=10)


# Config keys whose change is "material": publishing one needs the brand's notice period
# and tells users (warren.publishing). "retention" covers every retention number.
MaterialKey = Literal[
    "support_email",
    "ip.mode",
    "analytics.consent",
    "policy.content_use",
    "policy.provider_data_use",
    "policy.transfers_with_consent",
    "policy.face_data_section",
    "policy.jurisdictions",
    "retention",
]
DEFAULT_MATERIAL: tuple[MaterialKey, ...] = (
    "ip.mode",
    "analytics.consent",
    "policy.content_use",
    "policy.provider_data_use",
    "policy.transfers_with_consent",
    "retention",
)


class PolicyChanges(BaseModel):
    """How a new version of the brand's configuration (and policy) takes effect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # 0: every change takes effect on publication. N: a material change takes effect no
    # sooner than N days after it is published (and announced).
    notice_days: int = Field(default=0, ge=0, le=365)
    # How users hear of a material change: an email to every verified user, or a
    # prominent notice on every page of the site.
    notify_by: Literal["email", "site_notice"] = "email"
    # Which keys make a change material.
    material: tuple[MaterialKey, ...] = DEFAULT_MATERIAL

    @field_validator("material")
    @classmethod
    def _once(cls, value: tuple[MaterialKey, ...]) -> tuple[MaterialKey, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a key is listed twice")
        return value


class PolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    template: str = "standard"
    # "YYYY-MM" renders as "May 2026"; "YYYY-MM-DD" as "April 30, 2026".
    last_updated: str
    # "no_training": content is never used beyond generation; internal analysis only on
    # anonymised aggregates. "internal_tuning": content may be used internally for
    # testing, debugging and tuning generation; statistics are anonymised.
    content_use: Literal["no_training", "internal_tuning"]
    face_data_section: bool = False
    rights_deadline: RightsDeadline
    # Whether the list of transfers to third parties ends with "in other cases, only
    # with the User's explicit consent". A brand whose published list is closed must not
    # gain an open-ended case, so the narrower promise is the default.
    transfers_with_consent: bool = False
    # What the policy says AI providers may do with an (anonymised) request.
    # "single_use": each request is used solely to deliver its result once.
    # "own_policies": providers may use what they receive under their own privacy
    # policies; the text then explains why the User cannot be identified by them.
    provider_data_use: Literal["single_use", "own_policies"] = "single_use"
    # Whose users the brand serves: the GDPR and CCPA sections (and their deadlines)
    # appear only for the regimes listed. Required: an omission must not publish either.
    jurisdictions: tuple[Jurisdiction, ...]
    # The generated content kinds the policy names. Not set: exactly the categories of
    # the brand's products. Set: a published text that also names kinds the brand may
    # offer later; it must include every offered category (`tenants check` warns about
    # the extra ones).
    content_described: tuple[ContentCategory, ...] | None = None
    changes: PolicyChanges = PolicyChanges()

    @model_validator(mode="after")
    def _deadlines_need_the_regime(self) -> PolicySettings:
        deadline = self.rights_deadline
        for regime, stated in (("gdpr", deadline.gdpr), ("ccpa", deadline.ccpa)):
            if stated and regime not in self.jurisdictions:
                raise ValueError(
                    f"rights_deadline.{regime} is true but {regime!r} is not in jurisdictions"
                )
        if len(set(self.jurisdictions)) != len(self.jurisdictions):
            raise ValueError("a jurisdiction is listed twice")
        return self

    @field_validator("template")
    @classmethod
    def _check_template(cls, value: str) -> str:
        if not _TEMPLATE.match(value):
            raise ValueError("must be a plain name such as 'standard' (a folder in policies/)")
        return value

    @field_validator("last_updated")
    @classmethod
    def _check_date(cls, value: str) -> str:
        if _MONTH.match(value):
            date.fromisoformat(value + "-01")
        elif _DAY.match(value):
            date.fromisoformat(value)
        else:
            raise ValueError("must be YYYY-MM or YYYY-MM-DD")
        return value

    @property
    def last_updated_date(self) -> date:
        value = self.last_updated
        return date.fromisoformat(value + "-01" if _MONTH.match(value) else value)

    @property
    def last_updated_text(self) -> str:
        day = self.last_updated_date
        if _MONTH.match(self.last_updated):
            return day.strftime("%B %Y")
        return f"{day.strftime('%B')} {day.day}, {day.year}"
