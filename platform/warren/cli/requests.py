"""`warren requests`: the data-subject requests of one tenant or all, for ops."""

from __future__ import annotations

import click

from warren.cli.common import named_tenant, prepared_runtime


@click.group()
def requests() -> None:
    """Data-subject requests and their deadlines."""


@requests.command("list")
@click.argument("tenant", required=False)
@click.option("--overdue", is_flag=True, help="Only open requests past their due date.")
def requests_list(tenant: str | None, overdue: bool) -> None:
    """The requests of TENANT (every tenant when omitted), soonest due first."""
    from warren.db.base import utcnow
    from warren.rights.requests import list_requests

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant) if tenant else None
        now = utcnow()
        with runtime.sessions() as db:
            listed = list_requests(db, found, overdue, now)
            for r in listed:
                late = (
                    " OVERDUE"
                    if r.state in ("received", "verifying", "in_progress") and r.due_at < now
                    else ""
                )
                extended = f" extended ({r.extension_reason})" if r.extended_at else ""
                click.echo(
                    f"{r.tenant_id} {r.id} {r.kind} {r.channel} {r.jurisdiction} {r.state} "
                    f"received {r.received_at:%Y-%m-%d} due {r.due_at:%Y-%m-%d}{extended}{late}"
                )
        if not listed:
            click.echo("no overdue requests" if overdue else "no requests")
    finally:
        runtime.close()
