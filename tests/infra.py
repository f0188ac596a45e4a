"""Helpers for tests that watch other processes: waiting on a condition, and searching
everything warren stored for what must not be there."""

from __future__ import annotations

import ipaddress
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from warren.db.engine import libpq_url
from warren.storage.base import ObjectStore


def wait_until(
    condition: Callable[[], bool], timeout: float, explain: Callable[[], str] | None = None
) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds, saying why."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not reached within {timeout}s" + (f": {explain()}" if explain else "")
            )
        time.sleep(0.1)


# --------------------------------------------------------------------------- searching
# What a skeptic searches when checking that something was never stored: every column
# of every table in every schema, large objects, log output and stored objects.

# Types whose text form shows what they hold; everything is read, nothing skipped as
# "cannot hold an address" (an IPv4 fits in a bigint, an IPv6 in a uuid).
TEXT_TYPES = frozenset(
    {
        "text", "varchar", "bpchar", "char", "name", "citext", "json", "jsonb", "jsonpath",
        "xml", "inet", "cidr", "macaddr", "macaddr8", "uuid", "int2", "int4", "int8",
        "numeric", "float4", "float8", "money", "bool", "timestamptz", "timestamp", "date",
        "time", "timetz", "interval", "oid", "tsvector", "bit", "varbit",
    }
)  # fmt: skip
BINARY_TYPES = frozenset({"bytea"})
_COLUMNS = """
SELECT n.nspname, c.relname, a.attname, t.typname, t.typtype, t.typcategory,
       coalesce(e.typname, ''), coalesce(e.typtype, '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
WHERE c.relkind IN ('r', 'p', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY n.nspname, c.relname, a.attnum
"""


class UnreadableColumn(Exception):
    """A column of a type the search does not know how to read: teach it, do not skip it."""


@dataclass
class StoredData:
    """Every value found, each with where it was: ``schema.table.column`` or a path."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    blobs: list[tuple[str, bytes]] = field(default_factory=list)
    tables: set[tuple[str, str]] = field(default_factory=set)

    def where(self, needle: str | bytes) -> list[str]:
        """Every place holding ``needle`` (text is also looked for in binary values, as UTF-8)."""
        raw = needle.encode() if isinstance(needle, str) else needle
        found = [place for place, blob in self.blobs if raw in blob]
        if isinstance(needle, str):
            found += [place for place, value in self.texts if needle in value]
        else:
            found += [place for place, value in self.texts if raw in value.encode()]
        return sorted(set(found))

    def count(self, needle: str) -> int:
        return sum(value.count(needle) for _, value in self.texts)


def _column_reader(
    schema: str, table: str, column: str, kind: tuple[str, str, str, str, str]
) -> tuple[sql.Composable, bool]:
    """The select expression for one column, and whether it yields bytes."""
    type_name, type_type, category, element, element_type = kind
    ident = sql.Identifier(column)
    as_text = sql.SQL("{}::text").format(ident)
    if type_name in BINARY_TYPES:
        return ident, True
    if category == "A":
        if element in BINARY_TYPES:
            return ident, True
        if element in TEXT_TYPES or element_type in {"e", "c"}:
            return as_text, False
    elif type_name in TEXT_TYPES or type_type in {"e", "c"}:
        # Enums read as their label, composite rows as their fields' text forms.
        return as_text, False
    raise UnreadableColumn(
        f"{schema}.{table}.{column} has type {type_name}"
        + (f"[] of {element}" if category == "A" else "")
        + ": the search cannot read it; add it to tests/infra.py"
    )


def database_contents(database_url: str) -> StoredData:
    """Every value in every column of every table of every schema, and every large object."""
    stored = StoredData()
    with psycopg.connect(libpq_url(database_url)) as conn:
        columns: dict[tuple[str, str], list[tuple[str, tuple[str, str, str, str, str]]]] = {}
        for schema, table, column, *kind in conn.execute(_COLUMNS).fetchall():
            columns.setdefault((schema, table), []).append((column, tuple(kind)))  # type: ignore[arg-type]
        stored.tables = set(columns)
        for (schema, table), cols in columns.items():
            readers = [_column_reader(schema, table, name, kind) for name, kind in cols]
            query = sql.SQL("SELECT {} FROM {}.{}").format(
                sql.SQL(", ").join(reader for reader, _ in readers),
                sql.Identifier(schema),
                sql.Identifier(table),
            )
            for row in conn.execute(query):
                for (name, _), (_, binary), value in zip(cols, readers, row, strict=True):
                    if value is None:
                        continue
                    place = f"{schema}.{table}.{name}"
                    if binary:
                        # bytea[] arrives as a list of bytes.
                        parts = value if isinstance(value, list) else [value]
                        stored.blobs += [(place, bytes(part)) for part in parts if part]
                    else:
                        stored.texts.append((place, str(value)))
        for oid, data in conn.execute(
            "SELECT oid, lo_get(oid) FROM pg_largeobject_metadata"
        ).fetchall():
            stored.blobs.append((f"large object {oid}", bytes(data)))
    return stored


def files_contents(root: Path, skip: tuple[str, ...] = ()) -> StoredData:
    """Every file under ``root`` (but the top-level folders in ``skip``), as bytes."""
    stored = StoredData()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and relative.parts[0] not in skip:
            stored.blobs.append((str(relative), path.read_bytes()))
    return stored


def objects_contents(store: ObjectStore) -> StoredData:
    """Every object in ``store``, read through the store itself."""
    stored = StoredData()
    for key in store.list(""):
        stored.blobs.append((f"object {key}", store.get(key)))
    return stored


def address_spellings(address: str) -> tuple[set[str], set[bytes]]:
    """Text forms an address could be stored in, and its packed bytes."""
    parsed = ipaddress.ip_address(address)
    forms = {address, parsed.compressed, parsed.exploded, str(int(parsed))}
    if parsed.version == 6:
        forms.add(parsed.exploded.replace(":0", ":"))
        forms.add(str(uuid.UUID(bytes=parsed.packed)))
    return forms, {parsed.packed}
