"""What ``/metrics`` answers: this host's process metrics plus counts read from the
database and the broker at scrape time.

Database counts are *sources*: a function from a :class:`Scrape` (a read-only session,
the tenants, the moment) to metric families, registered by name in :data:`SOURCES`: jobs
by state, orders by state, data-subject requests open and overdue, rows kept past
the retention deadline their policy states, and the latest points balance check. A
source that fails is reported as ``warren_scrape_source_up{source=...} 0`` and the rest
of the scrape still answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from dramatiq import Broker
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from warren.billing.models import BalanceCheck, Order
from warren.db.base import utcnow
from warren.generation.models import Job
from warren.lifecycle.plan import overdue
from warren.logs import get_logger
from warren.queue.broker import queue_depth
from warren.rights.models import DataSubjectRequest
from warren.rights.requests import OPEN
from warren.tenancy.tenant import Tenant

log = get_logger("warren.metrics")

# A request due within this many days counts as "due soon": time to act, not yet late.
DUE_SOON = timedelta(days=7)


@dataclass(frozen=True)
class Scrape:
    db: Session
    tenants: Sequence[Tenant]
    now: datetime
    # How long past its must-be-gone-by moment a row may stay before it counts as
    # overdue (the sweep runs periodically, not continuously).
    retention_grace: timedelta


Source = Callable[[Scrape], Iterable[Metric]]


def jobs_by_state(scrape: Scrape) -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "warren_jobs", "Generation jobs by tenant and state.", labels=["tenant", "state"]
    )
    rows = scrape.db.execute(
        select(Job.tenant_id, Job.status, func.count()).group_by(Job.tenant_id, Job.status)
    )
    for tenant, state, count in rows:
        family.add_metric([tenant, str(state)], count)
    yield family


def orders_by_state(scrape: Scrape) -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "warren_orders", "Orders by tenant and state.", labels=["tenant", "state"]
    )
    rows = scrape.db.execute(
        select(Order.tenant_id, Order.state, func.count()).group_by(Order.tenant_id, Order.state)
    )
    for tenant, state, count in rows:
        family.add_metric([tenant, str(state)], count)
    yield family


def rights_requests(scrape: Scrape) -> Iterator[Metric]:
    """Open data-subject requests, and those overdue or due soon: what an alert watches
    so that no deadline the policy states passes unnoticed."""
    open_ = GaugeMetricFamily(
        "warren_rights_requests_open",
        "Open data-subject requests by tenant and state.",
        labels=["tenant", "state"],
    )
    late = GaugeMetricFamily(
        "warren_rights_requests_overdue",
        "Open data-subject requests past their due date, by tenant.",
        labels=["tenant"],
    )
    soon = GaugeMetricFamily(
        "warren_rights_requests_due_soon",
        f"Open data-subject requests due within {DUE_SOON.days} days, by tenant.",
        labels=["tenant"],
    )
    counts: dict[str, tuple[int, int]] = {tenant.slug: (0, 0) for tenant in scrape.tenants}
    rows = scrape.db.execute(
        select(
            DataSubjectRequest.tenant_id,
            DataSubjectRequest.state,
            func.count(),
            func.count().filter(DataSubjectRequest.due_at < scrape.now),
            func.count().filter(
                DataSubjectRequest.due_at >= scrape.now,
                DataSubjectRequest.due_at < scrape.now + DUE_SOON,
            ),
        )
        .where(DataSubjectRequest.state.in_([state.value for state in OPEN]))
        .group_by(DataSubjectRequest.tenant_id, DataSubjectRequest.state)
    )
    for tenant, state, count, overdue_count, soon_count in rows:
        open_.add_metric([tenant, state], count)
        was_late, was_soon = counts.get(tenant, (0, 0))
        counts[tenant] = (was_late + overdue_count, was_soon + soon_count)
    for tenant, (overdue_count, soon_count) in counts.items():
        late.add_metric([tenant], overdue_count)
        soon.add_metric([tenant], soon_count)
    yield from (open_, late, soon)


def retention_overdue(scrape: Scrape) -> Iterator[Metric]:
    """What ``warren retention check`` reports, as a gauge per tenant and rule: rows
    still stored past the moment the tenant's policy says they are gone."""
    family = GaugeMetricFamily(
        "warren_retention_overdue_rows",
        "Rows kept past their policy's deletion deadline (plus the grace), by rule.",
        labels=["tenant", "rule", "target"],
    )
    for due in overdue(scrape.db, scrape.tenants, scrape.now, scrape.retention_grace):
        family.add_metric([due.tenant, due.rule.value, due.target], due.count)
    yield family


