"""Data-subject requests: deadline arithmetic on fixed dates, the states and their
record, and `warren requests list` for ops."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from retention_world import World
from sqlalchemy import select
from test_retention_rules import make_world

from warren.db.base import utcnow
from warren.db.unit_of_work import unit_of_work
from warren.errors import Conflict, InvalidInput
from warren.rights.deadlines import (
    Jurisdiction,
    acknowledge_by,
    add_business_days,
    due_at,
    extended_due_at,
)
from warren.rights.models import RequestChannel, RequestKind, RequestState, RequestTransition
from warren.rights.requests import extend, move, open_request
from warren.runtime import Runtime
from warren.settings import Settings
from warren.tenancy.policy_settings import RightsDeadline

POLICY = RightsDeadline(wording="detailed", gdpr=True, ccpa=True)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "due", "extended"),
    [
        ("2027-01-31", "2027-02-28", "2027-04-30"),  # a month end clamps
        ("2028-01-31", "2028-02-29", "2028-04-30"),  # a leap year
        ("2027-03-31", "2027-04-30", "2027-06-30"),
        ("2027-11-15", "2027-12-15", "2028-02-15"),  # across the year
        ("2027-12-31", "2028-01-31", "2028-03-31"),
    ],
)
def test_gdpr_is_one_calendar_month_extendable_by_two(
    received: str, due: str, extended: str
) -> None:
    assert due_at(POLICY, Jurisdiction.GDPR, at(received)) == at(due)
    assert extended_due_at(POLICY, Jurisdiction.GDPR, at(received)) == at(extended)
    assert acknowledge_by(POLICY, Jurisdiction.GDPR, at(received)) is None


def test_ccpa_days_extension_and_acknowledgment_in_business_days() -> None:
    friday, saturday = at("2027-01-01"), at("2027-01-02")
    assert due_at(POLICY, Jurisdiction.CCPA, friday) == at("2027-02-15")
    assert extended_due_at(POLICY, Jurisdiction.CCPA, friday) == at("2027-04-01")
    # ten weekdays: a weekend in between does not count, nor the weekend it arrived on
    assert acknowledge_by(POLICY, Jurisdiction.CCPA, friday) == at("2027-01-15")
    assert acknowledge_by(POLICY, Jurisdiction.CCPA, saturday) == at("2027-01-15")
    assert add_business_days(at("2027-01-08"), 1) == at("2027-01-11")  # Friday → Monday
    other = RightsDeadline(
        wording="detailed", gdpr=True, ccpa=True, days=20, ccpa_days=30,
        ccpa_extension_days=10, ccpa_ack_business_days=3, gdpr_extension_months=1,
    )  # fmt: skip
    assert due_at(other, Jurisdiction.CCPA, friday) == at("2027-01-31")
    assert extended_due_at(other, Jurisdiction.CCPA, friday) == at("2027-02-10")
    assert acknowledge_by(other, Jurisdiction.CCPA, friday) == at("2027-01-06")
    assert extended_due_at(other, Jurisdiction.GDPR, at("2027-01-31")) == at("2027-03-31")
    assert due_at(other, Jurisdiction.OTHER, friday) == at("2027-01-21")
    with pytest.raises(InvalidInput):
        extended_due_at(other, Jurisdiction.OTHER, friday)


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    settings: Settings,
    database_url: str,
    stub_broker: StubBroker,
) -> Iterator[World]:
    yield from make_world("local", request, tmp_path, settings, database_url, stub_broker)


def test_states_extension_and_every_transition_recorded(runtime: Runtime) -> None:
    songly = runtime.registry.get("songly")
    with unit_of_work(runtime.sessions) as db:
        request = open_request(
            db, songly, RequestKind.ACCESS, RequestChannel.EMAIL, Jurisdiction.GDPR,
            at("2027-01-31"), by="support@songly",
        )  # fmt: skip
        request_id = request.id
        assert request.due_at == at("2027-02-28")
    with unit_of_work(runtime.sessions) as db:
        move(db, songly, request_id, RequestState.VERIFYING, by="support@songly")
        with pytest.raises(InvalidInput):
            extend(db, songly, request_id, by="support@songly", reason=" ")
        assert extend(
            db, songly, request_id, by="support@songly", reason="many files"
        ).due_at == at("2027-04-30")
    with unit_of_work(runtime.sessions) as db, pytest.raises(Conflict):
        extend(db, songly, request_id, by="support@songly", reason="again")
    with unit_of_work(runtime.sessions) as db, pytest.raises(Conflict):
        move(db, songly, request_id, RequestState.COMPLETED, by="support@songly")
    with unit_of_work(runtime.sessions) as db:
        move(db, songly, request_id, RequestState.IN_PROGRESS, by="support@songly")
    with unit_of_work(runtime.sessions) as db, pytest.raises(InvalidInput):
        move(db, songly, request_id, RequestState.REFUSED, by="support@songly")
    with unit_of_work(runtime.sessions) as db:
        move(db, songly, request_id, RequestState.COMPLETED, by="support@songly", reason="sent")
    with unit_of_work(runtime.sessions) as db, pytest.raises(Conflict):
        move(db, songly, request_id, RequestState.IN_PROGRESS, by="support@songly")
    with runtime.sessions() as db:
        trail = [
            (t.from_state, t.to_state, t.note)
            for t in db.scalars(
                select(RequestTransition)
                .where(RequestTransition.request_id == request_id)
                .order_by(RequestTransition.id)
            )
        ]
    assert trail == [
        (None, "received", "access by email"),
        ("received", "verifying", ""),
        ("verifying", "verifying", "extended: many files"),
        ("verifying", "in_progress", ""),
        ("in_progress", "completed", "sent"),
    ]
    # Another tenant cannot reach it.
    with (
        unit_of_work(runtime.sessions) as db,
        pytest.raises(Exception, match="no data-subject request"),
    ):
        move(db, runtime.registry.get("vizardio"), request_id, RequestState.REFUSED, "x", "y")


def test_requests_list_for_ops(world: World) -> None:
    runtime = world.runtime
    with unit_of_work(runtime.sessions) as db:
        late = open_request(
            db, runtime.registry.get("songly"), RequestKind.ERASURE, RequestChannel.WEB,
            Jurisdiction.OTHER, utcnow() - timedelta(days=40), by="web",
        ).id  # fmt: skip
        fresh = open_request(
            db, runtime.registry.get("vizardio"), RequestKind.PORTABILITY, RequestChannel.EMAIL,
            Jurisdiction.CCPA, utcnow() - timedelta(days=1), by="support@vizardio",
        ).id  # fmt: skip
    overdue = world.warren("requests", "list", "--overdue")
    assert overdue.returncode == 0, overdue.stderr
    assert str(late) in overdue.stdout
    assert "OVERDUE" in overdue.stdout
    assert str(fresh) not in overdue.stdout
    everything = world.warren("requests", "list")
    assert str(late) in everything.stdout
    assert str(fresh) in everything.stdout
    only = world.warren("requests", "list", "vizardio")
    assert str(fresh) in only.stdout
    assert str(late) not in only.stdout
    assert "no overdue requests" in world.warren("requests", "list", "vizardio", "--overdue").stdout
    unknown = world.warren("requests", "list", "nosuchbrand")
    assert unknown.returncode != 0
    assert "nosuchbrand" in unknown.stderr
