"""The library as a user with many items sees it: pages by keyset, kinds, title search,
when each item will be removed, and deleting (one or several) only after confirming."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from warren.accounts.lookup import find_user
from warren.accounts.models import User
from warren.library.browse import content_clock_start, removal
from warren.library.models import ContentItem
from warren.lifecycle.rules import RULES, Rule
from warren.runtime import Runtime

from webclient import BrandClient, field, sign_up_and_sign_in

ITEM_ID = re.compile(r'<li id="item-([0-9a-f-]{36})">')
KINDS = ["song", "image", "poem", "text", "video"]


def member(
    brand: Callable[..., BrandClient], runtime: Runtime, slug: str, name: str
) -> tuple[BrandClient, uuid.UUID]:
    client = brand(slug)
    assert sign_up_and_sign_in(client, f"{name}@example.com", name).status_code == 303
    with runtime.sessions() as db:
        user = find_user(db, runtime.registry.get(slug), name)
        assert user is not None
        return client, user.id


def seed(runtime: Runtime, slug: str, user_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    """``count`` items, one minute apart, newest last; titles "Item 0" … with a kind each."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    ids = []
    with runtime.sessions() as db:
        for n in range(count):
            item = ContentItem(
                id=uuid.uuid4(),
                tenant_id=slug,
                user_id=user_id,
                category=KINDS[n % len(KINDS)],
                product_key="poem",
                title=f"Item {n}" + (" 100%_off" if n == 7 else ""),
                content_type="text/plain",
                extension="txt",
                size_bytes=1,
                storage_key=f"results/{user_id}/{n}.txt",
                is_demo=True,
                source_upload_ids=[],
                created_at=start + timedelta(minutes=n),
                created_with_prime=False,
            )
            db.add(item)
            ids.append(item.id)
        db.commit()
    return ids


def shown(html: str) -> list[str]:
    return ITEM_ID.findall(html)


