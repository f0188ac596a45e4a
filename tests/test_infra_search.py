"""The search the never-stored tests rely on finds a value in every kind of column, in
every schema and in large objects, and refuses a column type it cannot read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from warren.db.engine import libpq_url

from conftest import _with_database
from infra import UnreadableColumn, address_spellings, database_contents

V4 = "203.0.113.99"
V6 = "2001:db8:99::99"
V4_TEXTS, V4_BYTES = address_spellings(V4)
V6_TEXTS, V6_BYTES = address_spellings(V6)
[V4_PACKED] = V4_BYTES
[V6_PACKED] = V6_BYTES

# Column type, the value stored (as SQL), the needle that must be found there.
COLUMNS: list[tuple[str, str, str | bytes]] = [
    ("text", f"'seen from {V4}'", V4),
    ("varchar(64)", f"'{V4}'", V4),
    ("char(20)", f"'{V4}'", V4),
    ("jsonb", f"""'{{"nested": {{"ip": "{V4}"}}}}'""", V4),
    ("json", f"""'["{V4}"]'""", V4),
    ("xml", f"'<ip>{V4}</ip>'", V4),
    ("inet", f"'{V6}'", V6),
    ("cidr", f"'{V4}/32'", V4),
    ("text[]", f"ARRAY['x', '{V4}']", V4),
    ("jsonb[]", f"""ARRAY['{{"ip": "{V4}"}}'::jsonb]""", V4),
    ("bytea", f"convert_to('{V4}', 'UTF8')", V4),
    ("bytea", f"'\\x{V4_PACKED.hex()}'::bytea", V4_PACKED),
    ("bytea[]", f"ARRAY['\\x00'::bytea, '\\x{V6_PACKED.hex()}'::bytea]", V6_PACKED),
    ("bigint", str(int.from_bytes(V4_PACKED, "big")), str(int.from_bytes(V4_PACKED, "big"))),
    ("numeric", str(int.from_bytes(V6_PACKED, "big")), str(int.from_bytes(V6_PACKED, "big"))),
    ("uuid", f"'{uuid.UUID(bytes=V6_PACKED)}'", str(uuid.UUID(bytes=V6_PACKED))),
    ("scratch.label", f"'{V4}'", V4),
    ("scratch.pair", f"ROW('peer', '{V4}')", V4),
]

VALUES = ", ".join(value for _, value, _ in COLUMNS)


@pytest.fixture
def scratch_url(pg_admin_url: str) -> Iterator[str]:
    name = f"warren_search_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(pg_admin_url, name)
    with psycopg.connect(libpq_url(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _execute(url: str, *statements: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def test_spellings_cover_text_integer_uuid_and_packed_forms() -> None:
    assert {V4, "3405803875"} <= V4_TEXTS
    assert {"2001:db8:99::99", "2001:0db8:0099:0000:0000:0000:0000:0099"} <= V6_TEXTS
    assert str(uuid.UUID(bytes=V6_PACKED)) in V6_TEXTS


def test_every_column_type_and_schema_is_searched(scratch_url: str) -> None:
    _execute(
        scratch_url,
        "CREATE SCHEMA scratch",
        "CREATE TYPE scratch.label AS ENUM ('none', '203.0.113.99')",
        "CREATE TYPE scratch.pair AS (name text, address text)",
        "CREATE TABLE scratch.everything ("
        + ", ".join(f"c{i} {kind}" for i, (kind, _, _) in enumerate(COLUMNS))
        + ")",
        f"INSERT INTO scratch.everything VALUES ({VALUES})",  # noqa: S608 - this test's own literals
        "CREATE TABLE public.elsewhere (note text)",
        "INSERT INTO public.elsewhere VALUES ('nothing here')",
        f"SELECT lo_from_bytea(0, '\\x{V6_PACKED.hex()}'::bytea)",
    )
    stored = database_contents(scratch_url)
    assert {("scratch", "everything"), ("public", "elsewhere")} <= stored.tables
    for i, (kind, _, needle) in enumerate(COLUMNS):
        assert f"scratch.everything.c{i}" in stored.where(needle), kind
    assert any(place.startswith("large object") for place in stored.where(V6_PACKED))
    assert stored.where("198.51.100.1") == []


@pytest.mark.parametrize("kind", ["point", "tsquery", "int4range", "box[]"])
def test_a_column_type_the_search_cannot_read_fails_loudly(scratch_url: str, kind: str) -> None:
    _execute(scratch_url, f"CREATE TABLE odd (value {kind})")
    with pytest.raises(UnreadableColumn, match=r"public\.odd\.value"):
        database_contents(scratch_url)
