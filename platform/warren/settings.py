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

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
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
# Payment gateways' keys per tenant (see billing.gateways.registry).
PAYMENT_PREFIX = "WARREN_PAYMENT_"


def tenant_secrets_from(environ: Mapping[str, str]) -> dict[str, SecretStr]:
    """``WARREN_TENANT_SECRET_<SLUG>`` variables by slug (lower-cased, underscores as dashes)."""
    return {
        name[len(TENANT_SECRET_PREFIX) :].lower().replace("_", "-"): SecretStr(value)
        for name, value in environ.items()
        if name.startswith(TENANT_SECRET_PREFIX) and value
    }


def hashing_slots() -> int:
    """Password hashes computed at once by default: one per core, less one left for pages."""
    return max(1, (os.cpu_count() or 2) - 1)


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
        payments = {
            name: SecretStr(value)
            for name, value in os.environ.items()
            if name.startswith(PAYMENT_PREFIX)
        }
        if payments:
            found["payment_variables"] = payments
        return found


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WARREN_", extra="ignore", frozen=True)

    data_dir: Path = PROJECT_ROOT / ".warren-data"
    tenants_file: Path = PROJECT_ROOT / "tenants.toml"
    tenants_dir: Path = PROJECT_ROOT / "tenants"
    # How often each process checks for a newly published (or newly in force) brand
    # configuration version (warren.publishing); a publish is seen within this time.
    registry_poll_seconds: float = Field(default=2.0, gt=0)

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
    # Every WARREN_PAYMENT_* variable (gateway keys and webhook secrets per tenant), read
    # by the gateway registry, which refuses any it does not know.
    payment_variables: dict[str, SecretStr] = Field(default_factory=dict)
    # Where the demo gateway delivers its notifications; None: this server's own
    # address (http://host:port). The tenant's development host is sent as Host.
    payments_demo_webhook_base: str | None = None
    # A pending order older than this is asked about at the gateway by reconciliation.
    payments_reconcile_after_minutes: int = Field(default=15, gt=0)
    # The networks YooKassa sends its notifications from (it publishes them); a
    # notification from elsewhere is refused at the edge. Empty: any source — a
    # notification is only a hint, believed after the payment is fetched from the API.
    payments_yookassa_networks: Annotated[tuple[IPNetwork, ...], NoDecode] = ()

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
    # Emails with a link, per account or address (verification resends, reset requests,
    # email changes): the forms must not become a way to flood an inbox.
    rate_limit_email_link: str = "3/hour"
    # Password-reset requests and two-factor codes, per network.
    rate_limit_password_reset: str = "5/minute"  # noqa: S105 - a rate, not a password
    rate_limit_two_factor: str = "10/minute"
    # Reports about shared content, per network.
    rate_limit_report: str = "10/hour"
    # memory:// is per process; redis://host:port shares limits between processes.
    rate_limit_storage: str = "memory://"
    # Password hashes computed at once, and queued behind them, per process; beyond that
    # sign-ins are answered "busy" (429). Defaults: one per core less one, sixteen times
    # that waiting.
    password_hashing_running: int = Field(default_factory=lambda: hashing_slots(), gt=0)
    password_hashing_waiting: int = Field(default_factory=lambda: 16 * hashing_slots(), ge=0)
    # The hashing threads' nice value (Linux): 19 lets pages take the CPU from a burst of
    # sign-ins at once; 0 hashes at the pages' own priority (a host kept busy by other
    # work at normal priority would otherwise leave sign-ins a small share of the CPU).
    password_hashing_niceness: int = Field(default=19, ge=0, le=19)

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    # json: one object per line (production); console: readable lines; auto: console
    # when stderr is a terminal, json otherwise.
    log_format: Literal["auto", "json", "console"] = "auto"

    # /metrics answers only a request carrying "Authorization: Bearer <token>"; unset,
    # /metrics is not served at all (see docs/operations.md).
    metrics_token: SecretStr | None = None
    # prometheus-client's multi-process mode (its conventional variable): every web and
    # worker process on a host writes its samples here and /metrics adds them up. Empty
    # it before the processes start.
    prometheus_multiproc_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR"),
    )
    # How long /readyz waits for each of the database, broker and object storage.
    readiness_timeout_seconds: float = Field(default=3, gt=0)

    # How often `warren scheduler` runs each housekeeping task.
    scheduler_recover_seconds: float = Field(default=60, gt=0)
    # The retention rules with short periods (uploads, trash) run at the first interval,
    # every rule at the second.
    scheduler_purge_uploads_seconds: float = Field(default=600, gt=0)
    scheduler_reconcile_payments_seconds: float = Field(default=600, gt=0)
    # A running job's lease, renewed by its worker's heartbeat while the run lives: a
    # killed worker's job is taken over once the lease passes (plus the recovery sweep's
    # interval), and is charged once whoever finishes it.
    job_lease_seconds: float = Field(default=60, gt=0)
    job_heartbeat_seconds: float = Field(default=20, gt=0)
    # The scheduler sends outbox messages older than the grace (their process died
    # between its commit and the send, or the broker was down), every relay interval.
    outbox_relay_seconds: float = Field(default=5, gt=0)
    outbox_grace_seconds: float = Field(default=10, ge=0)
    # How often a standby scheduler tries to take the lead (and the leader checks it
    # still holds it).
    scheduler_standby_seconds: float = Field(default=5, gt=0)
    scheduler_retention_seconds: float = Field(default=86400, gt=0)
    # How often the scheduler compares every stored points balance with its ledger sum.
    scheduler_points_check_seconds: float = Field(default=86400, gt=0)
    # Rows per retention batch (one transaction each). Larger batches spend less per row
    # on round trips and commits; 5,000 swept a million content items in a third less
    # time than 1,000 (docs/retention.md).
    retention_batch: int = Field(default=5000, gt=0, le=10000)
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

    @field_validator("trusted_proxies", "payments_yookassa_networks", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(
                ipaddress.ip_network(part.strip(), strict=False)
                for part in value.split(",")
                if part.strip()
            )
        return value

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> Settings:
        if self.job_heartbeat_seconds * 2 > self.job_lease_seconds:
            raise ValueError(
                "WARREN_JOB_HEARTBEAT_SECONDS must be at most half of WARREN_JOB_LEASE_SECONDS, "
                "so one missed renewal does not cost a live run its job"
            )
        return self

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def hand_down_database(url: str) -> None:
    """Make ``url`` the DATABASE_URL of the processes this one starts without passing an
    environment of its own (uvicorn's web workers): the database `warren serve` resolved,
    embedded or not, is the one they open."""
    os.environ["DATABASE_URL"] = url