def test_pages_by_keyset_cover_everything_once_newest_first(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client, user_id = member(brand, runtime, "songly", "collector")
    ids = [str(i) for i in seed(runtime, "songly", user_id, 45)]
    # Another user's items on the same brand, and the same name on another brand.
    _, neighbour = member(brand, runtime, "songly", "neighbour")
    seed(runtime, "songly", neighbour, 5)
    _, twin = member(brand, runtime, "homiwork", "collector")
    seed(runtime, "homiwork", twin, 5)

    seen: list[str] = []
    page = client.get("/library")
    pages = 0
    while True:
        pages += 1
        assert page.status_code == 200
        seen += shown(page.text)
        following = re.search(r'<a href="([^"]+)" rel="next">', page.text)
        if following is None:
            break
        page = client.get(following.group(1).replace("&amp;", "&"))
    assert pages == 3
    assert seen == list(reversed(ids))


def test_kind_filter_and_title_search(brand: Callable[..., BrandClient], runtime: Runtime) -> None:
    client, user_id = member(brand, runtime, "vizardio", "finder")
    ids = [str(i) for i in seed(runtime, "vizardio", user_id, 12)]
    songs = shown(client.get("/library", params={"kind": "song"}).text)
    assert songs == [ids[n] for n in (10, 5, 0)]
    # % and _ are literal characters in a search, not patterns.
    assert shown(client.get("/library", params={"q": "100%_"}).text) == [ids[7]]
    assert shown(client.get("/library", params={"q": "item 1"}).text) == [ids[11], ids[10], ids[1]]
    assert client.get("/library", params={"kind": "hologram"}).status_code == 400
    broken = client.get("/library", params={"after": "not-a-cursor!"})
    assert broken.status_code == 400
    assert "start from the first page" in broken.text


def test_removal_dates_follow_the_tenant_numbers_and_prime(runtime: Runtime) -> None:
    made = datetime(2026, 1, 10, 12, tzinfo=UTC)
    item = ContentItem(created_at=made)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    for slug in ["songly", "homiwork"]:
        tenant = runtime.registry.get(slug)
        days = tenant.retention
        window = removal(tenant, item, None, now)
        assert window.earliest == (made + timedelta(days=days.content_deletable_after_days)).date()
        assert window.latest == (made + timedelta(days=days.content_deleted_by_days)).date()
    tenant = runtime.registry.get("songly")
    other = tenant.model_copy(
        update={
            "retention": tenant.retention.model_copy(update={"content_deletable_after_days": 30})
        }
    )
    assert removal(other, item, None, now).earliest == datetime(2026, 2, 9).date()
    # With Prime: kept. After Prime ended: the clock starts at its end, not at creation.
    assert removal(tenant, item, now + timedelta(days=1), now).kept_with_prime
    ended = datetime(2026, 1, 20, tzinfo=UTC)
    assert content_clock_start(made, ended) == ended
    assert (
        removal(tenant, item, ended, now).earliest
        == (ended + timedelta(days=tenant.retention.content_deletable_after_days)).date()
    )
    assert content_clock_start(made, made - timedelta(days=3)) == made


def test_the_page_states_when_items_go(brand: Callable[..., BrandClient], runtime: Runtime) -> None:
    client, user_id = member(brand, runtime, "homiwork", "planner")
    seed(runtime, "homiwork", user_id, 1)
    tenant = runtime.registry.get("homiwork")
    made = datetime(2026, 11, 1, tzinfo=UTC)
    earliest = made + timedelta(days=tenant.retention.content_deletable_after_days)
    page = client.get("/library").text
    assert f"Removed between {earliest.day} {earliest:%B %Y}" in page


def test_deleting_asks_first_and_touches_only_the_users_own_items(
    brand: Callable[..., BrandClient], runtime: Runtime
) -> None:
    client, user_id = member(brand, runtime, "songly", "tidy")
    mine = seed(runtime, "songly", user_id, 3)
    _, other = member(brand, runtime, "songly", "bystander")
    [theirs] = seed(runtime, "songly", other, 1)

    confirm = client.get("/library/delete", params={"item": [str(mine[0]), str(mine[1])]})
    assert confirm.status_code == 200
    assert "Move 2 items to the trash?" in confirm.text
    assert deleted(runtime, mine) == []  # nothing happens before the confirmation

    response = client.post(
        "/library/delete",
        data={
            "_csrf": field(confirm.text, "_csrf"),
            "item": [str(mine[0]), str(mine[1]), str(theirs)],
        },
    )
    assert response.status_code == 303
    assert deleted(runtime, [*mine, theirs]) == [mine[0], mine[1]]
    # Someone else's item is not even offered for confirmation.
    assert client.get("/library/delete", params={"item": str(theirs)}).status_code == 400
    # The deleted items wait in the trash.
    trash = client.get("/library").text
    assert f'id="trash-item-{mine[0]}"' in trash


def deleted(runtime: Runtime, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    with runtime.sessions() as db:
        found = set(
            db.scalars(
                select(ContentItem.id).where(
                    ContentItem.id.in_(ids), ContentItem.deleted_at.is_not(None)
                )
            )
        )
    return [i for i in ids if i in found]


@pytest.mark.parametrize("count", [10, 2000])
def test_a_page_reads_one_page_of_rows_whatever_the_library_size(
    brand: Callable[..., BrandClient], runtime: Runtime, count: int
) -> None:
    client, user_id = member(brand, runtime, "vizardio", f"hoarder{count}")
    seed(runtime, "vizardio", user_id, count)
    page = client.get("/library")
    assert len(shown(page.text)) == min(count, 20)
    assert len(page.content) < 60_000


@pytest.mark.parametrize("prime_ended", [False, True])
def test_the_stated_removal_window_is_the_one_the_sweep_keeps(
    brand: Callable[..., BrandClient], runtime: Runtime, prime_ended: bool
) -> None:
    _, user_id = member(brand, runtime, "songly", f"window{int(prime_ended)}")
    [item_id] = seed(runtime, "songly", user_id, 1)
    tenant = runtime.registry.get("songly")
    prime_until = datetime(2026, 11, 20, tzinfo=UTC) if prime_ended else None
    with runtime.sessions() as db:
        db.execute(update(User).where(User.id == user_id).values(prime_until=prime_until))
        db.commit()
        item = db.get(ContentItem, item_id)
        assert item is not None
        window = removal(tenant, item, prime_until, datetime(2026, 11, 25, tzinfo=UTC))
        assert window.earliest is not None
        assert window.latest is not None
        [content] = [t for t in RULES[Rule.CONTENT] if t.table is ContentItem]

        def swept(day: datetime, deadline: bool = False) -> bool:
            query = content.overdue(tenant, day) if deadline else content.due(tenant, day)
            return item_id in set(db.scalars(query.with_only_columns(ContentItem.id)))

        start = content_clock_start(item.created_at, prime_until)
        first = start + timedelta(days=tenant.retention.content_deletable_after_days)
        last = start + timedelta(days=tenant.retention.content_deleted_by_days)
        assert (first.date(), last.date()) == (window.earliest, window.latest)
        assert not swept(first - timedelta(seconds=1))
        assert swept(first)
        assert not swept(last - timedelta(seconds=1), deadline=True)
        assert swept(last, deadline=True)
