"""Who publishes a brand's policy: the operator (data controller) and its contacts.

Usually one company runs every brand, so ``tenants.toml`` states the identity once in the
reserved ``[defaults.operator]`` table; a brand run by another entity overrides any key in
its own ``[<slug>.operator]`` table (see registry.merge_defaults).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class Contact(BaseModel):
    """A named person or body with a postal and an email address (DPO, representative)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    email: EmailStr


class OperatorIdentity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    legal_name: str = Field(min_length=1)
    # What the registration number is called where the operator is registered
    # (BIN in Kazakhstan, Company number in England, HRB in Germany).
    registration_label: str = Field(min_length=1)
    registration_number: str = Field(min_length=1)
    address: str = Field(min_length=1)
    # Whose law governs the policy, as it reads after "the laws of": "the Republic of
    # Kazakhstan".
    jurisdiction: str = Field(min_length=1)
    # As it reads after "the exclusive jurisdiction of": "the courts located in Astana, …".
    courts: str = Field(min_length=1)
    # The national data protection statute the policy is prepared under, if one is named.
    data_protection_law: str | None = Field(default=None, min_length=1)
    # Where data-subject requests go; the brand's support address when not set.
    privacy_email: EmailStr | None = None
    data_protection_officer: Contact | None = None
    eu_representative: Contact | None = None
    uk_representative: Contact | None = None
    # The authority a user may complain to, named in the rights section when set.
    supervisory_authority: str | None = Field(default=None, min_length=1)
