"""The energy-point ledger (every movement is a row), each user's running balance (kept
in the same transaction as every movement, checked against the ledger's sum), the
orders that buy points and Prime, and the demo gateway's own record of payments."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Dialect,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from warren.db.base import Base, TenantOwned, utcnow

MOVEMENT_KINDS = ("grant", "reserve", "capture", "refund", "purchase", "reversal")


class PointMovement(TenantOwned, Base):
    """grant (+n), reserve (−n, held for a job), capture (0: the hold is final), refund (+n),
    purchase (+n, an order paid), reversal (−n, a paid order refunded).

    At most one reserve, capture and refund per job and one purchase and reversal per
    order (unique indexes), so a redelivered job message or payment notification can
    neither charge nor credit twice.
    """

    __tablename__ = "point_movements"
    __table_args__ = (
        Index(
            "uq_point_movements_job_kind",
            "job_id",
            "kind",
            unique=True,
            postgresql_where=text("job_id IS NOT NULL"),
        ),
        Index(
            "uq_point_movements_order_kind",
            "order_id",
            "kind",
            unique=True,
            postgresql_where=text("order_id IS NOT NULL"),
        ),
        Index("ix_point_movements_tenant_user", "tenant_id", "user_id"),
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in MOVEMENT_KINDS) + ")", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # Cut (NULL) when the account is erased: the ledger is kept for the tenant's
    # transaction period, the person is not.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int]
    job_id: Mapped[uuid.UUID | None]
    # No foreign key: an order outlives the account (and so its movements) by years.
    order_id: Mapped[uuid.UUID | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointBalance(TenantOwned, Base):
    """A user's balance: the sum of their movements, kept up to date by every ledger write
    (``warren.billing.ledger.record``) so reading it costs one row, however long the
    history. ``warren points check`` compares it with the ledger's sum."""

    __tablename__ = "point_balances"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BalanceCheck(TenantOwned, Base):
    """One run of the balance check for a tenant: what ``/metrics`` reports between runs."""

    __tablename__ = "point_balance_checks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    users: Mapped[int]
    mismatches: Mapped[int]


class OrderState(StrEnum):
    """created → pending (the gateway has a checkout) → paid | failed | cancelled;
    paid → refunded. A payment the gateway reports as taken wins over an earlier
    failure or cancellation (notifications may arrive out of order)."""

    CREATED = "created"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


OPEN_STATES = (OrderState.CREATED, OrderState.PENDING)


class _OrderStateType(TypeDecorator[OrderState]):
    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: OrderState | None, dialect: Dialect) -> str | None:
        return None if value is None else OrderState(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> OrderState | None:
        return None if value is None else OrderState(value)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=column)


ITEM_KINDS = ("points", "prime")
GATEWAYS = ("demo", "stripe", "yookassa")


class Order(TenantOwned, Base):
    """A purchase of points or Prime: the accounting record warren keeps for the
    tenant's transaction period (retention.transaction_years), also after the account is
    deleted — the user reference is then cut (``ON DELETE SET NULL``), the amounts, dates
    and the gateway's ids stay. Card data never reaches warren (hosted checkout only)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("gateway", "gateway_payment_id", name="uq_orders_gateway_payment"),
        Index("ix_orders_tenant_user", "tenant_id", "user_id"),
        Index("ix_orders_state_created", "state", "created_at"),
        _one_of("state", tuple(OrderState)),
        _one_of("item_kind", ITEM_KINDS),
        _one_of("gateway", GATEWAYS),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    item_key: Mapped[str] = mapped_column(String(40))
    item_kind: Mapped[str] = mapped_column(String(10))
    # What the item gave when it was bought (the catalogue may change later).
    points: Mapped[int] = mapped_column(default=0)
    prime_days: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    gateway: Mapped[str] = mapped_column(String(20))
    state: Mapped[OrderState] = mapped_column(_OrderStateType, default=OrderState.CREATED)
    gateway_payment_id: Mapped[str | None] = mapped_column(String(120))
    # The gateway's confirmation of the payment (its status and event/transaction id).
    confirmation: Mapped[str | None] = mapped_column(Text)
    refund_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    receipt_sent_at: Mapped[datetime | None]

    @property
    def title(self) -> str:
        if self.item_kind == "points":
            return f"{self.points} energy points"
        return f"Prime for {self.prime_days} days"


DEMO_STATUSES = ("open", "succeeded", "failed", "abandoned", "refunded")


class DemoPayment(TenantOwned, Base):
    """The demo gateway's side of a payment: what a real gateway keeps on its servers.
    warren reads it only through the gateway interface."""

    __tablename__ = "demo_payments"
    __table_args__ = (_one_of("status", DEMO_STATUSES),)

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    order_id: Mapped[uuid.UUID]
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    success_url: Mapped[str] = mapped_column(Text)
    cancel_url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckoutDraft(TenantOwned, Base):
    """An order form a user left to buy points: kept server-side for a day so the prompt
    travels in no URL and reaches no gateway, then purged."""

    __tablename__ = "checkout_drafts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_key: Mapped[str] = mapped_column(String(40))
    prompt: Mapped[str] = mapped_column(Text)
    reference_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    # The order bought to afford it: its return page leads back here.
    order_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
