"""Keyset paging, newest first, on (a timestamp, the row's UUID id).

A page is the rows strictly after the last one shown, so its cost does not grow with the
page number and rows added meanwhile never shift what the next page shows (OFFSET does
both). The cursor is that last row's key, opaque to the user; one warren did not make is
refused as bad input, never a 500.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from warren.errors import InvalidInput

T = TypeVar("T")


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    rows: list[T]
    # Pass back as the cursor for the next page; None on the last page.
    next_cursor: str | None


def encode(at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, field: str) -> tuple[datetime, uuid.UUID]:
    """The key in a cursor; InvalidInput naming ``field`` (the query parameter) if warren
    could not have made it."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        return datetime.fromisoformat(at), uuid.UUID(row_id)
    except ValueError:
        raise InvalidInput(
            {field: "This page link is not valid; start from the first page."}
        ) from None


def newest_first(
    db: Session,
    query: Select[Any],
    at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[uuid.UUID],
    *,
    after: str | None,
    size: int,
    field: str = "after",
) -> KeysetPage[Any]:
    """One page of ``query``'s entities ordered by (``at``, ``row_id``) descending."""
    if after:
        last_at, last_id = decode(after, field)
        # A row comparison, which PostgreSQL answers from an index on (…, at, id); the
        # spelled-out OR form is read as a filter over every earlier row.
        query = query.where(
            tuple_(at, row_id) < tuple_(literal(last_at, at.type), literal(last_id, row_id.type))
        )
    rows = list(db.scalars(query.order_by(at.desc(), row_id.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    return KeysetPage(
        rows=rows,
        next_cursor=encode(getattr(last, at.key), getattr(last, row_id.key))
        if more and last is not None
        else None,
    )
