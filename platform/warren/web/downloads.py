"""Serving stored objects: streamed in chunks, with byte ranges for players.

Nothing here reads a whole object into memory: the response streams the store's chunks.
A single ``Range: bytes=…`` is answered with 206 (audio and video players seek with it);
several ranges get the whole object, which RFC 9110 allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from litestar.response import Response, Stream

from warren.storage.tenant_store import TenantStore

_NOT_SAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()-]")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266 / 5987: header values are Latin-1, so a name like "Фото мамы.jpg" goes in
    ``filename*`` as percent-encoded UTF-8, with an ASCII ``filename`` for old clients."""
    cleaned = "".join(ch for ch in filename if ch.isprintable() and ch not in '"\\/')
    fallback = _NOT_SAFE_ASCII.sub("_", cleaned).strip() or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


@dataclass(frozen=True)
class ByteRange:
    start: int
    length: int


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range asked for, None for the whole object; raises RangeNotSatisfiable."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        # Several ranges, or units other than bytes: the whole object will do.
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable()
        start = max(0, size - suffix)
        return ByteRange(start, size - start)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable()
    return ByteRange(start, end - start + 1)


def stream_object(
    store: TenantStore,
    key: str,
    *,
    content_type: str,
    filename: str,
    inline: bool,
    range_header: str | None,
) -> Response[str] | Stream:
    """The object as a download; ObjectNotFound propagates before anything is sent."""
    size = store.size(key)
    headers = {
        "Content-Disposition": content_disposition(filename, inline=inline),
        "Cache-Control": "private, no-store",
        "Accept-Ranges": "bytes",
    }
    try:
        wanted = parse_range(range_header, size)
    except RangeNotSatisfiable:
        return Response(
            "The requested range is outside the file.\n",
            status_code=416,
            media_type="text/plain",
            headers={**headers, "Content-Range": f"bytes */{size}"},
        )
    if wanted is None:
        chunks = store.read_range(key, 0, size)
        return Stream(
            chunks,
            media_type=content_type,
            headers={**headers, "Content-Length": str(size)},
        )
    chunks = store.read_range(key, wanted.start, wanted.length)
    end = wanted.start + wanted.length - 1
    return Stream(
        chunks,
        status_code=206,
        media_type=content_type,
        headers={
            **headers,
            "Content-Length": str(wanted.length),
            "Content-Range": f"bytes {wanted.start}-{end}/{size}",
        },
    )
