"""Objects in one bucket of MinIO or any other S3-compatible service."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

from minio import Minio
from minio.deleteobjects import DeleteError, DeleteObject
from minio.error import S3Error
from urllib3 import BaseHTTPResponse
from urllib3.exceptions import HTTPError

from warren.storage.base import (
    CHUNK,
    ObjectNotFound,
    ObjectStoreError,
    validate_key,
    validate_prefix,
)

# S3's DeleteObjects accepts at most this many keys per request.
DELETE_BATCH = 1000
P = ParamSpec("P")
R = TypeVar("R")


def _unavailable(method: Callable[P, R]) -> Callable[P, R]:
    """A server that is down, slow or answering errors is an ObjectStoreError (the web
    answers 503 with Retry-After), never a library exception that would become a 500."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except ObjectStoreError:
            raise
        except (S3Error, HTTPError, OSError) as exc:
            # The S3 error code (NoSuchBucket, AccessDenied) or the exception's class: the
            # messages may carry the endpoint.
            reason = exc.code if isinstance(exc, S3Error) else type(exc).__name__
            raise ObjectStoreError(f"object storage failed in {method.__name__}: {reason}") from exc

    return wrapper


class S3ObjectStore:
    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @_unavailable
    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing; run once when a process starts."""
        if self.client.bucket_exists(self.bucket):
            return
        try:
            self.client.make_bucket(self.bucket)
        except S3Error as exc:
            # The web and worker processes start together; the other may have won the race.
            if exc.code != "BucketAlreadyOwnedByYou":
                raise

    @_unavailable
    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            self.bucket, validate_key(key), io.BytesIO(data), len(data), content_type=content_type
        )

    @_unavailable
    def put_file(self, key: str, source: Path, content_type: str) -> None:
        # A multipart upload read from the file part by part: never whole in memory.
        self.client.fput_object(
            self.bucket, validate_key(key), str(source), content_type=content_type
        )

    @_unavailable
    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(self.bucket, validate_key(key))
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise ObjectNotFound(key) from None
            raise
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    @_unavailable
    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, validate_key(key))
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                return False
            raise
        return True

    @_unavailable
    def size(self, key: str) -> int:
        try:
            stat = self.client.stat_object(self.bucket, validate_key(key))
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise ObjectNotFound(key) from None
            raise
        return int(stat.size or 0)

    @_unavailable
    def read_range(self, key: str, start: int, length: int) -> Iterator[bytes]:
        if length <= 0:
            return iter(())
        try:
            response = self.client.get_object(
                self.bucket, validate_key(key), offset=start, length=length
            )
        except S3Error as exc:
            if exc.code == "NoSuchKey":
                raise ObjectNotFound(key) from None
            raise
        return _stream(response)

    @_unavailable
    def delete_many(self, keys: Iterable[str]) -> None:
        # Every key is checked before anything is deleted, so a bad key refuses the whole call.
        names = [validate_key(key) for key in keys]
        failures: list[DeleteError] = []
        for start in range(0, len(names), DELETE_BATCH):
            batch = [DeleteObject(name) for name in names[start : start + DELETE_BATCH]]
            # remove_objects is lazy: nothing is sent until its error iterator is consumed.
            # S3 itself reports no error for a missing key; some compatible servers do.
            failures.extend(
                error
                for error in self.client.remove_objects(self.bucket, batch)
                if error.code != "NoSuchKey"
            )
        if failures:
            first = failures[0]
            raise ObjectStoreError(
                f"{len(failures)} object(s) not deleted from bucket {self.bucket!r}, "
                f"first {first.name!r}: {first.code} {first.message or ''}".rstrip()
            )

    def list(self, prefix: str) -> Iterator[str]:
        # Checked now, not on the first next(), so a bad prefix fails where it is passed.
        return self._names(validate_prefix(prefix))

    def _names(self, prefix: str) -> Iterator[str]:
        try:
            for item in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if item.object_name is not None:
                    yield item.object_name
        except (S3Error, HTTPError, OSError) as exc:
            raise ObjectStoreError(f"object storage failed in list: {type(exc).__name__}") from exc


def _stream(response: BaseHTTPResponse) -> Iterator[bytes]:
    try:
        yield from response.stream(CHUNK)
    finally:
        response.close()
        response.release_conn()
