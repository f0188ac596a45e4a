"""Deleting one's own account: what goes, what stays, and the checks before it goes.

The erasure itself is the retention engine's one routine (``erase_account``). The
confirmation email needs the address after the account is gone, so the address travels
only inside the queued message (and its outbox row until sent), never in a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from warren.accounts.mailing import language_of, send, words_in
from warren.accounts.models import User
from warren.accounts.passwords import verify_password
from warren.accounts.security_log import record_event
from warren.accounts.two_factor import WRONG_CODE, second_factor_ok
from warren.errors import InvalidInput
from warren.i18n import N_
from warren.lifecycle.erasure import AccountHeld, erase_account
from warren.lifecycle.models import ErasureReason
from warren.mail.base import Mailer
from warren.queue.port import enqueue_after_commit
from warren.storage.base import ObjectStore
from warren.tenancy.secrets import TenantKeys
from warren.tenancy.tenant import Tenant

DELETED_EMAIL_ACTOR = "send_account_deleted_email"
HELD = N_(
    "Your account cannot be deleted right now: a hold on it prevents deletion. "
    "Write to the support address if you have questions."
)


class DeletionHeld(AccountHeld):
    """A hold prevents the deletion; the message says so and nothing about the hold."""


@dataclass(frozen=True)
class DeletionPlan:
    goes: tuple[str, ...]
    stays: tuple[str, ...]


def deletion_plan(tenant: Tenant, language: str | None = None) -> DeletionPlan:
    """What deleting the account removes and keeps, in the words the page (and the
    confirmation email) shows, in ``language`` (the brand's default if None)."""
    words = words_in(tenant, language)
    _ = words.gettext
    years = tenant.retention.transaction_years
    return DeletionPlan(
        goes=(
            _("your account: username, email address, password and two-factor settings"),
            _("everything you created, including items in the trash, with their files"),
            _("your uploads and their files"),
            _("your chats with the assistants"),
            _("your generation requests and their prompts"),
            _("your sessions, sign-in and security history and network addresses"),
            _("your consent choices and preferences"),
            _("your energy points balance and Prime status (unused points are lost)"),
        ),
        stays=(
            *(
                ()
                if years is None
                else (
                    _(
                        "your payment transactions and points movements, kept for %(period)s "
                        "as accounting law requires, with the link to your account cut: "
                        "nobody can tell whose they were",
                        period=words.ngettext("%(num)s year", "%(num)s years", years),
                    ),
                )
            ),
            _(
                "a record that an account of %(brand)s was deleted, with the date and "
                "nothing about whose it was",
                brand=tenant.name,
            ),
        ),
    )


def delete_own_account(
    db: Session,
    store: ObjectStore,
    tenant: Tenant,
    keys: TenantKeys,
    user: User,
    password: str,
    code: str,
    ip_value: str,
) -> None:
    """Erase the signed-in user's account after re-checking the password (and second
    factor); raises InvalidInput on a wrong credential, DeletionHeld under a hold."""
    errors = {}
    if not verify_password(password, user.password_hash):
        errors["current"] = N_("This is not your current password.")
    elif user.has_two_factor and second_factor_ok(db, tenant, keys, user, code) is None:
        errors["code"] = WRONG_CODE
    if errors:
        record_event(db, tenant, "account_deletion_failed", ip_value, user.id)
        raise InvalidInput(errors)
    email, language = user.email, language_of(tenant, user)
    try:
        erase_account(db, store, tenant, user.id, ErasureReason.SELF_SERVICE)
    except AccountHeld as held:
        raise DeletionHeld(HELD) from held
    enqueue_after_commit(db, DELETED_EMAIL_ACTOR, tenant.slug, email, language)


def send_account_deleted_email(
    mailer: Mailer, tenant: Tenant, email: str, language: str | None = None
) -> None:
    plan = deletion_plan(tenant, language)
    _ = words_in(tenant, language).gettext
    send(
        mailer,
        tenant,
        email,
        _("Your %(brand)s account is deleted", brand=tenant.name),
        _(
            "Your %(brand)s account and its data are deleted, as you asked.\n\n"
            "What stays:\n%(stays)s\n"
            "This address is not kept: this is the last email you get from us about the "
            "account. Questions: %(support)s\n",
            brand=tenant.name,
            stays="".join(f"- {line}\n" for line in plan.stays),
            support=tenant.support_email,
        ),
    )
