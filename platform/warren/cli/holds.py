"""`warren holds`: legal and moderation holds, which no retention rule deletes through."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import click

from warren.cli.common import named_tenant, prepared_runtime

KINDS = ("account", "content_item", "upload")


@click.group()
def holds() -> None:
    """Legal and moderation holds on an account, a content item or an upload."""


@holds.command("place")
@click.argument("tenant")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("subject")
@click.option("--by", "placed_by", required=True, help="Who places the hold.")
@click.option("--reason", required=True, help="Why the data is held.")
@click.option("--review", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Review date.")
def holds_place(
    tenant: str, kind: str, subject: str, placed_by: str, reason: str, review: datetime | None
) -> None:
    """Hold SUBJECT of TENANT: an id, or for an account its email or username."""
    from warren.accounts.lookup import find_user
    from warren.errors import DomainError
    from warren.lifecycle.holds import place_hold
    from warren.lifecycle.models import HoldSubject

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant)
        with runtime.sessions() as db:
            subject_id = _uuid(subject)
            if subject_id is None and kind == "account":
                user = find_user(db, found, subject)
                subject_id = user.id if user else None
            if subject_id is None:
                raise click.UsageError(f"no {kind.replace('_', ' ')} {subject!r} on {found.name}")
            try:
                hold = place_hold(
                    db,
                    found,
                    HoldSubject(kind),
                    subject_id,
                    placed_by,
                    reason,
                    review.replace(tzinfo=UTC) if review else None,
                )
            except DomainError as exc:
                raise click.UsageError(str(exc)) from None
            db.commit()
            click.echo(f"hold {hold.id} placed on {kind} {subject_id} of {found.name}")
    finally:
        runtime.close()


@holds.command("lift")
@click.argument("tenant")
@click.argument("hold_id")
@click.option("--by", "lifted_by", required=True, help="Who lifts the hold.")
def holds_lift(tenant: str, hold_id: str, lifted_by: str) -> None:
    """Lift a hold: the subject's retention clocks resume (what is overdue goes next sweep)."""
    from warren.errors import DomainError
    from warren.lifecycle.holds import lift_hold

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant)
        parsed = _uuid(hold_id)
        if parsed is None:
            raise click.UsageError(f"{hold_id!r} is not a hold id")
        with runtime.sessions() as db:
            try:
                lift_hold(db, found, parsed, lifted_by)
            except DomainError as exc:
                raise click.UsageError(str(exc)) from None
            db.commit()
        click.echo(f"hold {parsed} lifted")
    finally:
        runtime.close()


@holds.command("list")
@click.argument("tenant")
@click.option("--all", "include_lifted", is_flag=True, help="Lifted holds too.")
def holds_list(tenant: str, include_lifted: bool) -> None:
    """The tenant's active holds (with --all, lifted ones too)."""
    from warren.lifecycle.holds import list_holds

    runtime = prepared_runtime()
    try:
        found = named_tenant(runtime, tenant)
        with runtime.sessions() as db:
            found_holds = list_holds(db, found, include_lifted=include_lifted)
    finally:
        runtime.close()
    for hold in found_holds:
        review = f", review {hold.review_at:%Y-%m-%d}" if hold.review_at else ""
        lifted = f", lifted {hold.lifted_at:%Y-%m-%d} by {hold.lifted_by}" if hold.lifted_at else ""
        click.echo(
            f"{hold.id}  {hold.subject_kind} {hold.subject_id}  by {hold.placed_by} "
            f"on {hold.placed_at:%Y-%m-%d}{review}{lifted}: {hold.reason}"
        )
    if not found_holds:
        click.echo("no holds")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
