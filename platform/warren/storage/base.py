"""The interface every object store honours, and the key rules all backends share.

Keys are ``/``-separated paths. The rules are the same for every backend so that a key
that works on a laptop (files in the data dir) works in production (S3) and the other
way round; they also make path traversal impossible on the local backend, which is what
lets :class:`~warren.storage.tenant_store.TenantStore` keep tenants apart.

One difference the rules cannot remove: the local backend cannot hold both ``a`` and
``a/b``, because ``a`` would have to be a file and a folder at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

# S3's limit on a key, and the usual file-system limit on one path segment.
MAX_KEY_BYTES = 1024
MAX_SEGMENT_BYTES = 255

# What a streamed read hands over at a time.
CHUNK = 64 * 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ObjectStoreError(Exception):
    """A backend could not do what was asked."""


class ObjectNotFound(ObjectStoreError):
    """Nothing is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing what was there; readers never see a part."""

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        """Store the file ``source`` under ``key`` without reading it whole into memory."""
        ...

    def get(self, key: str) -> bytes:
        """The object's bytes; raises :class:`ObjectNotFound`."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """The object's length in bytes; raises :class:`ObjectNotFound`."""

    def read_range(self, key: str, start: int, length: int) -> Iterator[bytes]:
        """``length`` bytes from ``start``, in chunks of at most :data:`CHUNK` bytes, so a
        download never holds a whole object in memory; raises :class:`ObjectNotFound`
        before the first chunk."""

    def delete_many(self, keys: Iterable[str]) -> None:
        """Delete every key; keys with no object are skipped, so a crashed sweep can rerun."""

    def list(self, prefix: str) -> Iterator[str]:
        """Every key starting with ``prefix`` (a plain string prefix, as in S3), any order."""


def _problem(key: str) -> str | None:
    if not key:
        return "is empty"
    if key.startswith("/"):
        return "starts with '/'"
    if "\\" in key:
        return "contains a backslash"
    if ".." in key:
        return "contains '..'"
    if _CONTROL.search(key):
        return "contains a control character"
    if len(key.encode()) > MAX_KEY_BYTES:
        return f"is longer than {MAX_KEY_BYTES} bytes"
    for segment in key.split("/"):
        if not segment:
            return "has an empty segment"
        # Dot-names are reserved: '.' and '..' mean something to a file system, and the
        # local backend's in-flight temporary files start with a dot.
        if segment.startswith("."):
            return "has a segment starting with '.'"
        if len(segment.encode()) > MAX_SEGMENT_BYTES:
            return f"has a segment longer than {MAX_SEGMENT_BYTES} bytes"
    return None


def validate_key(key: str) -> str:
    """Return ``key`` unchanged, or raise ValueError saying what is wrong with it."""
    problem = _problem(key)
    if problem is not None:
        raise ValueError(f"object key {key!r} {problem}")
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key that may end with '/'."""
    if prefix:
        problem = _problem(prefix.removesuffix("/"))
        if problem is not None:
            raise ValueError(f"object key prefix {prefix!r} {problem}")
    return prefix
