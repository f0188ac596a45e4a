"""When a data-subject request is due, from the tenant's ``policy.rights_deadline``.

Per jurisdiction: GDPR one calendar month (a month end clamps: January 31 + one month is
the last day of February), extendable once by ``gdpr_extension_months``; CCPA
``ccpa_days``, extendable once by ``ccpa_extension_days``, and acknowledged within
``ccpa_ack_business_days`` business days; any other request ``days``, not extendable.
Business days are Monday to Friday (public holidays differ by place and are not known).
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import StrEnum

from warren.errors import InvalidInput
from warren.tenancy.policy_settings import RightsDeadline


class Jurisdiction(StrEnum):
    GDPR = "gdpr"
    CCPA = "ccpa"
    OTHER = "other"


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_business_days(moment: datetime, days: int) -> datetime:
    result = moment
    while days > 0:
        result += timedelta(days=1)
        if result.weekday() < 5:
            days -= 1
    return result


def due_at(policy: RightsDeadline, jurisdiction: Jurisdiction, received_at: datetime) -> datetime:
    if jurisdiction is Jurisdiction.GDPR:
        return add_months(received_at, 1)
    if jurisdiction is Jurisdiction.CCPA:
        return received_at + timedelta(days=policy.ccpa_days)
    return received_at + timedelta(days=policy.days)


def extended_due_at(
    policy: RightsDeadline, jurisdiction: Jurisdiction, received_at: datetime
) -> datetime:
    """The due date after the one extension; InvalidInput where the law allows none."""
    if jurisdiction is Jurisdiction.GDPR:
        return add_months(received_at, 1 + policy.gdpr_extension_months)
    if jurisdiction is Jurisdiction.CCPA:
        return received_at + timedelta(days=policy.ccpa_days + policy.ccpa_extension_days)
    raise InvalidInput({"extension": "Only GDPR and CCPA requests can be extended."})


def acknowledge_by(
    policy: RightsDeadline, jurisdiction: Jurisdiction, received_at: datetime
) -> datetime | None:
    if jurisdiction is Jurisdiction.CCPA:
        return add_business_days(received_at, policy.ccpa_ack_business_days)
    return None
