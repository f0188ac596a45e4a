"""Content-Disposition for files with any name (RFC 6266 / RFC 5987).

Header values are Latin-1, so a name like "Фото мамы.jpg" goes in ``filename*`` as
percent-encoded UTF-8, with an ASCII ``filename`` for old clients.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_NOT_SAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()-]")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    cleaned = "".join(ch for ch in filename if ch.isprintable() and ch not in '"\\/')
    fallback = _NOT_SAFE_ASCII.sub("_", cleaned).strip() or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"
