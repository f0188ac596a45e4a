"""The order history on /account/orders: the signed-in user's generation orders and
payments with state, date and price, newest first, keyset-paged — and never another
user's or another brand's."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from warren.accounts.lookup import find_user
from warren.billing.models import Order, OrderState
from warren.generation.models import Job, JobState
from warren.runtime import Runtime

from webclient import BrandClient, sign_up_and_sign_in

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _user_id(runtime: Runtime, slug: str, username: str) -> uuid.UUID:
    with runtime.sessions() as db:
        user = find_user(db, runtime.registry.get(slug), username)
        assert user is not None
        return user.id


def _jobs(
    runtime: Runtime,
    slug: str,
    user_id: uuid.UUID,
    count: int,
    *,
    at: datetime = T0,
    product: str = "poem",
    assistant: str | None = None,
) -> list[str]:
    """``count`` jobs, a minute apart going back from ``at``; every third shares the
    previous one's time (ties are ordered by id)."""
    made = []
    with runtime.sessions() as db:
        for n in range(count):
            job = Job(
                id=uuid.uuid4(),
                tenant_id=slug,
                user_id=user_id,
                product_key=product,
                category="assistant" if assistant else "poem",
                assistant_key=assistant,
                provider="demo",
                prompt=f"order {n}",
                price=5,
                status=[JobState.DONE, JobState.FAILED, JobState.PENDING][n % 3],
                created_at=at - timedelta(minutes=n - n // 3),
            )
            db.add(job)
            made.append(str(job.id))
        db.commit()
    return made


def _payment(runtime: Runtime, slug: str, user_id: uuid.UUID, state: OrderState) -> uuid.UUID:
    with runtime.sessions() as db:
        order = Order(
            id=uuid.uuid4(),
            tenant_id=slug,
            user_id=user_id,
            item_key="points-100",
            item_kind="points",
            points=100,
            amount=Decimal("4.99"),
            currency="USD",
            gateway="demo",
            state=state,
            created_at=T0 - timedelta(days=1),
        )
        db.add(order)
        db.commit()
        return order.id


def _ids(page: httpx.Response, attribute: str) -> list[str]:
    return re.findall(rf'data-{attribute}="([0-9a-f-]{{36}})"', page.text)


def test_history_lists_own_orders_with_state_date_and_price(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    ann = brand("songly")
    sign_up_and_sign_in(ann, "ann@example.com", "ann")
    ann_id = _user_id(runtime, "songly", "ann")
    jobs = _jobs(runtime, "songly", ann_id, 3, product="song")
    _jobs(runtime, "songly", ann_id, 2, assistant="lyricist", product="assistant")
    paid = _payment(runtime, "songly", ann_id, OrderState.PAID)

    page = ann.get("/account/orders")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    # Newest first; assistant replies are the chat's, not orders.
    assert _ids(page, "job") == jobs
    assert _ids(page, "order") == [str(paid)]
    row = re.search(rf'<tr data-job="{jobs[0]}">(.*?)</tr>', page.text, re.S)
    assert row is not None
    assert "20 November 2026, 09:30" in row.group(1)
    assert f'<a href="/jobs/{jobs[0]}">Gift song</a>' in row.group(1)
    assert "5 points" in row.group(1)
    assert ">done<" in row.group(1)
    assert ">failed<" in page.text
    assert ">waiting<" in page.text
    order_row = re.search(rf'<tr data-order="{paid}">(.*?)</tr>', page.text, re.S)
    assert order_row is not None
    assert "100 energy points" in order_row.group(1)
    assert "4.99 USD" in order_row.group(1)
    assert ">paid<" in order_row.group(1)
    # Reachable from the account page and the menu.
    assert 'href="/account/orders"' in ann.get("/account").text


def test_another_users_or_another_brands_orders_never_show(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    ann = brand("songly")
    sign_up_and_sign_in(ann, "ann@example.com", "ann")
    bob = brand("songly")
    sign_up_and_sign_in(bob, "bob@example.com", "bob")
    # The same person with an account of the same name on another brand.
    ann_elsewhere = brand("vizardio")
    sign_up_and_sign_in(ann_elsewhere, "ann@example.com", "ann")

    ann_jobs = _jobs(runtime, "songly", _user_id(runtime, "songly", "ann"), 2)
    bob_jobs = _jobs(runtime, "songly", _user_id(runtime, "songly", "bob"), 2)
    viz_id = _user_id(runtime, "vizardio", "ann")
    viz_jobs = _jobs(runtime, "vizardio", viz_id, 2)
    viz_paid = _payment(runtime, "vizardio", viz_id, OrderState.PENDING)
    bob_paid = _payment(runtime, "songly", _user_id(runtime, "songly", "bob"), OrderState.PAID)

    page = ann.get("/account/orders")
    assert _ids(page, "job") == ann_jobs
    assert _ids(page, "order") == []
    for foreign in [*bob_jobs, *viz_jobs, viz_paid, bob_paid]:
        assert str(foreign) not in page.text

    page = ann_elsewhere.get("/account/orders")
    assert _ids(page, "job") == viz_jobs
    assert _ids(page, "order") == [str(viz_paid)]

    # Ann's songly session cookie carried to vizardio's host does not open her history
    # there (nor show songly's orders under vizardio's name).
    stray = brand("vizardio")
    stray.cookies.update(ann.cookies)
    carried = stray.get("/account/orders")
    assert carried.status_code == 303
    assert carried.headers["location"].startswith("/sign-in")


def test_pages_follow_the_keyset_without_gaps_or_repeats(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    ann = brand("homiwork")
    sign_up_and_sign_in(ann, "ann@example.com", "ann")
    ann_id = _user_id(runtime, "homiwork", "ann")
    jobs = _jobs(runtime, "homiwork", ann_id, 45)

    first = ann.get("/account/orders")
    assert len(_ids(first, "job")) == 20
    # A new order arriving now does not shift what the next pages show.
    newest = _jobs(runtime, "homiwork", ann_id, 1, at=T0 + timedelta(hours=1))
    seen = _ids(first, "job")
    page = first
    while link := re.search(r'href="(/account/orders\?made=[^"]+)" rel="next"', page.text):
        page = ann.get(link.group(1).replace("&amp;", "&"))
        assert page.status_code == 200
        seen += _ids(page, "job")
    with runtime.sessions() as db:
        expected = [
            str(job.id)
            for job in db.query(Job)
            .filter(Job.id.in_([uuid.UUID(j) for j in jobs]))
            .order_by(Job.created_at.desc(), Job.id.desc())
        ]
    assert seen == expected
    assert len(seen) == 45
    assert newest[0] in ann.get("/account/orders").text


def test_a_cursor_warren_did_not_make_is_a_400_that_says_so(
    brand: Callable[..., BrandClient],
) -> None:
    ann = brand("vizardio")
    sign_up_and_sign_in(ann, "ann@example.com", "ann")
    for cursor in ["not-a-cursor", "%FF%FE", "MjAyNnxub3BlCg"]:
        page = ann.get(f"/account/orders?made={cursor}")
        assert page.status_code == 400, cursor
        assert "This page link is not valid" in page.text
    assert ann.get("/account/orders?paid=garbage").status_code == 400


def test_signed_out_visitors_are_sent_to_sign_in(brand: Callable[..., BrandClient]) -> None:
    page = brand("songly").get("/account/orders")
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=/account/orders"
