"""What the sweep would do (plan) and what it failed to do in time (check).

Both run the rules' own queries, so they count exactly what a sweep would delete.
``due_by`` is the moment the oldest row became due (its clock plus the period): for
the plan, the deletable period; for the check, the must-be-gone-by period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from warren.lifecycle.rules import RULES, Period, Rule, Target
from warren.tenancy.tenant import Tenant


@dataclass(frozen=True)
class Due:
    tenant: str
    rule: Rule
    target: str
    count: int
    # When the oldest of them became due (None when none are).
    since: datetime | None


def _summary(
    db: Session, tenant: Tenant, rule: Rule, target: Target, period: Period, query: Select[Any]
) -> Due:
    rows = query.subquery()
    count, since = db.execute(
        select(func.count(), func.min(rows.c.clock) + period.interval())
    ).one()
    return Due(tenant.slug, rule, target.name, int(count), since)


def plan(db: Session, tenants: Iterable[Tenant], now: datetime) -> list[Due]:
    """Per tenant, rule and target: how many rows a sweep at ``now`` would remove."""
    return [
        _summary(
            db, tenant, rule, target, target.deletable(tenant.retention), target.due(tenant, now)
        )
        for tenant in tenants
        for rule, targets in RULES.items()
        for target in targets
    ]


def overdue(db: Session, tenants: Iterable[Tenant], now: datetime, grace: timedelta) -> list[Due]:
    """Rows still present more than ``grace`` after their must-be-gone-by moment."""
    found = []
    for tenant in tenants:
        for rule, targets in RULES.items():
            for target in targets:
                late = _summary(
                    db,
                    tenant,
                    rule,
                    target,
                    target.deadline(tenant.retention),
                    target.overdue(tenant, now - grace),
                )
                if late.count:
                    found.append(late)
    return found
