"""Reports by visitors of a share link. (Flags raised in the console are in ``queue``.)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warren.errors import InvalidInput
from warren.i18n import N_
from warren.moderation.models import Report, ReportReason, ReportSource
from warren.moderation.shares import open_share
from warren.tenancy.tenant import Tenant

DETAILS_LIMIT = 2000


def parse_reason(value: str) -> ReportReason:
    try:
        return ReportReason(value)
    except ValueError:
        raise InvalidInput({"reason": N_("Choose what is wrong with it.")}) from None


def clean_details(value: str) -> str | None:
    details = value.strip()
    if len(details) > DETAILS_LIMIT:
        raise InvalidInput({"details": f"Say it in at most {DETAILS_LIMIT} characters."})
    return details or None


def report_shared(
    db: Session, tenant: Tenant, token: str, reason: str, details: str, ip_value: str
) -> Report:
    """A visitor's report about the item behind a share link. Only the tenant's IP value
    is kept (a keyed hash for hashed-IP tenants), never who the visitor is."""
    shared = open_share(db, tenant, token)
    report = Report(
        tenant_id=tenant.slug,
        content_item_id=shared.item.id,
        share_id=shared.link.id,
        source=ReportSource.REPORT.value,
        reason=parse_reason(reason).value,
        details=clean_details(details),
        ip_value=ip_value,
    )
    db.add(report)
    db.flush()
    return report
