"""What a user chooses on the account page: interface language, marketing emails, and
withdrawing consent in one step.

Marketing emails are off until the user opts in, and only a verified address can opt
in. Every change of a consent is a row in ``consent_records`` (time, policy version, IP
value), so the history, not only the latest state, can be shown and exported.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from warren.accounts.models import User
from warren.accounts.verification import require_verified
from warren.errors import InvalidInput
from warren.privacy.consent import ANALYTICS, MARKETING, record_choice
from warren.privacy.consent_models import ConsentRecord
from warren.tenancy.tenant import Tenant


@dataclass(frozen=True)
class ConsentContext:
    """Where a choice is made from: the browser's consent id, the policy in force, the
    request's IP value."""

    visitor_id: uuid.UUID
    policy_version: str
    ip_value: str


def set_language(tenant: Tenant, user: User, language: str) -> None:
    if language not in tenant.languages:
        raise InvalidInput(
            {"language": f"{tenant.name} is offered in: {', '.join(tenant.languages)}."}
        )
    user.language = language


def set_marketing(
    db: Session, tenant: Tenant, user: User, wanted: bool, where: ConsentContext
) -> None:
    if wanted == user.marketing_emails:
        return
    if wanted:
        require_verified(user)
    user.marketing_emails = wanted
    record_choice(
        db,
        tenant,
        visitor_id=where.visitor_id,
        user_id=user.id,
        granted=wanted,
        source="account",
        policy_version=where.policy_version,
        ip_value=where.ip_value,
        category=MARKETING,
    )


def withdraw_consents(db: Session, tenant: Tenant, user: User, where: ConsentContext) -> None:
    """Marketing emails off, and analytics refused where the tenant asks for consent."""
    user.marketing_emails = False
    categories = [MARKETING]
    if tenant.analytics.consent == "opt_in":
        categories.append(ANALYTICS)
    for category in categories:
        record_choice(
            db,
            tenant,
            visitor_id=where.visitor_id,
            user_id=user.id,
            granted=False,
            source="account",
            policy_version=where.policy_version,
            ip_value=where.ip_value,
            category=category,
        )


def consent_history(db: Session, tenant: Tenant, user: User) -> list[ConsentRecord]:
    return list(
        db.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.tenant_id == tenant.slug, ConsentRecord.user_id == user.id)
            .order_by(ConsentRecord.created_at.desc(), ConsentRecord.id.desc())
        )
    )
