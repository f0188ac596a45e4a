"""The retention rules: for each, which rows of a tenant are due, from when, and by
when they must be gone. Every period comes from the tenant's ``[retention]`` config.

A rule has one or more *targets* (a table it deletes from, or clears a column of). A
target answers one question as a query: given a moment, which rows are past a period —
the *deletable* period (what the sweep removes and the plan counts) or the *deadline*
(what the overdue check reports). Each query also yields the row's clock (the moment
its period started) so the plan can show the oldest due date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.elements import SQLCoreOperations

from warren.accounts.models import SecurityEvent, User
from warren.billing.models import DemoPayment, Order
from warren.chat.models import ChatMessage
from warren.library.models import ContentItem
from warren.lifecycle.holds import held, source_of_held_item
from warren.lifecycle.models import HoldSubject
from warren.media.models import Upload
from warren.moderation.models import Report
from warren.privacy.consent_models import ConsentRecord
from warren.tenancy.tenant import RetentionSettings, Tenant


class Rule(StrEnum):
    UPLOADS = "uploads"
    TRASH = "trash"
    CONTENT = "content"
    CHATS = "chats"
    LOGS = "logs"
    INACTIVE_ACCOUNTS = "inactive_accounts"
    TRANSACTIONS = "transactions"


class Action(StrEnum):
    DELETE = "delete"  # objects (if any) first, then the rows
    CLEAR_IP = "clear_ip"  # the row stays, its IP value goes
    ERASE = "erase"  # the whole account, through erase_account


@dataclass(frozen=True)
class Period:
    days: int = 0
    months: int = 0

    def interval(self) -> ColumnElement[Any]:
        return func.make_interval(0, self.months, 0, self.days)


# (rows past the period as of ``moment``, the clock column) for one tenant.
DueQuery = Callable[[Tenant, datetime, Period], Select[Any]]


@dataclass(frozen=True)
class Target:
    name: str
    table: Any
    action: Action
    query: DueQuery
    deletable: Callable[[RetentionSettings], Period]
    deadline: Callable[[RetentionSettings], Period]
    # The column holding the row's object key, when the row has an object.
    key: SQLCoreOperations[str] | None = None

    def due(self, tenant: Tenant, moment: datetime) -> Select[Any]:
        """Rows the sweep may remove at ``moment``; columns: id, clock."""
        return self.query(tenant, moment, self.deletable(tenant.retention))

    def overdue(self, tenant: Tenant, moment: datetime) -> Select[Any]:
        """Rows that should have been gone by ``moment``; columns: id, clock."""
        return self.query(tenant, moment, self.deadline(tenant.retention))


def _past(
    clock: SQLCoreOperations[datetime] | SQLCoreOperations[datetime | None],
    moment: datetime,
    period: Period,
) -> ColumnElement[bool]:
    past: ColumnElement[bool] = clock <= literal(moment) - period.interval()
    return past


def _uploads(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    # Whichever comes first: the expiry set at upload, or the period configured now (a
    # tenant that shortens its period gets the shorter one for old uploads too).
    clock = func.least(Upload.created_at, Upload.expires_at - period.interval())
    return select(Upload.id, clock.label("clock")).where(
        Upload.tenant_id == tenant.slug,
        or_(_past(Upload.created_at, moment, period), Upload.expires_at <= moment),
        ~held(tenant.slug, HoldSubject.UPLOAD, Upload.id),
        ~held(tenant.slug, HoldSubject.ACCOUNT, Upload.user_id),
        ~source_of_held_item(tenant.slug, Upload.id),
    )


def _trashed_uploads(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    return select(Upload.id, Upload.deleted_at.label("clock")).where(
        Upload.tenant_id == tenant.slug,
        Upload.deleted_at.is_not(None),
        _past(Upload.deleted_at, moment, period),
        ~held(tenant.slug, HoldSubject.UPLOAD, Upload.id),
        ~held(tenant.slug, HoldSubject.ACCOUNT, Upload.user_id),
        ~source_of_held_item(tenant.slug, Upload.id),
    )


def _trashed_items(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    return select(ContentItem.id, ContentItem.deleted_at.label("clock")).where(
        ContentItem.tenant_id == tenant.slug,
        ContentItem.deleted_at.is_not(None),
        _past(ContentItem.deleted_at, moment, period),
        ~held(tenant.slug, HoldSubject.CONTENT_ITEM, ContentItem.id),
        ~held(tenant.slug, HoldSubject.ACCOUNT, ContentItem.user_id),
    )


def _prime_clock(
    created_at: InstrumentedAttribute[datetime], owner: Any
) -> ColumnElement[datetime]:
    """When the standard clock started: creation, or the owner's Prime expiry if later."""
    return func.greatest(created_at, func.coalesce(owner.prime_until, created_at))


