"""`warren retention`: what the policies promise to delete — plan, sweep, check, history."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

import click

from warren.cli.common import named_tenant, prepared_runtime

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from warren.runtime import Runtime
    from warren.tenancy.tenant import Tenant

RULE_NAMES = (
    "uploads", "trash", "content", "chats", "logs", "inactive_accounts", "transactions",
)  # fmt: skip


def _tenants(runtime: Runtime, slug: str | None) -> list[Tenant]:
    return [named_tenant(runtime, slug)] if slug else list(runtime.registry)


@click.group()
def retention() -> None:
    """The retention rules every tenant's policy states (numbers from tenants.toml)."""


@retention.command("plan")
@click.argument("tenant", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def retention_plan(tenant: str | None, as_json: bool) -> None:
    """Per tenant and rule: how many rows a sweep would delete now, and since when the
    oldest of them is due. Deletes nothing."""
    from warren.db.base import utcnow
    from warren.lifecycle.plan import plan

    runtime = prepared_runtime()
    try:
        with runtime.sessions() as db:
            rows = plan(db, _tenants(runtime, tenant), utcnow())
    finally:
        runtime.close()
    for row in rows:
        since = row.since.isoformat() if row.since else None
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "tenant": row.tenant,
                        "rule": row.rule.value,
                        "target": row.target,
                        "due": row.count,
                        "oldest_due": since,
                    }
                )
            )
        else:
            click.echo(
                f"{row.tenant:<12} {row.rule.value:<18} {row.target:<16} {row.count:>9} due"
                + (f", oldest since {row.since:%Y-%m-%d %H:%M} UTC" if row.since else "")
            )


@retention.command("sweep")
@click.argument("tenant", required=False)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    type=click.Choice(RULE_NAMES),
    help="Only this rule (repeatable); every rule by default.",
)
def retention_sweep(tenant: str | None, rules: tuple[str, ...]) -> None:
    """Delete everything due, objects first, in batches; a crashed sweep is simply run
    again. Prints per-rule counts; exits 1 if a rule failed (see `retention history`)."""
    from warren.db.base import utcnow
    from warren.lifecycle.plan import plan
    from warren.lifecycle.rules import Rule
    from warren.lifecycle.sweep import sweep

    runtime = prepared_runtime()
    chosen = [Rule(name) for name in rules] or list(Rule)
    try:
        tenants = _tenants(runtime, tenant)
        with runtime.sessions() as db:
            expected = sum(row.count for row in plan(db, tenants, utcnow()) if row.rule in chosen)
        bar: ProgressBar[int]
        with click.progressbar(length=expected, label="sweeping", file=sys.stderr) as bar:

            def advance(_tenant: str, _rule: str, n: int) -> None:
                bar.update(n)

            results = sweep(
                runtime, tenants, chosen, batch=runtime.settings.retention_batch, progress=advance
            )
    finally:
        runtime.close()
    for result in results:
        counts = ", ".join(f"{name} {n}" for name, n in result.counts.items()) or "nothing"
        line = f"{result.tenant:<12} {result.rule.value:<18} {counts}"
        click.echo(line + (f"  FAILED: {result.error}" if result.error else ""))
    failed = [r for r in results if r.error]
    if failed:
        click.echo(f"{len(failed)} rule(s) failed", err=True)
        raise SystemExit(1)


@retention.command("check")
@click.argument("tenant", required=False)
def retention_check(tenant: str | None) -> None:
    """Exit 1, naming tenant and rule, if anything is still stored past its
    must-be-gone-by moment (plus WARREN_RETENTION_CHECK_GRACE_HOURS). For alerting."""
    from warren.db.base import utcnow
    from warren.lifecycle.plan import overdue

    runtime = prepared_runtime()
    grace = timedelta(hours=runtime.settings.retention_check_grace_hours)
    try:
        with runtime.sessions() as db:
            late = overdue(db, _tenants(runtime, tenant), utcnow(), grace)
    finally:
        runtime.close()
    for row in late:
        since = f"{row.since:%Y-%m-%d %H:%M} UTC" if row.since else "?"
        click.echo(
            f"OVERDUE {row.tenant} {row.rule.value} ({row.target}): {row.count} row(s), "
            f"the oldest should have been gone by {since}"
        )
    if late:
        raise SystemExit(1)
    click.echo("nothing overdue")


@retention.command("history")
@click.argument("tenant", required=False)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
def retention_history(tenant: str | None, limit: int) -> None:
    """The latest sweeps: rule, counts, start and finish (none: interrupted), errors."""
    from warren.lifecycle.sweep import history

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant) if tenant else None
        with runtime.sessions() as db:
            runs = history(db, found, limit)
    finally:
        runtime.close()
    for run in runs:
        finished = f"{run.finished_at:%Y-%m-%d %H:%M:%S}" if run.finished_at else "interrupted"
        counts = ", ".join(f"{name} {n}" for name, n in run.counts.items()) or "nothing"
        click.echo(
            f"{run.started_at:%Y-%m-%d %H:%M:%S} → {finished}  {run.tenant_id:<12} "
            f"{run.rule:<18} {counts}" + (f"  ERROR: {run.error}" if run.error else "")
        )
    if not runs:
        click.echo("no sweeps yet")
