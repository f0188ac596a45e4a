"""Choosing the object store from WARREN_STORAGE_URL.

Unset: a folder in the data dir. ``file:///abs/path``: a folder elsewhere.
``s3://ACCESS:SECRET@host:port/bucket?secure=false&region=...``: MinIO or any S3; the
access key and secret are percent-decoded, ``secure`` defaults to true.

Error messages never repeat the URL: it holds the secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

import urllib3
from minio import Minio
from minio.helpers import check_bucket_name

from warren.storage.base import ObjectStore
from warren.storage.local import LocalObjectStore
from warren.storage.s3 import S3ObjectStore

# The library's defaults wait minutes on a stalled server and retry five times; a page
# waiting on storage should fail within seconds and say so (503, Retry-After).
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 20.0
RETRIES = 2

_BOOLEANS = {"true": True, "false": False}
_S3_OPTIONS = frozenset({"secure", "region"})


@dataclass(frozen=True)
class S3Location:
    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    bucket: str
    secure: bool = True
    region: str | None = None


def _invalid(reason: str) -> ValueError:
    return ValueError(f"WARREN_STORAGE_URL is malformed: {reason}")


def open_object_store(url: str | None, data_dir: Path) -> ObjectStore:
    """The configured store. An S3 store still needs ``ensure_bucket()`` at start-up."""
    if url is None:
        return LocalObjectStore(data_dir / "objects")
    parts = _split(url)
    if parts.scheme == "file":
        return LocalObjectStore(_parse_file_url(parts))
    if parts.scheme == "s3":
        location = parse_s3_url(url)
        client = Minio(
            location.endpoint,
            access_key=location.access_key,
            secret_key=location.secret_key,
            secure=location.secure,
            region=location.region,
            http_client=s3_http_client(),
        )
        return S3ObjectStore(client, location.bucket)
    raise _invalid("the scheme must be file:// or s3:// (unset it for the data dir)")


def s3_http_client(
    connect: float = CONNECT_TIMEOUT, read: float = READ_TIMEOUT, retries: int = RETRIES
) -> urllib3.PoolManager:
    """Short timeouts and a bounded number of retries on connection errors and 5xx."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect, read=read),
        retries=urllib3.Retry(
            total=retries,
            connect=retries,
            read=retries,
            backoff_factor=0.2,
            status_forcelist=(500, 502, 503, 504),
            raise_on_status=False,
        ),
        maxsize=10,
    )


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise _invalid(str(exc)) from None


def _parse_file_url(parts: SplitResult) -> Path:
    if parts.netloc:
        raise _invalid("a file URL takes an absolute path and no host: file:///abs/path")
    if parts.query or parts.fragment:
        raise _invalid("a file URL takes no query or fragment")
    path = Path(unquote(parts.path))
    if not path.is_absolute():
        raise _invalid("a file URL needs an absolute path: file:///abs/path")
    return path


def parse_s3_url(url: str) -> S3Location:
    parts = _split(url)
    if parts.scheme != "s3":
        raise _invalid("an S3 URL starts with s3://")
    if not (parts.username and parts.password):
        raise _invalid("ACCESS:SECRET@ must come before the host")
    if not parts.hostname:
        raise _invalid("the host is missing")
    try:
        port = parts.port
    except ValueError:
        raise _invalid("the port must be a number up to 65535") from None
    # urlsplit drops an IPv6 address's brackets; the endpoint needs them back.
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    bucket = parts.path.removeprefix("/")
    if not bucket or "/" in bucket:
        raise _invalid("the path must be exactly one bucket name: /bucket")
    try:
        check_bucket_name(bucket, strict=True)
    except ValueError as exc:
        raise _invalid(f"bucket name: {exc}") from None
    if parts.fragment:
        raise _invalid("an S3 URL takes no fragment")
    options = _options(parts.query)
    return S3Location(
        endpoint=host if port is None else f"{host}:{port}",
        access_key=unquote(parts.username),
        secret_key=unquote(parts.password),
        bucket=bucket,
        secure=_boolean(options.get("secure", "true"), "secure"),
        region=options.get("region") or None,
    )


def _options(query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise _invalid("the query must be name=value pairs joined by '&'") from None
    options = dict(pairs)
    if len(options) != len(pairs):
        raise _invalid("an option is given twice")
    unknown = sorted(options.keys() - _S3_OPTIONS)
    if unknown:
        raise _invalid(f"unknown option(s) {', '.join(unknown)}; known: secure, region")
    return options


def _boolean(value: str, name: str) -> bool:
    try:
        return _BOOLEANS[value.lower()]
    except KeyError:
        raise _invalid(f"{name} must be true or false") from None
