"""The metrics every process records as it works, exposed by ``/metrics``.

Labels are bounded on purpose: a request is labelled with its route template
(``/library/{item_id:uuid}``), never the raw path, and with the tenant's slug, so the
number of series is fixed by the code and the registry, not by what clients send.

With ``PROMETHEUS_MULTIPROC_DIR`` set (prometheus-client's own variable, read into
settings), each process writes its samples to files there and a scrape adds up every
process of the host; workers record job durations in their own processes that way.
Counts that live in the database (jobs by state, and later payments, retention and
rights requests) are not counters at all: they are read at scrape time
(``warren.ops.scrape``), so every web process reports the same truth.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "warren_http_requests",
    "HTTP requests answered, by tenant, route template, method and status.",
    ["tenant", "route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "warren_http_request_duration_seconds",
    "Time to answer an HTTP request, by tenant and route template.",
    ["tenant", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOBS_FINISHED = Counter(
    "warren_jobs_finished",
    "Generation jobs a worker finished, by tenant, category and outcome (done, failed).",
    ["tenant", "category", "outcome"],
)
DB_IDLE_PINGS = Counter(
    "warren_db_idle_pings",
    "Pooled database connections checked with a round trip before use because they had "
    "sat idle (connections in steady use are not checked).",
)
JOB_SECONDS = Histogram(
    "warren_job_duration_seconds",
    "Time from a worker claiming a job to its end, by tenant, category and outcome.",
    ["tenant", "category", "outcome"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900),
)
# Routes not matched by any handler share one label value, so probing for random paths
# cannot grow the number of series.
UNMATCHED = "<unmatched>"


def record_request(tenant: str, route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(tenant, route, method, str(status)).inc()
    REQUEST_SECONDS.labels(tenant, route).observe(seconds)


def record_job(tenant: str, category: str, outcome: str, seconds: float) -> None:
    JOBS_FINISHED.labels(tenant, category, outcome).inc()
    JOB_SECONDS.labels(tenant, category, outcome).observe(seconds)
