"""The one error an upload can end in, carrying what the user is told."""

from __future__ import annotations

from typing import Literal

# 413: too large; 415: not a kind warren takes; 422: the right kind, but broken or hostile.
StatusCode = Literal[413, 415, 422]


class UploadRejected(Exception):
    """An upload warren will not keep.

    ``reason`` is shown to the user as it is, so it must say what to do next and must
    never echo text taken from the file (a name or a string in it could be crafted).
    """

    def __init__(self, status_code: StatusCode, reason: str) -> None:
        super().__init__(reason)
        self.status_code: int = status_code
        self.reason: str = reason

    def __repr__(self) -> str:
        return f"UploadRejected({self.status_code}, {self.reason!r})"


def too_large(size: int, limit: int, what: str) -> UploadRejected:
    actual, allowed = megabytes(size), megabytes(limit)
    if actual == allowed:
        # Just over the limit rounds to the limit itself; "25 MB; at most 25 MB" helps nobody.
        actual, allowed = f"{size:,} bytes", f"{limit:,} bytes"
    return UploadRejected(413, f"This file is {actual}; {what} may be at most {allowed}.")


def megabytes(size: int) -> str:
    """Sizes as people read them: 25 MB, 31.2 MB (binary megabytes, as limits are set)."""
    value = size / (1024 * 1024)
    if value >= 0.1:
        text = f"{value:.1f}".removesuffix(".0")
        return f"{text} MB"
    # Below 0.1 MB a one-decimal MB figure would read "0 MB".
    return f"{max(1, round(size / 1024))} KB"
