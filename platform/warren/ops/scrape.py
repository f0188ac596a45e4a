"""What ``/metrics`` answers: this host's process metrics plus counts read from the
database and the broker at scrape time.

Database counts are *sources*: a function from a connection to metric families,
registered by name in :data:`SOURCES`. Jobs by tenant and state is one; the payments,
retention and rights-request features register theirs under the names reserved below
when their tables exist. A source that fails is reported as
``warren_scrape_source_up{source=...} 0`` and the rest of the scrape still answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from dramatiq import Broker
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, select

from warren.generation.models import Job
from warren.logs import get_logger
from warren.queue.broker import queue_depth

Source = Callable[[Connection], Iterable[Metric]]
log = get_logger("warren.metrics")


def jobs_by_state(conn: Connection) -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "warren_jobs", "Generation jobs by tenant and state.", labels=["tenant", "state"]
    )
    rows = conn.execute(
        select(Job.tenant_id, Job.status, func.count()).group_by(Job.tenant_id, Job.status)
    )
    for tenant, state, count in rows:
        family.add_metric([tenant, str(state)], count)
    yield family


# Reserved names, each for the feature that owns its table: "payments" (payments by
# state), "retention" (due and overdue deletions per rule), "rights" (data-subject
# requests due and overdue). A feature adds its own: SOURCES["payments"] = payments_by_state.
SOURCES: dict[str, Source] = {"jobs": jobs_by_state}


class ScrapeTimeCollector(Collector):
    def __init__(self, engine: Engine, broker: Broker, queue: str) -> None:
        self.engine = engine
        self.broker = broker
        self.queue = queue

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "warren_scrape_source_up",
            "1 when a scrape-time source answered, 0 when it failed (see the logs).",
            labels=["source"],
        )
        for name, source in SOURCES.items():
            try:
                with self.engine.connect() as conn:
                    families = list(source(conn))
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


def exposition(engine: Engine, broker: Broker, queue: str, multiprocess_dir: Path | None) -> bytes:
    registry = CollectorRegistry()
    if multiprocess_dir is not None:
        prometheus_multiprocess.MultiProcessCollector(registry, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
    else:
        registry = _with_process_metrics(registry)
    registry.register(ScrapeTimeCollector(engine, broker, queue))
    return generate_latest(registry)


def _with_process_metrics(registry: CollectorRegistry) -> CollectorRegistry:
    """The default registry's collectors (this process's metrics) alongside the scrape's."""

    class _Default(Collector):
        def collect(self) -> Iterable[Metric]:
            return REGISTRY.collect()

    registry.register(_Default())
    return registry
