"""Which picture format a provider's bytes are, from their first bytes.

A service's own content-type claim is not trusted: the library serves what it stores
with the type recorded here, so the type must match the bytes.
"""

from __future__ import annotations

# (content type, extension) per magic prefix.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def image_type(data: bytes) -> tuple[str, str] | None:
    """``(content_type, extension)`` of a PNG, JPEG, GIF or WebP image, else None."""
    for magic, content_type, extension in _MAGIC:
        if data.startswith(magic):
            return content_type, extension
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None
