"""Deployment settings: the one place where environment variables become configuration.

Everything about a brand lives in ``tenants.toml``; this module holds only what differs
between deployments (where the database, broker, object store and mail server are, and
the deployment secret). Every field has an embedded default so ``warren serve`` works on a
machine with nothing but Python.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from warren.paths import PROJECT_ROOT

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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
