"""Restriction and objection: "use my data only for storage".

The flag is ``User.storage_only``; every change is a consent record (category
``content_use``, granted meaning "my content may be used beyond storage"), so its
history shows with the other choices on the account page and in the export.

warren has no internal analysis, testing or tuning of users' content yet (see
docs/rights.md): whatever is added under the brand's ``policy.content_use`` clause must
leave out users whose ``storage_only`` is set.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.accounts.preferences import ConsentContext
from warren.privacy.consent import record_choice
from warren.tenancy.tenant import Tenant

CONTENT_USE = "content_use"


def set_storage_only(
    db: Session, tenant: Tenant, user: User, wanted: bool, where: ConsentContext
) -> None:
    if wanted == user.storage_only:
        return
    user.storage_only = wanted
    record_choice(
        db,
        tenant,
        visitor_id=where.visitor_id,
        user_id=user.id,
        granted=not wanted,
        source="account",
        policy_version=where.policy_version,
        ip_value=where.ip_value,
        category=CONTENT_USE,
    )
