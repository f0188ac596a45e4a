"""The process-wide collaborators, built once from settings and handed around explicitly.

Nothing here is a "current tenant": the runtime serves every tenant, and each call names
the tenant it works for.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from dramatiq import Broker
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from warren.accounts.passwords import limit_hashing
from warren.billing.gateways.registry import GatewayRegistry, load_gateways
from warren.db.base import utcnow
from warren.db.engine import make_engine, make_sessionmaker
from warren.generation.catalogue import check_catalogue
from warren.generation.leases import LeaseKeeper
from warren.generation.providers.registry import ProviderRegistry, load_providers
from warren.logs import get_logger
from warren.mail.base import Mailer
from warren.mail.factory import open_mailer
from warren.ops.metrics import DB_IDLE_PINGS
from warren.publishing.effective import effective_registry, watch_key
from warren.queue.broker import make_broker, queue_name
from warren.queue.port import attach_broker
from warren.ratelimit import RateLimiter
from warren.settings import Settings
from warren.storage.base import ObjectStore
from warren.storage.factory import open_object_store
from warren.storage.s3 import S3ObjectStore
from warren.tenancy.registry import Registry, TenantConfigError, load_registry
from warren.tenancy.secrets import Keyring, load_or_create_secret

log = get_logger("warren.runtime")


@dataclass
class Runtime:
    settings: Settings
    registry: Registry
    keyring: Keyring
    engine: Engine
    sessions: sessionmaker[Session]
    broker: Broker
    store: ObjectStore
    mailer: Mailer
    rate_limiter: RateLimiter
    providers: ProviderRegistry
    gateways: GatewayRegistry
    leases: LeaseKeeper
    # tenants.toml as loaded; ``registry`` is it with each brand's published version in
    # force (warren.publishing), swapped whole when that changes.
    bootstrap: Registry | None = None
    _watched: tuple[int, int] | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def refresh_registry(self) -> bool:
        """Rebuild ``registry`` if a version was published or came into force since the
        last look; True when it changed. Readers keep the object they hold, so a request
        never sees half of two configurations."""
        bootstrap = self.bootstrap or self.registry
        with self._refresh_lock, self.sessions() as db:
            now = utcnow()
            key = watch_key(db, now)
            if key == self._watched:
                return False
            self.registry = effective_registry(bootstrap, db, now, self.registry)
            self.bootstrap = bootstrap
            self._watched = key
            return True

    def watch_registry(self) -> threading.Thread:
        """A daemon thread that refreshes the registry every ``registry_poll_seconds``,
        so a version published by another process (or reaching its date) is seen here."""

        def loop() -> None:
            while not self._stop.wait(self.settings.registry_poll_seconds):
                try:
                    self.refresh_registry()
                except TenantConfigError as exc:
                    log.error("published configuration refused", problems=exc.problems)
                except OperationalError as exc:
                    # The database is away; the configuration in hand stays until it is back.
                    log.warning("registry refresh failed", error=type(exc.orig).__name__)
                except Exception:
                    log.exception("registry refresh failed")

        thread = threading.Thread(target=loop, name="warren-registry-watch", daemon=True)
        thread.start()
        return thread

    def stop_watching(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self.stop_watching()
        self.leases.close()
        self.broker.close()
        self.engine.dispose()


def build_runtime(settings: Settings, database_url: str, broker: Broker | None = None) -> Runtime:
    """Everything a web or worker process needs; ``database_url`` is already resolved."""
    registry = load_registry(settings.tenants_file)
    limit_hashing(
        settings.password_hashing_running,
        settings.password_hashing_waiting,
        settings.password_hashing_niceness,
    )
    providers = load_providers(
        {name: value.get_secret_value() for name, value in settings.provider_variables.items()}
    )
    check_catalogue(registry, providers)
    secret = load_or_create_secret(settings.secret, settings.data_dir)
    engine = make_engine(database_url, on_ping=DB_IDLE_PINGS.inc)
    sessions = make_sessionmaker(engine)
    if broker is None:
        broker = make_broker(settings.broker_url or database_url, settings.queue_prefix)
    attach_broker(sessions, broker, queue_name(settings.queue_prefix))
    store = open_object_store(settings.storage_url, settings.data_dir)
    if isinstance(store, S3ObjectStore):
        store.ensure_bucket()
    keyring = Keyring(
        secret,
        {
            slug: value.get_secret_value().encode()
            for slug, value in settings.tenant_secrets.items()
        },
    )
    runtime = Runtime(
        settings=settings,
        registry=registry,
        bootstrap=registry,
        keyring=keyring,
        engine=engine,
        sessions=sessions,
        broker=broker,
        store=store,
        mailer=open_mailer(settings.mail_url, settings.outbox_dir),
        providers=providers,
        rate_limiter=RateLimiter(
            settings.rate_limit_storage,
            {
                "sign_in": settings.rate_limit_sign_in,
                "sign_up": settings.rate_limit_sign_up,
                "email_link": settings.rate_limit_email_link,
                "password_reset": settings.rate_limit_password_reset,
                "two_factor": settings.rate_limit_two_factor,
                "report": settings.rate_limit_report,
            },
        ),
        leases=LeaseKeeper(engine, settings.job_lease_seconds, settings.job_heartbeat_seconds),
        gateways=load_gateways(
            registry,
            {name: value.get_secret_value() for name, value in settings.payment_variables.items()},
            lambda slug: keyring.for_tenant(slug).demo_gateway,
            sessions,
        ),
    )
    try:
        runtime.refresh_registry()
    except ProgrammingError:
        # Not migrated yet (a command that migrates after building the runtime): the
        # watcher picks the published versions up once their table exists.
        log.warning("brand_config_versions not readable yet; using tenants.toml")
    return runtime
