"""Deployment settings: the one place where environment variables become configuration.

Everything about a brand lives in ``tenants.toml``; this module holds only what differs
between deployments (where the database, broker, object store and mail server are, and
the deployment secret). Every field has an embedded default so ``warren serve`` works on a
machine with nothing but Python.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from warren.paths import PROJECT_ROOT

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
TENANT_SECRET_PREFIX = "WARREN_TENANT_SECRET_"  # noqa: S105 - a variable name, not a secret
# Providers are described by a family of variables (see generation.providers.registry).
PROVIDER_PREFIX = "WARREN_PROVIDER_"


def tenant_secrets_from(environ: Mapping[str, str]) -> dict[str, SecretStr]:
    """``WARREN_TENANT_SECRET_<SLUG>`` variables by slug (lower-cased, underscores as dashes)."""
    return {
        name[len(TENANT_SECRET_PREFIX) :].lower().replace("_", "-"): SecretStr(value)
        for name, value in environ.items()
        if name.startswith(TENANT_SECRET_PREFIX) and value
    }


class _TenantSecretsSource(PydanticBaseSettingsSource):
    """One variable per tenant: their names depend on the registry, so no fixed field
    name can pick them up; this source gathers them into ``tenant_secrets``."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        secrets = tenant_secrets_from(os.environ)
        if secrets:
            found["tenant_secrets"] = secrets
        providers = {
            name: SecretStr(value)
            for name, value in os.environ.items()
            if name.startswith(PROVIDER_PREFIX)
        }
        if providers:
            found["provider_variables"] = providers
        return found


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WARREN_", extra="ignore", frozen=True)

    data_dir: Path = PROJECT_ROOT / ".warren-data"
    tenants_file: Path = PROJECT_ROOT / "tenants.toml"
    tenants_dir: Path = PROJECT_ROOT / "tenants"

    # DATABASE_URL is the conventional name; WARREN_DATABASE_URL is accepted too.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "WARREN_DATABASE_URL")
    )
    # None means "the same PostgreSQL as the database" (the dramatiq-postgres broker).
    broker_url: str | None = None
    # None means a directory in the data dir; s3://ACCESS:SECRET@host:port/bucket for S3.
    storage_url: str | None = None
    # None means .eml files in the data dir's outbox; smtp://[user:pass@]host:port otherwise.
    mail_url: str | None = None
    mail_from_name: str = "warren"

    # The deployment secret every per-tenant key is derived from. When unset, one is
    # generated once into the data dir (owner-only permissions).
    secret: str | None = None
    # A tenant's own secret instead of the deployment's (WARREN_TENANT_SECRET_<SLUG>).
    tenant_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    # Every WARREN_PROVIDER_* variable as set (API keys among them), read by the provider
    # registry, which knows what each one means and refuses any it does not.
    provider_variables: dict[str, SecretStr] = Field(default_factory=dict)

    # Peers whose X-Forwarded-For is believed. Loopback by default, like uvicorn.
    trusted_proxies: Annotated[tuple[IPNetwork, ...], NoDecode] = (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    # "auto": cookies are Secure when the request arrived over HTTPS.
    cookie_secure: Literal["auto", "always", "never"] = "auto"

    # Rate limits in the `limits` notation, keyed by the tenant's IP value.
    rate_limit_sign_in: str = "10/minute"
    rate_limit_sign_up: str = "5/minute"
    # memory:// is per process; redis://host:port shares limits between processes.
    rate_limit_storage: str = "memory://"

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    # How often `warren scheduler` runs each housekeeping task.
    scheduler_recover_seconds: float = Field(default=60, gt=0)
    # The retention rules with short periods (uploads, trash) run at the first interval,
    # every rule at the second.
    scheduler_purge_uploads_seconds: float = Field(default=600, gt=0)
    scheduler_retention_seconds: float = Field(default=86400, gt=0)
    # Rows per retention batch (one transaction each).
    retention_batch: int = Field(default=500, gt=0, le=10000)
    # `warren retention check` reports rows this long past their must-be-gone-by moment:
    # rules without a window are swept at the scheduler's interval, not on the second.
    retention_check_grace_hours: float = Field(default=48, ge=0)
    # Prefixes the queue name (and the Redis key namespace), so deployments or test runs
    # sharing one RabbitMQ or Redis server never take each other's messages.
    queue_prefix: str = Field(default="", pattern=r"^([A-Za-z_][A-Za-z0-9_-]*)?$")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _TenantSecretsSource(settings_cls),
            env_settings,
            dotenv_settings,
            file_secret_settings,
        )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(
                ipaddress.ip_network(part.strip(), strict=False)
                for part in value.split(",")
                if part.strip()
            )
        return value

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
