"""What warren accepts as a text upload: clean UTF-8, not markup."""

from __future__ import annotations

import re

# Tab, line feed, form feed and carriage return are what real text files contain;
# every other C0 control, DEL and the C1 range mark binary data or terminal tricks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# The same test on raw bytes (C0 and DEL only: in UTF-8 those bytes are never part of
# a longer character), so a large binary upload is turned away without decoding it.
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HEAD = 8192

# Browsers sniff a document that opens with a tag as HTML, and an SVG is a script
# host; a text reference is prose, so markup at the start is refused, not stored.
_LEADING_MARKUP = re.compile(r"\s*<[A-Za-z!?/]")


def decode_text(data: bytes) -> str | None:
    """The text of ``data`` if it is clean UTF-8 (a BOM allowed), else None."""
    if _CONTROL_BYTE.search(data, 0, _HEAD):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text):
        return None
    return text


def is_plain_text(data: bytes) -> bool:
    text = decode_text(data)
    return text is not None and not looks_like_markup(text)


def looks_like_markup(text: str) -> bool:
    return _LEADING_MARKUP.match(text) is not None
