"""Where a user may be sent back to after signing in or choosing consent.

Only a same-site relative path: one slash, then a path. Anything a browser could read as
another host — ``//host``, ``/\\host``, ``\\/host``, a scheme, or any of them percent-encoded
(even twice) — falls back to the default.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

# Letters, digits and URL punctuation; no backslash, no control character, no space.
_LOCAL_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%?=&+,:;@!-]*$")


def safe_next(value: str | None, default: str = "/") -> str:
    if not value or len(value) > 2000 or not _LOCAL_PATH.fullmatch(value):
        return default
    decoded = value
    for _ in range(3):
        decoded = unquote(decoded)
        if "\\" in decoded or decoded.startswith("//") or re.search(r"[\x00-\x1f\x7f]", decoded):
            return default
    if ":" in value.split("?", 1)[0].split("/", 2)[1]:
        # "/javascript:…" is a path, but keep the first segment free of schemes anyway.
        return default
    return value