def _content(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    owner = aliased(User)
    clock = _prime_clock(ContentItem.created_at, owner)
    return (
        select(ContentItem.id, clock.label("clock"))
        .join(owner, owner.id == ContentItem.user_id)
        .where(
            ContentItem.tenant_id == tenant.slug,
            ContentItem.deleted_at.is_(None),
            # Implied by the clock test; lets the (tenant, created_at) index narrow the scan.
            _past(ContentItem.created_at, moment, period),
            or_(owner.prime_until.is_(None), owner.prime_until <= moment),
            _past(clock, moment, period),
            ~held(tenant.slug, HoldSubject.CONTENT_ITEM, ContentItem.id),
            ~held(tenant.slug, HoldSubject.ACCOUNT, ContentItem.user_id),
        )
    )


def _chat_messages(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    owner = aliased(User)
    clock = _prime_clock(ChatMessage.created_at, owner)
    return (
        select(ChatMessage.id, clock.label("clock"))
        .join(owner, owner.id == ChatMessage.user_id)
        .where(
            ChatMessage.tenant_id == tenant.slug,
            _past(ChatMessage.created_at, moment, period),
            or_(owner.prime_until.is_(None), owner.prime_until <= moment),
            _past(clock, moment, period),
            ~held(tenant.slug, HoldSubject.ACCOUNT, ChatMessage.user_id),
        )
    )


def _chat_overflow(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    """Messages beyond the last N per assistant (trimmed as messages arrive; this catches
    what a lowered limit leaves over)."""
    rank = (
        func.row_number()
        .over(
            partition_by=(ChatMessage.user_id, ChatMessage.assistant_key),
            order_by=ChatMessage.id.desc(),
        )
        .label("rank")
    )
    ranked = select(ChatMessage.id, rank).where(ChatMessage.tenant_id == tenant.slug).subquery()
    # Unset for a brand without assistants: it states no chat retention, so keeps none.
    keep = tenant.retention.chat_messages_per_assistant or 0
    beyond = select(ranked.c.id).where(ranked.c.rank > keep)
    return select(ChatMessage.id, ChatMessage.created_at.label("clock")).where(
        ChatMessage.tenant_id == tenant.slug,
        ChatMessage.id.in_(beyond),
        _past(ChatMessage.created_at, moment, period),
        ~held(tenant.slug, HoldSubject.ACCOUNT, ChatMessage.user_id),
    )


def _security_events(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    return select(SecurityEvent.id, SecurityEvent.created_at.label("clock")).where(
        SecurityEvent.tenant_id == tenant.slug,
        _past(SecurityEvent.created_at, moment, period),
        or_(
            SecurityEvent.user_id.is_(None),
            ~held(tenant.slug, HoldSubject.ACCOUNT, SecurityEvent.user_id),
        ),
    )


def _consent_ips(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    return select(ConsentRecord.id, ConsentRecord.created_at.label("clock")).where(
        ConsentRecord.tenant_id == tenant.slug,
        ConsentRecord.ip_value.is_not(None),
        _past(ConsentRecord.created_at, moment, period),
        or_(
            ConsentRecord.user_id.is_(None),
            ~held(tenant.slug, HoldSubject.ACCOUNT, ConsentRecord.user_id),
        ),
    )


def _report_ips(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    # A report stays as long as its item (the queue's history); the reporter's IP value
    # is a log value and goes after the log period, like a consent record's.
    return select(Report.id, Report.created_at.label("clock")).where(
        Report.tenant_id == tenant.slug,
        Report.ip_value.is_not(None),
        _past(Report.created_at, moment, period),
    )


def _inactive_accounts(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    return select(User.id, User.last_access_at.label("clock")).where(
        User.tenant_id == tenant.slug,
        _past(User.last_access_at, moment, period),
        ~held(tenant.slug, HoldSubject.ACCOUNT, User.id),
    )


def _orders(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    # The period runs from the order's last event: a refund restarts the accounting clock.
    clock = func.greatest(Order.created_at, Order.paid_at, Order.refunded_at)
    return select(Order.id, clock.label("clock")).where(
        Order.tenant_id == tenant.slug,
        literal(tenant.retention.transaction_years is not None),
        _past(clock, moment, period),
        or_(Order.user_id.is_(None), ~held(tenant.slug, HoldSubject.ACCOUNT, Order.user_id)),
    )


def _demo_payments(tenant: Tenant, moment: datetime, period: Period) -> Select[Any]:
    # The demo gateway's own records, kept no longer than the orders they paid.
    return select(DemoPayment.id, DemoPayment.created_at.label("clock")).where(
        DemoPayment.tenant_id == tenant.slug,
        literal(tenant.retention.transaction_years is not None),
        _past(DemoPayment.created_at, moment, period),
        ~select(Order.id).where(Order.id == DemoPayment.order_id).exists(),
    )


def _days(name: str) -> Callable[[RetentionSettings], Period]:
    # Chat periods are unset for a brand without assistants: its policy states no chat
    # retention, so any chat rows it still has (from when it had one) are due at once.
    return lambda r: Period(days=getattr(r, name) or 0)


def _logs(r: RetentionSettings) -> Period:
    return Period(months=r.log_months)


def _transactions(r: RetentionSettings) -> Period:
    # A brand that sells nothing states no period; _orders then keeps whatever orders it
    # has from before (accounting records are never deleted on a guess).
    return Period(months=12 * (r.transaction_years or 0))


def _at_once(r: RetentionSettings) -> Period:
    return Period()


RULES: dict[Rule, tuple[Target, ...]] = {
    Rule.UPLOADS: (
        Target(
            "uploads", Upload, Action.DELETE, _uploads, _days("upload_days"),
            _days("upload_days"), Upload.storage_key,
        ),
    ),
    Rule.TRASH: (
        Target(
            "content_items", ContentItem, Action.DELETE, _trashed_items, _days("trash_days"),
            _days("trash_days"), ContentItem.storage_key,
        ),
        Target(
            "uploads", Upload, Action.DELETE, _trashed_uploads, _days("trash_days"),
            _days("trash_days"), Upload.storage_key,
        ),
    ),
    Rule.CONTENT: (
        Target(
            "content_items", ContentItem, Action.DELETE, _content,
            _days("content_deletable_after_days"), _days("content_deleted_by_days"),
            ContentItem.storage_key,
        ),
    ),
    Rule.CHATS: (
        Target("overflow", ChatMessage, Action.DELETE, _chat_overflow, _at_once, _at_once),
        Target(
            "chat_messages", ChatMessage, Action.DELETE, _chat_messages,
            _days("chat_deletable_after_days"), _days("chat_deleted_by_days"),
        ),
    ),
    Rule.LOGS: (
        Target("security_events", SecurityEvent, Action.DELETE, _security_events, _logs, _logs),
        Target("consent_ips", ConsentRecord, Action.CLEAR_IP, _consent_ips, _logs, _logs),
        Target("report_ips", Report, Action.CLEAR_IP, _report_ips, _logs, _logs),
    ),
    Rule.INACTIVE_ACCOUNTS: (
        Target(
            "accounts", User, Action.ERASE, _inactive_accounts, _days("inactive_account_days"),
            _days("inactive_account_days"),
        ),
    ),
    Rule.TRANSACTIONS: (
        Target("orders", Order, Action.DELETE, _orders, _transactions, _transactions),
        Target(
            "demo_payments", DemoPayment, Action.DELETE, _demo_payments, _transactions,
            _transactions,
        ),
    ),
}  # fmt: skip

# Run often (the scheduler's short interval): their periods are days, not months.
FREQUENT: tuple[Rule, ...] = (Rule.UPLOADS, Rule.TRASH)
