"""One tenant's view of a shared object store.

Every key lives under ``<slug>/``. The key rules forbid '..' and a leading '/', so no key
a tenant can pass reaches outside its own prefix, and listing strips the prefix again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from warren.storage.base import ObjectNotFound, ObjectStore, validate_key, validate_prefix


class TenantStore:
    def __init__(self, store: ObjectStore, tenant_slug: str) -> None:
        if "/" in validate_key(tenant_slug):
            raise ValueError(f"tenant slug {tenant_slug!r} contains '/'")
        self.store = store
        self.tenant_slug = tenant_slug
        # The slash matters: without it tenant "ab" would list tenant "abc"'s objects.
        self._prefix = f"{tenant_slug}/"

    def _key(self, key: str) -> str:
        return self._prefix + validate_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.store.put(self._key(key), data, content_type)

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        self.store.put_file(self._key(key), source, content_type)

    def get(self, key: str) -> bytes:
        try:
            return self.store.get(self._key(key))
        except ObjectNotFound:
            # Report the key as the caller knows it, not the shared store's full key.
            raise ObjectNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self.store.exists(self._key(key))

    def size(self, key: str) -> int:
        try:
            return self.store.size(self._key(key))
        except ObjectNotFound:
            raise ObjectNotFound(key) from None

    def read_range(self, key: str, start: int, length: int) -> Iterator[bytes]:
        try:
            return self.store.read_range(self._key(key), start, length)
        except ObjectNotFound:
            raise ObjectNotFound(key) from None

    def delete_many(self, keys: Iterable[str]) -> None:
        self.store.delete_many([self._key(key) for key in keys])

    def list(self, prefix: str) -> Iterator[str]:
        inner = self.store.list(self._prefix + validate_prefix(prefix))
        return (key.removeprefix(self._prefix) for key in inner)