def points_balance_checks(scrape: Scrape) -> Iterator[Metric]:
    """The latest balance check per tenant (run by the scheduler): how many stored
    balances differed from the ledger, and when it finished."""
    mismatches = GaugeMetricFamily(
        "warren_points_balance_mismatches",
        "Users whose stored points balance differed from their ledger sum at the latest check.",
        labels=["tenant"],
    )
    finished = GaugeMetricFamily(
        "warren_points_balance_checked_timestamp_seconds",
        "When the latest points balance check of the tenant finished (Unix time).",
        labels=["tenant"],
    )
    latest = (
        select(BalanceCheck.tenant_id, BalanceCheck.mismatches, BalanceCheck.finished_at)
        .distinct(BalanceCheck.tenant_id)
        .order_by(BalanceCheck.tenant_id, BalanceCheck.finished_at.desc())
    )
    for tenant, count, at in scrape.db.execute(latest):
        mismatches.add_metric([tenant], count)
        finished.add_metric([tenant], at.timestamp())
    yield from (mismatches, finished)


SOURCES: dict[str, Source] = {
    "jobs": jobs_by_state,
    "payments": orders_by_state,
    "rights": rights_requests,
    "retention": retention_overdue,
    "points": points_balance_checks,
}


class ScrapeTimeCollector(Collector):
    def __init__(
        self,
        engine: Engine,
        broker: Broker,
        queue: str,
        tenants: Sequence[Tenant],
        retention_grace: timedelta,
    ) -> None:
        self.engine = engine
        self.broker = broker
        self.queue = queue
        self.tenants = tenants
        self.retention_grace = retention_grace

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "warren_scrape_source_up",
            "1 when a scrape-time source answered, 0 when it failed (see the logs).",
            labels=["source"],
        )
        for name, source in SOURCES.items():
            try:
                with Session(self.engine) as db:
                    families = list(
                        source(Scrape(db, self.tenants, utcnow(), self.retention_grace))
                    )
            except Exception:
                log.exception("metrics source failed", source=name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        try:
            depth = queue_depth(self.broker, self.queue)
        except Exception:
            log.exception("metrics source failed", source="queue")
            up.add_metric(["queue"], 0)
        else:
            up.add_metric(["queue"], 1)
            yield GaugeMetricFamily(
                "warren_queue_depth",
                "Messages waiting in the deployment's queue, delayed retries included.",
                value=depth,
            )
        yield up


def exposition(
    engine: Engine,
    broker: Broker,
    queue: str,
    multiprocess_dir: Path | None,
    tenants: Sequence[Tenant],
    retention_grace: timedelta,
) -> bytes:
    registry = CollectorRegistry()
    if multiprocess_dir is not None:
        prometheus_multiprocess.MultiProcessCollector(registry, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
    else:
        registry = _with_process_metrics(registry)
    registry.register(ScrapeTimeCollector(engine, broker, queue, tenants, retention_grace))
    return generate_latest(registry)


def _with_process_metrics(registry: CollectorRegistry) -> CollectorRegistry:
    """The default registry's collectors (this process's metrics) alongside the scrape's."""

    class _Default(Collector):
        def collect(self) -> Iterable[Metric]:
            return REGISTRY.collect()

    registry.register(_Default())
    return registry
